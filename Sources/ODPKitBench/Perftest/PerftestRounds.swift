public import ODPKit
public import ODPKitReport

/// perftest and odpkit measuring the same things in turn, round after round in one boot: in each round
/// a perftest run (`ib_read_lat` or `ib_write_lat` at one size, through `PerftestProgram`) and odpkit's
/// pinned cell of the same measure (RDMA READ, or the write ping-pong) with as many samples, measured in
/// a fresh odpkit process as perftest's is a fresh client (`PerftestPartner`), one right after the other.
///
/// Why in turns: perftest goes first in odd rounds, odpkit in even ones. Going second had cost odpkit
/// in some boots (perftest's teardown, its processes' exit, may still run when the next run starts),
/// and the comparison reads the two tools' runs as two samples (`PerftestComparison`), so neither tool
/// may always follow the other. A run's median may sit on one of a few levels that both tools visit
/// (docs/methodology.md), and the rounds spread both tools' runs over the same stretch of the boot.
/// Sizes may take different numbers of rounds: a small pair's time is mostly the two programs'
/// start-up, a large pair takes longer.
public enum PerftestRounds {
    /// The wrapper's tests (`PerftestProgram`) and the warm operations that measure the same (`PerftestPairing`).
    public static let measures: [(test: String, operation: WarmProbe.Operation)] = PerftestPairing.paired.compactMap { measure in
        measure.operation.flatMap(WarmProbe.Operation.init).map { (measure.test, $0) }
    }

    /// One perftest run (`test` at `bytes`) and odpkit's cell of the same measure, one right after the other.
    public struct Pair: Sendable, Hashable {
        public var round: Int
        public var test: String
        public var operation: WarmProbe.Operation
        public var bytes: Int
        /// Whether odpkit's cell goes first (`PerftestPairing.odpkitFirst(round:)`).
        public var odpkitFirst: Bool { PerftestPairing.odpkitFirst(round: round) }
    }

    /// The pairs of the rounds at `sizes`, in the order they run: `rounds[i]` rounds of `sizes[i]` (one
    /// count serves every size); each round takes every measure at each size that has that many rounds.
    public static func pairs(rounds: [Int], sizes: [Int]) -> [Pair] {
        let counts = sizes.indices.map { rounds.isEmpty ? 1 : rounds[min($0, rounds.count - 1)] }
        return (1...max(1, counts.max() ?? 1)).flatMap { round in
            measures.flatMap { measure in
                zip(sizes, counts).filter { round <= $0.1 }.map { Pair(round: round, test: measure.test, operation: measure.operation, bytes: $0.0) }
            }
        }
    }

    /// Runs the rounds of `pairs(rounds:sizes:)` with `budget.samples` samples (perftest's iterations) a
    /// cell, into `results` (odpkit's cells) and the returned perftest results, each marked with its
    /// round: every pair is perftest's run and odpkit's cell, in the pair's order, odpkit's measured on
    /// `device` by a fresh `odpkit perftest-partner` of `odpkit` (the executable) started and ready
    /// before either. odpkit's cells keep every sample whatever the time per cell: perftest's runs are
    /// not cut short either.
    public static func run(
        program: PerftestProgram, odpkit: String, rounds: [Int], sizes: [Int], budget: ProbeBudget,
        device: String, into results: ProbeResults, progress: (String) -> Void
    ) throws(ODPKitError) -> [PerftestResult] {
        var perftest: [PerftestResult] = []
        let all = pairs(rounds: rounds, sizes: sizes)
        let last = all.last?.round ?? 1
        for pair in all {
            try budget.interruption.check("the perftest rounds")
            let binary = PerftestPairing.measure(test: pair.test)?.binary ?? pair.test
            progress("perftest rounds: \(pair.round) of \(last), \(pair.odpkitFirst ? "a fresh odpkit then \(binary)" : "\(binary) then a fresh odpkit"), \(pair.bytes) bytes")
            let partner = try PerftestPartner(executable: odpkit, test: pair.test, bytes: pair.bytes, budget: budget, device: device)
            defer { partner.close() }
            let recorder = results.recorder(CellKey(probe: .warm, mode: .pinned, operation: pair.operation.cellOperation, bytes: pair.bytes,
                                                    pages: (pair.bytes + pageSize - 1) / pageSize, conditions: PerftestPairing.conditions(round: pair.round)))
            if pair.odpkitFirst { try partner.measure(into: recorder) }
            perftest += try program.run(tests: [pair.test], sizes: [pair.bytes], iterations: budget.samples, interruption: budget.interruption).map { result in
                var result = result
                result.round = pair.round
                return result
            }
            if !pair.odpkitFirst { try partner.measure(into: recorder) }
        }
        return perftest
    }
}
