import Testing
@testable import ODPKitBench

@Suite("progress estimate")
struct ProgressEstimateTests {
    @Test func theShareDoneCountsTheWeightOfTheStepsBeforeTheOneBeginning() {
        var estimate = ProgressEstimate(weights: [1, 3, 4, 2])
        estimate.beginStep()
        #expect(estimate.fractionDone == 0)
        #expect(estimate.secondsLeft(elapsedSeconds: 5) == nil, "nothing is done yet: no pace to go by")
        estimate.beginStep()
        #expect(estimate.fractionDone == 0.1)
        estimate.beginStep()
        #expect(estimate.fractionDone == 0.4)
        // 0.4 of the weight took 8 s: the remaining 0.6 at that pace take 12 s.
        #expect(abs((estimate.secondsLeft(elapsedSeconds: 8) ?? 0) - 12) < 1e-9)
    }

    @Test func moreStepsThanPlannedStopAtAllDone() {
        var estimate = ProgressEstimate(weights: [1, 1])
        for _ in 0..<5 { estimate.beginStep() }
        #expect(estimate.fractionDone == 1)
        #expect(estimate.secondsLeft(elapsedSeconds: 30) == 0)
    }

    @Test func theLineShowsABarTheShareAndTheTimeLeft() {
        var estimate = ProgressEstimate(weights: [1, 1, 1, 1])
        estimate.beginStep()
        #expect(estimate.line("warm: SEND of 8 bytes", elapsedSeconds: 0.5, width: 8) == "[--------]   0 % · warm: SEND of 8 bytes")
        estimate.beginStep()
        estimate.beginStep()
        #expect(estimate.line("fault", elapsedSeconds: 300, width: 8) == "[####----]  50 %, about 5 min left · fault")
    }

    @Test(arguments: [(40.0, "40 s"), (89.4, "89 s"), (600, "10 min"), (3900, "1 h 5 min")])
    func durationsAreWordedForAPerson(seconds: Double, text: String) {
        #expect(ProgressEstimate.duration(seconds) == text)
    }
}
