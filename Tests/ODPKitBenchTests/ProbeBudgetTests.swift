import Testing
@testable import ODPKit
@testable import ODPKitBench
@testable import ODPKitReport

@Suite("probe budget: warm-up rounds, samples and the time of a group (host)")
struct ProbeBudgetTests {
    @Test func warmUpRoundsComeFirstAndAreNotRecorded() throws {
        var recording: [Bool] = []
        let taken = try ProbeBudget(samples: 4, warmUp: 3).rounds(cells: 1) { _, recorded in recording.append(recorded) }
        #expect(taken == 4 && recording == [false, false, false, true, true, true, true])
    }

    @Test func aRoundLongerThanTheGroupsTimeDropsTheWarmUp() throws {
        // 6 cells at 0.5 s: the group may take 3 s.
        let budget = ProbeBudget(samples: 5, warmUp: 10, secondsPerCell: 0.5)
        #expect(budget.skippingWarmUp(afterRoundsOf: 3_000_000_000, cells: 6) == budget)
        #expect(budget.skippingWarmUp(afterRoundsOf: 0, cells: 6) == budget)
        let skipping = budget.skippingWarmUp(afterRoundsOf: 3_000_000_001, cells: 6)
        #expect(skipping.warmUp == 0 && skipping.samples == 5 && skipping.minimumSamples == budget.minimumSamples)
        var recording: [Bool] = []
        try skipping.rounds(cells: 6) { _, recorded in recording.append(recorded) }
        #expect(recording == Array(repeating: true, count: 5))
    }
}
