import Testing
import TestSupport
@testable import ODPKit
@testable import ODPKitBench

extension RXEIntegration {
/// A small suite of every part on the device: the progress it announces is the plan it estimates by.
@Suite("suite progress", .timeLimit(.minutes(5)))
struct SuiteProgressTests {
    @Test func everyAnnouncedStepIsAPlannedStepAndTheShareOnlyGrows() throws {
        var suite = LatencySuite()
        suite.budget = ProbeBudget(samples: 3, warmUp: 0, secondsPerCell: 0.05, minimumSamples: 2)
        suite.registrationMaximum = 16 * pageSize
        suite.pageCounts = [1, 4]
        suite.warmMaximum = 64
        var lines: [String] = []
        _ = try suite.run(device: nil) { lines.append($0) }
        let planned = suite.stepWeights(registrationSizes: RegistrationProbe.sizes(upTo: 16 * pageSize),
                                        hugePagesFrom: TransparentHugePages.smallestAdvised() ?? 0)
        #expect(lines.count == planned.count, "announced \(lines.count) steps, planned \(planned.count): \(lines)")
        let shares = lines.compactMap { line in line.split(separator: "%").first.flatMap { Int($0.split(separator: " ").last ?? "") } }
        #expect(shares.count == lines.count, "every line shows its share: \(lines)")
        #expect(shares.first == 0 && shares == shares.sorted() && (shares.last ?? 100) < 100, "\(shares)")
        #expect(lines.dropFirst().allSatisfy { $0.contains("left · ") }, "every line after the first estimates the time left: \(lines)")
    }
}
}
