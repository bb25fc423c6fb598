public import Verbs

/// perftest and odpkit measuring the same things in turn, round after round in one boot: perftest's
/// `ib_read_lat` and `ib_write_lat` (through `PerftestProgram`), then odpkit's pinned RDMA READ and
/// write ping-pong at the same sizes with as many samples, the order swapped every round (odd rounds
/// perftest first). Under TCG one run's median wanders by more than the 10 % that `PerftestComparison`
/// judges, from run to run of either tool; rounds taken side by side meet the same drift, and their
/// medians and per-round ratios show how far apart the tools are beyond that noise.
public enum PerftestRounds {
    /// The `sweep` condition of odpkit's cells of the rounds (`round` is the other).
    public static let sweep = "perftest rounds"
    /// The wrapper's tests (`PerftestProgram`) and the warm operations that measure the same.
    public static let measures: [(test: String, operation: WarmProbe.Operation)] = [("read", .read), ("write", .writePingPong)]

    /// The conditions of odpkit's cells of round `round`.
    public static func conditions(round: Int) -> [String: String] {
        ["pages": "present", "sweep": sweep, "round": String(round)]
    }

    /// Runs `rounds` rounds at `sizes` with `budget.samples` samples (perftest's iterations) a cell, into
    /// `results` (odpkit's cells) and the returned perftest results, each marked with its round.
    /// odpkit's cells keep every sample whatever the time per cell: perftest's runs are not cut short either.
    public static func run(
        program: PerftestProgram, rounds: Int, sizes: [Int], budget: ProbeBudget,
        on path: LoopbackPath, into results: ProbeResults, progress: (String) -> Void
    ) throws(ODPKitError) -> [PerftestResult] {
        let whole = ProbeBudget(samples: budget.samples, warmUp: budget.warmUp, secondsPerCell: 3600, minimumSamples: budget.samples)
        var perftest: [PerftestResult] = []
        for round in 1...max(1, rounds) {
            func runPerftest() throws(ODPKitError) {
                progress("perftest rounds: \(round) of \(rounds), perftest")
                perftest += try program.run(tests: measures.map(\.test), sizes: sizes, iterations: budget.samples).map { result in
                    var result = result
                    result.round = round
                    return result
                }
            }
            func runODPKit() throws(ODPKitError) {
                progress("perftest rounds: \(round) of \(rounds), odpkit pinned")
                try WarmProbe.run(sizes: sizes, operations: measures.map(\.operation), modes: [.pinned], budget: whole,
                                  conditions: conditions(round: round), on: path, into: results) { _ in }
            }
            if round % 2 == 1 {
                try runPerftest()
                try runODPKit()
            } else {
                try runODPKit()
                try runPerftest()
            }
        }
        return perftest
    }
}
