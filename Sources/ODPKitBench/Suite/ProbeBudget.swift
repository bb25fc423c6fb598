public import ODPKit

/// How many samples each cell gets: `samples` after `warmUp` unrecorded rounds (fewer when they spend
/// the group's time), unless a group of cells measured together runs out of time first; then every cell of the group keeps at least
/// `minimumSamples`, and the report says which cells stopped early (their sample count shows it).
/// Every round first checks `interruption`, and the rounds stop with `.interrupted` once it is set.
public struct ProbeBudget: Sendable, Hashable {
    public var samples: Int
    public var warmUp: Int
    /// Seconds one cell may take; a group of cells measured interleaved gets this times its cell count.
    public var secondsPerCell: Double
    public var minimumSamples: Int
    /// What stops the rounds early: by default SIGINT or SIGTERM (`Interruption.signals`).
    public var interruption: Interruption

    public init(samples: Int = 1000, warmUp: Int = 10, secondsPerCell: Double = 0.5, minimumSamples: Int = 5,
                interruption: Interruption = .signals) {
        self.samples = samples
        self.warmUp = warmUp
        self.secondsPerCell = secondsPerCell
        self.minimumSamples = minimumSamples
        self.interruption = interruption
    }

    /// This budget without warm-up when a round of `cells` cells has taken `roundNanoseconds`, more than
    /// the group's time budget: a round that long is past what a warm-up is for (`RegistrationProbe`).
    public func skippingWarmUp(afterRoundsOf roundNanoseconds: UInt64, cells: Int) -> ProbeBudget {
        var budget = self
        if roundNanoseconds > groupNanoseconds(cells: cells) { budget.warmUp = 0 }
        return budget
    }

    /// The time a group of `cells` cells may take: `secondsPerCell` each.
    func groupNanoseconds(cells: Int) -> UInt64 {
        UInt64(secondsPerCell * Double(max(1, cells)) * 1e9)
    }

    /// Throws `.interrupted` once `interruption` is set: `rounds` calls it before each round, and a probe
    /// whose rounds are long (a block of samples per cell, large registrations) between its cells.
    @inline(__always)
    public func checkInterruption() throws(ODPKitError) {
        try interruption.check("a probe's rounds")
    }

    /// Runs `round` for every warm-up round (`recording` false), then for every sample (`recording`
    /// true) until `samples` or the group's time is spent; returns the samples taken. Throws
    /// `.interrupted` when `interruption` is set before a round.
    @discardableResult
    public func rounds(cells: Int, _ round: (_ index: Int, _ recording: Bool) throws(ODPKitError) -> Void) throws(ODPKitError) -> Int {
        let groupBudget = groupNanoseconds(cells: cells)
        // Warm-up spends at most the group's budget (at least one round): a slow cell (registering
        // hundreds of MiB of absent pages under TCG) must not pay ten unrecorded rounds.
        let warmUpDeadline = monotonicNanoseconds() + groupBudget
        for index in 0..<warmUp {
            try checkInterruption()
            try round(index, false)
            if monotonicNanoseconds() > warmUpDeadline { break }
        }
        let deadline = monotonicNanoseconds() + groupBudget
        var taken = 0
        while taken < samples {
            try checkInterruption()
            try round(taken, true)
            taken += 1
            if taken >= minimumSamples && monotonicNanoseconds() > deadline { break }
        }
        return taken
    }
}
