import Foundation
import Testing
import TestSupport
@testable import ODPKit
@testable import ODPKitReport

/// The registration fits: the weighted least-squares line, its place in report.json, the HTML page and
/// the text table (host).
@Suite("registration fits: fixed cost and cost per GiB (host)")
struct RegistrationFitTests {
    /// 4 KiB to 1 GiB, doubling: 19 sizes.
    static let sizes = (12...30).map { 1 << $0 }

    // MARK: the fit

    @Test(arguments: 1...20 as ClosedRange<UInt64>)
    func recoversAFixedCostAndASlopeThroughNoise(seed: UInt64) throws {
        // 30 µs + 200 ms per GiB, each median off by up to ±5 %: both come back within 6 %. An unweighted
        // fit of the same points gets the slope but misses the fixed cost by hundreds of µs.
        var random = SplitMix64(seed: seed)
        let points = Self.sizes.map { bytes in
            (bytes: bytes, microseconds: (30 + 200_000 * Double(bytes) / Double(1 << 30)) * Double.random(in: 0.95...1.05, using: &random))
        }
        let fit = try #require(RegistrationFit(probe: .registration, mode: .registration(.pinned), conditions: CellConditions(), points: points))
        #expect(abs(fit.fixedMicroseconds / 30 - 1) < 0.06, "fixed \(fit.fixedMicroseconds) µs")
        #expect(abs(fit.microsecondsPerGiB / 200_000 - 1) < 0.06, "slope \(fit.microsecondsPerGiB) µs/GiB")
        #expect(fit.rSquared > 0.99)
        #expect(fit.sizes == 19 && fit.minimumBytes == 4096 && fit.maximumBytes == 1 << 30)
    }

    @Test(arguments: 1...20 as ClosedRange<UInt64>)
    func aFlatSeriesHasNoSlope(seed: UInt64) throws {
        // 50 µs ±5 % at every size: the fixed cost within 5 %, the slope under 10 µs per GiB (0.01 ms),
        // against the 200 000 µs per GiB above.
        var random = SplitMix64(seed: seed)
        let points = Self.sizes.map { (bytes: $0, microseconds: 50 * Double.random(in: 0.95...1.05, using: &random)) }
        let fit = try #require(RegistrationFit(probe: .registration, mode: .registration(.odp), conditions: CellConditions(), points: points))
        #expect(abs(fit.fixedMicroseconds / 50 - 1) < 0.05, "fixed \(fit.fixedMicroseconds) µs")
        #expect(abs(fit.microsecondsPerGiB) < 10, "slope \(fit.microsecondsPerGiB) µs/GiB")
        #expect(ReportFormat.milliseconds(fit.microsecondsPerGiB) == "0.00" || ReportFormat.milliseconds(fit.microsecondsPerGiB) == "0.01")
    }

    @Test func exactLinesAndEqualTimes() throws {
        // 10 µs + 1 µs per KiB.
        let points = [4096, 8192, 1 << 20].map { (bytes: $0, microseconds: 10 + Double($0) / 1024) }
        let line = try #require(RegistrationFit(probe: .deregistration, mode: .registration(.pinned), conditions: CellConditions(), points: points))
        #expect(abs(line.fixedMicroseconds - 10) < 1e-9 && abs(line.microsecondsPerGiB - Double(1 << 20)) < 1e-6)
        #expect(abs(line.rSquared - 1) < 1e-12)
        let flat = try #require(RegistrationFit(probe: .registration, mode: .registration(.odp), conditions: CellConditions(), points: Self.sizes.map { ($0, 7.5) }))
        #expect(abs(flat.fixedMicroseconds - 7.5) < 1e-12 && abs(flat.microsecondsPerGiB) < 1e-9 && flat.rSquared == 1)
    }

