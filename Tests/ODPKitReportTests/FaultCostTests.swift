import Foundation
import Testing
@testable import ODPKit
@testable import ODPKitReport

/// A fault's cost over its control: the Hodges–Lehmann shift with Moses' interval, its place in
/// report.json, the text table and the HTML page (host).
@Suite("fault cost: fault − control with its interval (host)")
struct FaultCostTests {
    /// `count` latencies in nanoseconds from a fixed generator, spread over a few levels as rxe's are.
    static func latencies(_ count: Int, seed: UInt64, base: UInt64) -> [UInt64] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return base + (state >> 33) % 5000 + ((state >> 20) % 4 == 0 ? 20_000 : 0)
        }
    }

    @Test func theShiftIsTheMedianDifferenceWithMosesInterval() throws {
        // 3 a side: the median of the 9 differences, [min, max] at 1 − 2/20.
        let three = try #require(HodgesLehmannShift([5000, 6000, 7000], over: [1000, 2000, 3000]))
        #expect(three.estimate == 4 && three.interval == .init(lower: 2, upper: 6, coverage: 0.9))
        // 2 a side: the mean of the middle two of 4 differences, no interval.
        let two = try #require(HodgesLehmannShift([1000, 4000], over: [1000, 1000]))
        #expect(two.estimate == 1.5 && two.interval == nil)
        #expect(HodgesLehmannShift([], over: [1]) == nil && HodgesLehmannShift([1], over: []) == nil)
        // A sample below its baseline gives a negative shift.
        #expect(HodgesLehmannShift([1000, 2000, 3000], over: [5000, 6000, 7000])?.interval?.upper == -2)
    }

    @Test(arguments: [(40, 30), (7, 200), (200, 150)])
    func theShiftAgreesWithEveryDifferenceSorted(_ n: Int, _ m: Int) throws {
        let first = Self.latencies(n, seed: UInt64(n), base: 70_000), second = Self.latencies(m, seed: UInt64(m) + 1, base: 60_000)
        let all = first.flatMap { a in second.map { b in Int64(a) - Int64(b) } }.sorted()
        let sortedFirst = first.map(Int64.init).sorted(), sortedSecond = second.map(Int64.init).sorted()
        for k in [1, 2, all.count / 3, all.count / 2, all.count / 2 + 1, all.count] {
            #expect(HodgesLehmannShift.smallestDifference(k, sortedFirst, sortedSecond) == all[k - 1], "k = \(k)")
        }
        let shift = try #require(HodgesLehmannShift(first, over: second))
        let rank = try #require(MosesRank.rank(n, m, confidence: 0.9))
        #expect(shift.interval == .init(lower: Double(all[rank.k - 1]) / 1000, upper: Double(all[all.count - rank.k]) / 1000, coverage: rank.coverage))
        #expect(rank.coverage >= 0.9 - 1e-9)
    }

    @Test func theNormalRankMatchesTheExactOneWhereBothApply() throws {
        for (n, m) in [(50, 50), (100, 100), (20, 500)] {
            let exact = try #require(MosesRank.exactRank(n, m, confidence: 0.9)), normal = try #require(MosesRank.normalRank(n, m, confidence: 0.9))
            #expect(abs(exact.k - normal.k) <= 2 && abs(exact.coverage - normal.coverage) < 0.005, "\(n)×\(m): \(exact) against \(normal)")
        }
        #expect(abs(MosesRank.standardNormalQuantile(0.95) - 1.6448536) < 1e-6)
    }

    static func cost(estimateAbove: Bool) throws -> FaultCost {
        let key = CellKey(probe: .fault, mode: .odp, operation: .read, bytes: 4096, pages: 1, conditions: CellConditions(pages: .absent, prefetch: .notIssued))
        let high: [UInt64] = [90_000, 95_000, 100_000, 105_000], low: [UInt64] = [70_000, 71_000, 72_000, 78_000]
        return try #require(FaultCost(fault: key, faultNanoseconds: estimateAbove ? high : low, controlNanoseconds: estimateAbove ? low : high))
    }

    @Test func aCostIsInTheJSONAndAReportWithoutOneStillReads() throws {
        let cost = try Self.cost(estimateAbove: true)
        #expect(cost.faultMedian == 97.5 && cost.controlMedian == 71.5 && !cost.negative)
        #expect(try Self.cost(estimateAbove: false).negative)
        var report = LatencyReport(testbed: ReportTests.testbed, startedAt: "2026-01-01T00:00:00Z")
        #expect(try !report.json().contains("faultCosts"))
        report.faultCosts = [cost]
        let json = try report.json()
        #expect(json.contains("\"faultCosts\"") && json.contains("\"prefetch\" : \"none\""))
        #expect(try LatencyReport(json: json) == report)
    }

    @Test func theTableAndThePageShowFaultControlAndTheirDifference() throws {
        var report = LatencyReport(testbed: ReportTests.testbed, startedAt: "2026-01-01T00:00:00Z")
        #expect(FaultCostTable.render(report) == nil)
        report.faultCosts = [try Self.cost(estimateAbove: true), try Self.cost(estimateAbove: false)]
        let table = try #require(FaultCostTable.render(report))
        let lines = table.split(separator: "\n")
        #expect(lines.count == 4 && lines[0].hasPrefix("fault cost: fault − control") && lines[1].hasPrefix("mode"))
        #expect(lines[2].contains("97.50") && lines[2].contains("71.50") && lines[2].contains("[") && lines[2].hasSuffix("4/4"))
        #expect(Set(lines.dropFirst().map(\.count)).count == 1, "aligned: \(lines)")
        let page = ReportHTML.render(report)
        #expect(page.contains("Fault cost over its control") && page.contains("<tr class=\"negative\">"))
    }
}
