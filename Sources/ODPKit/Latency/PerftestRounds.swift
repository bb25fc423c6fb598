public import Verbs

/// perftest and odpkit measuring the same things in turn, round after round in one boot: each perftest
/// run (`ib_read_lat` or `ib_write_lat` at one size, through `PerftestProgram`) is followed at once by
/// odpkit's pinned cell of the same measure (RDMA READ, or the write ping-pong) with as many samples,
/// measured in a fresh odpkit process as perftest's is a fresh client (`PerftestPartner`).
///
/// Why pairs, and why perftest first. Under TCG a run's median sits on one of a few levels (8 B READ:
/// about 18, 26 or 44 µs in the testbed) that both tools visit and that last from a fraction of a
/// second to a few seconds; which one a run meets is mostly the testbed's doing (the README says what
/// is known), so the two runs of a pair are kept close in time: odpkit's cell starts a few hundred ms
/// after perftest's measurement ends. perftest spends about 2 s starting up before it measures, so
/// odpkit first would be that far from it. Going second can only cost odpkit (perftest's teardown may
/// still be running), never flatter it.
public enum PerftestRounds {
    /// The `sweep` condition of odpkit's cells of the rounds (`round` is the other).
    public static let sweep = "perftest rounds"
    /// The wrapper's tests (`PerftestProgram`) and the warm operations that measure the same.
    public static let measures: [(test: String, operation: WarmProbe.Operation)] = [("read", .read), ("write", .writePingPong)]

    /// The conditions of odpkit's cells of round `round` (measured in a fresh process: `PerftestPartner`).
    public static func conditions(round: Int) -> [String: String] {
        ["pages": "present", "sweep": sweep, "round": String(round), "process": "fresh"]
    }

    /// One perftest run (`test` at `bytes`) and odpkit's cell of the same measure, taken right after it.
    public struct Pair: Sendable, Hashable {
        public var round: Int
        public var test: String
        public var operation: WarmProbe.Operation
        public var bytes: Int
    }

    /// The pairs of `rounds` rounds at `sizes`, in the order they run: each round takes every measure
    /// at every size.
    public static func pairs(rounds: Int, sizes: [Int]) -> [Pair] {
        (1...max(1, rounds)).flatMap { round in
            measures.flatMap { measure in
                sizes.map { Pair(round: round, test: measure.test, operation: measure.operation, bytes: $0) }
            }
        }
    }

    /// Runs `rounds` rounds at `sizes` with `budget.samples` samples (perftest's iterations) a cell, into
    /// `results` (odpkit's cells) and the returned perftest results, each marked with its round: every
    /// pair of `pairs(rounds:sizes:)` is perftest's run, then at once odpkit's cell, measured on `device`
    /// by a fresh `odpkit perftest-partner` of `odpkit` (the executable) started before perftest's run.
    /// odpkit's cells keep every sample whatever the time per cell: perftest's runs are not cut short either.
    public static func run(
        program: PerftestProgram, odpkit: String, rounds: Int, sizes: [Int], budget: ProbeBudget,
        device: String, into results: ProbeResults, progress: (String) -> Void
    ) throws(ODPKitError) -> [PerftestResult] {
        var perftest: [PerftestResult] = []
        for pair in pairs(rounds: rounds, sizes: sizes) {
            progress("perftest rounds: \(pair.round) of \(rounds), \(PerftestProgram.binary(pair.test) ?? pair.test) then a fresh odpkit, \(pair.bytes) bytes")
            let partner = try PerftestPartner(executable: odpkit, test: pair.test, bytes: pair.bytes, budget: budget, device: device)
            defer { partner.close() }
            perftest += try program.run(tests: [pair.test], sizes: [pair.bytes], iterations: budget.samples).map { result in
                var result = result
                result.round = pair.round
                return result
            }
            try partner.measure(into: results.recorder(.warm, RegistrationMode.pinned.rawValue, pair.operation.rawValue, bytes: pair.bytes,
                                                       pages: (pair.bytes + pageSize - 1) / pageSize, conditions: conditions(round: pair.round)))
        }
        return perftest
    }
}