    @Test func fewerThanThreeSizesHaveNoFit() {
        func fit(_ points: [(bytes: Int, microseconds: Double)]) -> RegistrationFit? {
            RegistrationFit(probe: .registration, mode: .registration(.pinned), conditions: CellConditions(), points: points)
        }
        #expect(fit([]) == nil)
        #expect(fit([(4096, 10), (8192, 12)]) == nil)
        #expect(fit([(4096, 10), (4096, 11), (8192, 12)]) == nil)  // three points, two sizes
        #expect(fit([(4096, 10), (8192, 12), (16384, 0)]) == nil)  // a median of zero is no point
        #expect(fit([(4096, 10), (8192, 12), (16384, 13)]) != nil)

        // Through cells: a cell without samples does not count.
        let cells = [4096, 8192].map { Self.cell(.registration, "pinned", bytes: $0, microseconds: 10) }
            + [Self.cell(.registration, "pinned", bytes: 16384, microseconds: nil)]
        #expect(RegistrationFit.fits(cells).isEmpty)
        let report = LatencyReport(testbed: ReportTests.testbed, cells: cells)
        #expect(FitTable.render(report) == "\(FitTable.heading)\nnone: a series needs at least three sizes")
        #expect(FitTable.render(LatencyReport(testbed: ReportTests.testbed, cells: [Self.cell(.fault, "odp", bytes: 4096, microseconds: 9)])) == nil)
    }

