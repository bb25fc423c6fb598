public import Verbs

/// How many samples each cell gets: `samples` after `warmUp` unrecorded rounds (fewer when they spend
/// the group's time), unless a group of cells measured together runs out of time first; then every cell of the group keeps at least
/// `minimumSamples`, and the report says which cells stopped early (their sample count shows it).
public struct ProbeBudget: Sendable, Hashable {
    public var samples: Int
    public var warmUp: Int
    /// Seconds one cell may take; a group of cells measured interleaved gets this times its cell count.
    public var secondsPerCell: Double
    public var minimumSamples: Int

    public init(samples: Int = 1000, warmUp: Int = 10, secondsPerCell: Double = 0.5, minimumSamples: Int = 5) {
        self.samples = samples
        self.warmUp = warmUp
        self.secondsPerCell = secondsPerCell
        self.minimumSamples = minimumSamples
    }

    /// Runs `round` for every warm-up round (`recording` false), then for every sample (`recording`
    /// true) until `samples` or the group's time is spent; returns the samples taken.
    @discardableResult
    public func rounds(cells: Int, _ round: (_ index: Int, _ recording: Bool) throws(ODPKitError) -> Void) throws(ODPKitError) -> Int {
        let groupBudget = UInt64(secondsPerCell * Double(max(1, cells)) * 1e9)
        // Warm-up spends at most the group's budget (at least one round): a slow cell (registering
        // hundreds of MiB of absent pages under TCG) must not pay ten unrecorded rounds.
        let warmUpDeadline = monotonicNanoseconds() + groupBudget
        for index in 0..<warmUp {
            try round(index, false)
            if monotonicNanoseconds() > warmUpDeadline { break }
        }
        let deadline = monotonicNanoseconds() + groupBudget
        var taken = 0
        while taken < samples {
            try round(taken, true)
            taken += 1
            if taken >= minimumSamples && monotonicNanoseconds() > deadline { break }
        }
        return taken
    }
}