    @Test func oneFitPerProbeModeAndConditions() {
        let fits = RegistrationFit.fits(Self.lineCells())
        // Deregistration after registration; pinned before odp; conditions sorted.
        #expect(fits.map { "\($0.probe.rawValue) \($0.mode) \($0.conditions.text)" } == [
            "registration pinned pages=absent;thp=off", "registration pinned pages=present;thp=off",
            "registration odp pages=absent;thp=off", "registration odp pages=present;thp=off",
            "deregistration pinned pages=absent;thp=off", "deregistration pinned pages=present;thp=off",
            "deregistration odp pages=absent;thp=off", "deregistration odp pages=present;thp=off",
        ])
        #expect(fits.allSatisfy { $0.sizes == 13 && $0.minimumBytes == 4096 && $0.maximumBytes == 16 << 20 })
        for fit in fits {
            #expect(abs(fit.fixedMicroseconds - 30) < 0.01, "\(fit)")
            #expect(abs(fit.microsecondsPerGiB - (fit.mode == .registration(.pinned) ? 200_000 : 0)) < 1, "\(fit)")
        }
    }

    // MARK: report.json

    @Test func fitsAreInTheJSONAndReadBackFromTheCells() throws {
        let report = LatencyReport(testbed: ReportTests.testbed, cells: Self.lineCells())
        let json = try report.json()
        #expect(json.contains("\"schema\" : \"odpkit.report/1\""))
        let decoded = try LatencyReport(json: json)
        #expect(decoded == report && decoded.fits == report.fits && report.fits.count == 8)

        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let fits = try #require(object["fits"] as? [[String: Any]])
        #expect(fits.count == 8)
        #expect(Set(fits[0].keys) == [
            "probe", "mode", "conditions", "fixedMicroseconds", "microsecondsPerGiB", "sizes", "minimumBytes", "maximumBytes", "rSquared",
        ])
        #expect(fits[0]["probe"] as? String == "registration" && fits[0]["mode"] as? String == "pinned")
        #expect(fits[0]["conditions"] as? [String: String] == ["pages": "absent", "thp": "off"])

        // A report written before the fits: it decodes, and the fits come from its cells.
        let old = try Self.json(report, fits: nil)
        #expect(!old.contains("\"fits\""))
        #expect(try LatencyReport(json: old).fits == report.fits)

        // Fits that do not match the cells are not believed.
        let edited = try Self.json(report, fits: [fits[0].merging(["fixedMicroseconds": 1e9]) { $1 }])
        #expect(try LatencyReport(json: edited).fits == report.fits)
    }

    // MARK: outputs

    @Test func htmlHasTheFitTableUnderTheCharts() throws {
        let html = ReportHTML.render(LatencyReport(testbed: ReportTests.testbed, cells: Self.lineCells()))
        let registration = try #require(html.range(of: "<section id=\"registration\">"))
        let faults = try #require(html.range(of: "<section id=\"faults\">"))
        let heading = try #require(html.range(of: "<h3>Fixed cost and cost per GiB</h3>"))
        #expect(registration.upperBound < heading.lowerBound && heading.upperBound < faults.lowerBound)
        let lastChart = try #require(html.range(of: "</svg>", options: .backwards, range: registration.upperBound..<faults.lowerBound))
        #expect(lastChart.upperBound < heading.lowerBound)
        let table = String(html[heading.upperBound..<faults.lowerBound])
        #expect(FitTable.columns.allSatisfy { table.contains(">\($0.htmlEscaped)</th>") })
        // Every line's row: pinned with its 200 ms per GiB, ODP flat.
        #expect(table.components(separatedBy: "<tr><td>").count - 1 == 8)
        #expect(table.components(separatedBy: "<td>pages=absent;thp=off</td>").count - 1 == 4)
        #expect(table.components(separatedBy: "<td class=\"num\">200.00</td>").count - 1 == 4)
        #expect(table.components(separatedBy: "<td class=\"num\">0.00</td>").count - 1 == 4)

        let empty = ReportHTML.render(LatencyReport(testbed: ReportTests.testbed))
        #expect(!empty.contains("Fixed cost and cost per GiB"))
        let tooFew = ReportHTML.render(LatencyReport(testbed: ReportTests.testbed, cells: Self.lineCells().filter { $0.bytes <= 8192 }))
        #expect(tooFew.contains("no fit: a line needs at least three sizes"))
    }

    @Test func textTableFollowsTheFits() throws {
        let report = LatencyReport(testbed: ReportTests.testbed, cells: Self.lineCells())
        let lines = try #require(FitTable.render(report)).split(separator: "\n").map(String.init)
        #expect(lines[0] == FitTable.heading)
        #expect(lines[1].hasPrefix("probe") && lines[1].hasSuffix("R²"))
        #expect(lines.count == 2 + report.fits.count)
        #expect(lines[2].split(separator: " ", omittingEmptySubsequences: true) == [
            "registration", "pinned", "pages=absent;thp=off", "30.00", "200.00", "13", "4", "KiB–16", "MiB", "1.000",
        ])
        // Right-aligned numbers: every row's per-GiB figure ends where its title does.
        let end = try #require(lines[1].range(of: "per GiB ms")).upperBound.utf16Offset(in: lines[1])
        for (line, fit) in zip(lines[2...], report.fits) {
            #expect(String(line.prefix(end)).hasSuffix(ReportFormat.milliseconds(fit.microsecondsPerGiB)), "\(line)")
        }
    }

    @Test func renderCommandFitsAnOldReport() throws {
        try withTemporaryDirectory("odpkit-fit") { directory in
            let input = directory.appendingPathComponent("report.json")
            try Self.json(LatencyReport(testbed: ReportTests.testbed, cells: Self.lineCells()), fits: nil).write(to: input, atomically: true, encoding: .utf8)
            let result = try runProduct("odpkit", ["render", input.path])
            #expect(result.status == 0, "\(result.stderr)")
            let html = try String(contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
            // The fit table's four lines, and the headline's pinned registration (pages absent, THP off).
            #expect(html.components(separatedBy: "<td class=\"num\">200.00</td>").count - 1 == 5)
        }
    }

    // MARK: fixtures

    /// `report`'s JSON with its `fits` replaced by `fits` (left out when nil), as an older or edited report.json.
    static func json(_ report: LatencyReport, fits: Any?) throws -> String {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        object["fits"] = fits
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    /// One cell of one sample of `microseconds` (no samples when nil).
    static func cell(_ probe: Probe, _ mode: String, bytes: Int, microseconds: Double?, conditions: [String: String] = [:]) -> ReportCell {
        let summary = microseconds.map { LatencySummary(nanoseconds: [UInt64(($0 * 1000).rounded())]) } ?? .empty
        return ReportCell(probe: probe, mode: mode, operation: probe == .registration ? "register" : "deregister",
                          bytes: bytes, pages: bytes / 4096, conditions: conditions, summary: summary)
    }

    /// Registration and deregistration from 4 KiB to 16 MiB, noise-free: pinned 30 µs + 200 ms per GiB,
    /// ODP a flat 30 µs; pages present and absent, THP off; odp listed first.
    static func lineCells() -> [ReportCell] {
        var cells: [ReportCell] = []
        for probe in [Probe.registration, .deregistration] {
            for mode in ["odp", "pinned"] {
                for pages in ["present", "absent"] {
                    for bytes in (12...24).map({ 1 << $0 }) {
                        let time = 30 + (mode == "pinned" ? 200_000 * Double(bytes) / Double(1 << 30) : 0)
                        cells.append(cell(probe, mode, bytes: bytes, microseconds: time, conditions: ["pages": pages, "thp": "off"]))
                    }
                }
            }
        }
        return cells
    }
}

/// A seeded generator (SplitMix64), so the noisy series are the same in every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
