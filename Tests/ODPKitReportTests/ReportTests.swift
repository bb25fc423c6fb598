import Foundation
import Histogram
import Testing
import TestSupport
import Verbs
@testable import ODPKit
@testable import ODPKitBench
@testable import ODPKitReport

/// The report's data model and its outputs: statistics, CSV, JSON, the text table and the HTML page (host).
@Suite("latency report: statistics, CSV, JSON, table and HTML (host)")
struct ReportTests {
    // MARK: statistics

    @Test func rawSamplesGiveExactFigures() {
        // 1, 2, 3, 4 µs, shuffled: median of an even count is the mean of the middle two (perftest's get_median).
        let summary = LatencySummary(nanoseconds: [3000, 1000, 4000, 2000])
        #expect(summary.samples == 4)
        #expect(summary.minimum == 1 && summary.maximum == 4)
        #expect(summary.typical == 2.5)
        #expect(summary.average == 2.5)
        #expect(abs(summary.standardDeviation - 1.25.squareRoot()) < 1e-12)  // population: (2.25 + 0.25 + 0.25 + 2.25) / 4
        #expect(summary.p99 == 4 && summary.p999 == 4)
        #expect(summary.cdf.count == CDFPoint.percentiles.count)
        #expect(summary.cdf.first == CDFPoint(percentile: 0, microseconds: 1))
        #expect(summary.cdf.last == CDFPoint(percentile: 100, microseconds: 4))
        #expect(summary.cdf.first { $0.percentile == 50 }?.microseconds == 2)  // nearest rank: the 2nd of 4

        #expect(LatencySummary(nanoseconds: [5000, 1000, 3000]).typical == 3)
    }

    @Test func nearestRankPercentilesOfAThousand() {
        let summary = LatencySummary(nanoseconds: (1...1000).map { UInt64($0) * 1000 })
        #expect(summary.p99 == 990)
        #expect(summary.p999 == 999)
        #expect(summary.typical == 500.5)
        #expect(summary.cdf.first { $0.percentile == 99.99 }?.microseconds == 1000)
    }

    @Test func histogramGivesItsFigures() {
        // Below 2048 a three-digit histogram is exact.
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        for value: UInt64 in [400, 100, 300, 200] { histogram.record(value) }
        let summary = LatencySummary(histogram: histogram)
        #expect(summary.samples == 4)
        #expect(summary.minimum == 0.1 && summary.maximum == 0.4)
        #expect(summary.typical == 0.2)  // valueAtPercentile(50): the 2nd of 4
        #expect(abs(summary.average - 0.25) < 1e-12)
        #expect(abs(summary.standardDeviation - 0.1 * 1.25.squareRoot()) < 1e-12)
        #expect(summary.p99 == 0.4 && summary.p999 == 0.4)
        #expect(summary.cdf.count == CDFPoint.percentiles.count)
        #expect(summary.cdf.map(\.microseconds) == summary.cdf.map(\.microseconds).sorted())
    }

    @Test func histogramSummaryReadsAsTheHistogramDoes() {
        // Values over five decades, most rounded by the histogram's three digits: one sweep must give
        // what valueAtPercentile, mean and stdDeviation give, figure by figure.
        var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<5000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let decade = (state >> 60) % 5
            histogram.record(10_000 * [1, 10, 100, 1000, 10_000][Int(decade)] + (state >> 20) % 1_000_000)
        }
        let summary = LatencySummary(histogram: histogram)
        for point in summary.cdf where point.percentile > 0 && point.percentile < 100 {
            #expect(point.microseconds == Double(histogram.valueAtPercentile(point.percentile)) / 1000, "at \(point.percentile) %")
        }
        #expect(summary.typical == Double(histogram.valueAtPercentile(50)) / 1000)
        #expect(summary.p99 == Double(histogram.valueAtPercentile(99)) / 1000)
        #expect(summary.p999 == Double(histogram.valueAtPercentile(99.9)) / 1000)
        #expect(abs(summary.average - histogram.mean / 1000) < 1e-6 * summary.average)
        #expect(abs(summary.standardDeviation - histogram.stdDeviation / 1000) < 1e-6 * summary.standardDeviation)
        #expect(summary.samples == 5000)
    }

    @Test func noSamplesGiveZeros() {
        let fromHistogram = LatencySummary(histogram: Histogram<UInt64>(highestTrackableValue: 1_000_000, numberOfSignificantValueDigits: .three))
        #expect(fromHistogram == .empty)
        #expect(LatencySummary(nanoseconds: []) == .empty)
        #expect(LatencySummary.empty.samples == 0 && LatencySummary.empty.cdf.isEmpty)
    }

    @Test func percentilesAscendAndShowTheTail() {
        let percentiles = CDFPoint.percentiles
        #expect(percentiles.first == 0 && percentiles.last == 100)
        #expect(zip(percentiles, percentiles.dropFirst()).allSatisfy { $0 < $1 })
        #expect((50...100).contains(percentiles.count))
        #expect([99, 99.9, 99.99].allSatisfy(percentiles.contains))
    }

    // MARK: CSV

    @Test func csvFieldsAreQuotedOnlyWhenNeeded() {
        #expect(SamplesCSV.field("RDMA READ") == "RDMA READ")
        #expect(SamplesCSV.field("a,b") == "\"a,b\"")
        #expect(SamplesCSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(SamplesCSV.field("two\nlines") == "\"two\nlines\"")
        #expect(SamplesCSV.field("") == "")
    }

    @Test func csvRowSortsConditions() {
        let cell = ReportCell(
            probe: .invalidation, mode: "odp", operation: "madvise(MADV_DONTNEED)", bytes: 4096, pages: 1,
            conditions: ["thp": "off", "pages": "absent"], summary: .empty
        )
        #expect(SamplesCSV.row(cell.key, sample: 7, nanoseconds: 1234) == "invalidation,odp,madvise(MADV_DONTNEED),4096,1,pages=absent;thp=off,7,1234")
        #expect(SamplesCSV.header.split(separator: ",").count == 8)
    }

    @Test func csvWriterAppendsAfterOneHeaderAllOrNothing() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("odpkit-samples-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let cell = ReportCell(probe: .fault, mode: "mirror", operation: "RDMA READ", bytes: 65536, pages: 16, summary: .empty)
        let first = try SamplesCSVWriter(path: path, appending: true)
        try first.append(cell.key, nanoseconds: [10, 20])
        #expect(!FileManager.default.fileExists(atPath: path), "the file is named only once complete")
        try first.commit()
        first.discard()
        #expect(throws: ODPKitError.self) { try first.append(cell.key, nanoseconds: [1]) }
        #expect(throws: ODPKitError.self) { try first.commit() }
        let dropped = try SamplesCSVWriter(path: path, appending: true)
        try dropped.append(cell.key, nanoseconds: [99], firstSample: 2)
        dropped.discard()
        let second = try SamplesCSVWriter(path: path, appending: true)
        try second.append(cell.key, nanoseconds: [30], firstSample: 2)
        try second.commit()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines == [
            "probe,mode,operation,bytes,pages,conditions,sample,nanoseconds",
            "fault,mirror,RDMA READ,65536,16,,0,10", "fault,mirror,RDMA READ,65536,16,,1,20", "fault,mirror,RDMA READ,65536,16,,2,30",
        ])
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
        let replaced = try SamplesCSVWriter(path: path)
        try replaced.commit()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == SamplesCSV.header + "\n")
    }

    @Test func csvWriterNamesTheFailedCall() {
        let error = #expect(throws: ODPKitError.self) { try SamplesCSVWriter(path: "/nonexistent-directory/samples.csv") }
        #expect(error?.function == "open")
        #expect(error?.errno == .noSuchFileOrDirectory)
    }

    @Test func aPartialReportSaysSoInItsJSONAndPage() throws {
        let report = LatencyReport(testbed: Self.testbed, partial: true)
        let json = try report.json()
        #expect(json.contains("\"partial\" : true"))
        #expect(try LatencyReport(json: json).partial)
        #expect(ReportHTML.render(report).contains("Partial report: the run was interrupted"))
        let whole = try LatencyReport(testbed: Self.testbed).json()
        #expect(!whole.contains("partial") && !ReportHTML.render(LatencyReport(testbed: Self.testbed)).contains("Partial report"))
        #expect(try !LatencyReport(json: whole).partial, "a report without the field, as every report before it, reads as complete")
    }

    // MARK: JSON

    @Test func reportSurvivesAJSONRoundTrip() throws {
        let report = Self.sampleReport()
        let json = try report.json()
        #expect(try LatencyReport(json: json) == report)
        #expect(json.contains("\"schema\" : \"odpkit.report/1\""))
        // Sorted keys: cells before durationSeconds before notes.
        let cells = try #require(json.range(of: "\"cells\"")), duration = try #require(json.range(of: "\"durationSeconds\""))
        #expect(cells.lowerBound < duration.lowerBound)
    }

    @Test func startIsISO8601InUTC() {
        #expect(LatencyReport.timestamp().wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil)
    }

    @Test func anotherSchemaIsRefused() throws {
        var report = Self.sampleReport()
        report.schema = "odpkit.report/2"
        let error = #expect(throws: ODPKitError.self) { try LatencyReport(json: try report.json()) }
        #expect(error?.code == .invalidArgument)
        #expect(throws: ODPKitError.self) { try LatencyReport(json: "{}") }
    }

    @Test func perftestLinesAreDecoded() throws {
        let output = """
            ---------------------------------------------------------------------------------------
             #bytes #iterations    t_min[usec]    t_max[usec]  t_typical[usec]
            {"tool":"other","test":"x"}
            {"tool":"perftest","version":"6.22","test":"ib_read_lat","bytes":8,"iterations":1000,"t_min":2.5,"t_max":9.75,"t_typical":3.1,"t_avg":3.25,"t_stdev":0.5,"p99":5.5,"p999":9.0}
            """
        let results = try PerftestResult.parse(lines: output)
        #expect(results == [PerftestResult(
            test: "ib_read_lat", bytes: 8, iterations: 1000, tMin: 2.5, tMax: 9.75, tTypical: 3.1, tAverage: 3.25,
            tStdev: 0.5, p99: 5.5, p999: 9.0, version: "6.22"
        )])
        let broken = #"{"tool":"perftest","test":"ib_read_lat"}"#
        #expect(throws: ODPKitError.self) { try PerftestResult.parse(lines: broken) }
    }

    // MARK: text table

    @Test func summaryTableIsHeadedAndAligned() {
        let report = Self.sampleReport()
        let lines = SummaryTable.render(report).split(separator: "\n").map(String.init)
        #expect(lines[0] == "testbed: \(report.testbed.summary)")
        #expect(lines[2].hasPrefix("probe"))
        #expect(lines.count == 3 + report.cells.count)
        // Right-aligned numbers: every row's t_typical ends in the same column as its title.
        let end = lines[2].range(of: "t_typical")!.upperBound.utf16Offset(in: lines[2])
        for row in lines[3...] {
            let cell = report.cells[lines.firstIndex(of: row)! - 3]
            let typical = cell.summary.samples == 0 ? "-" : ReportFormat.microseconds(cell.summary.typical)
            let prefix = String(row.prefix(end))
            #expect(prefix.hasSuffix(typical), "\(row)")
        }
        let failed = ReportCell(probe: .fault, mode: "odp", operation: "RDMA READ", bytes: 4096, pages: 1, summary: .empty, failures: 3)
        #expect(SummaryTable.row(failed)[9] == "-" && SummaryTable.row(failed).last == "3")
        #expect(SummaryTable.row(failed).count == SummaryTable.columns.count)
    }

    @Test func testbedLabelOfTheHost() {
        let label = TestbedLabel.current(device: "no-such-device")
        #expect(label.driver == "unknown")
        #expect(["disabled", "enabled", "unneeded"].contains(label.forkMode))
        #expect(!label.thp.isEmpty && !label.thp.contains("["))
        #expect(label.summary.contains("no-such-device (unknown)") && label.summary.contains("kernel \(label.kernel)"))
    }

    // MARK: HTML

    @Test func oneSVGPerChart() {
        var report = Self.sampleReport()
        // A warm sweep cell of one page is no fault chart's baseline.
        report.cells.append(ReportCell(probe: .warm, mode: "pinned", operation: "RDMA READ", bytes: 8, pages: 1,
                                       conditions: ["pages": "present", "sweep": "message size"],
                                       summary: LatencySummary(nanoseconds: [30000, 31000])))
        let html = ReportHTML.render(report)
        #expect(!html.contains("sweep=message size warm"))
        // Registration (one chart), faults at 1 and 16 pages (two), madvise of 4 KiB (one), the window (one);
        // no deregistration nor coherence: those say so.
        #expect(html.components(separatedBy: "<svg").count - 1 == 5)
        #expect(html.components(separatedBy: "not measured in this run").count - 1 == 2)
        #expect(html.hasPrefix("<!doctype html>") && html.hasSuffix("</html>\n"))
        // Self-contained: nothing to run, nothing to fetch.
        #expect(["<script", "<link", "src=", "href=", "url(", "@import"].allSatisfy { !html.contains($0) })
    }

    @Test func emptyReportSaysSoInEverySection() {
        let html = ReportHTML.render(LatencyReport(testbed: Self.testbed))
        #expect(!html.contains("<svg"))
        // The headline, coherence, registration, deregistration, faults, invalidations, the table, perftest.
        #expect(html.components(separatedBy: "not measured in this run").count - 1 == 8)
    }

    @Test func textIsEscaped() {
        var report = Self.sampleReport()
        report.notes = ["<script>alert(1)</script> & \"quoted\""]
        report.settings = ["<b>": "<i>"]
        let html = ReportHTML.render(report)
        #expect(!html.contains("<script>") && !html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;"))
    }

    @Test func degenerateCellsDrawFiniteCoordinates() {
        let one = LatencySummary(nanoseconds: [1500])
        let equal = LatencySummary(nanoseconds: Array(repeating: 2000, count: 50))
        let zero = LatencySummary(nanoseconds: [0, 0])
        #expect(one.standardDeviation == 0 && one.cdf.allSatisfy { $0.microseconds == 1.5 })
        let cells = [
            ReportCell(probe: .registration, mode: "pinned", operation: "register", bytes: 4096, pages: 1, summary: one),
            ReportCell(probe: .registration, mode: "odp", operation: "register", bytes: 4096, pages: 1, summary: equal),
            ReportCell(probe: .registration, mode: "mirror", operation: "register", bytes: 4096, pages: 1, summary: .empty, failures: 4),
            ReportCell(probe: .deregistration, mode: "pinned", operation: "deregister", bytes: 0, pages: 0, summary: zero),
            ReportCell(probe: .fault, mode: "odp", operation: "RDMA READ", bytes: 4096, pages: 1, summary: one),
            ReportCell(probe: .fault, mode: "mirror", operation: "RDMA READ", bytes: 4096, pages: 1, summary: .empty, failures: 1),
            ReportCell(probe: .warm, mode: "odp", operation: "RDMA READ", bytes: 4096, pages: 1, summary: equal),
            ReportCell(probe: .invalidation, mode: "odp", operation: "munmap", bytes: 4096, pages: 1, summary: zero),
        ]
        let html = ReportHTML.render(LatencyReport(testbed: Self.testbed, cells: cells))
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)
        let coordinates = html.matches(of: /\s(?:x|y|x1|x2|y1|y2|cx|cy|r|d|width|height|transform|viewBox)="([^"]*)"/)
        #expect(coordinates.count > 100)
        for match in coordinates {
            let value = match.output.1.lowercased()
            #expect(!value.contains("nan") && !value.contains("inf"), "\(match.output.0)")
        }
    }

    // MARK: axes

    @Test func decimalAxisTicks() {
        let axis = LogAxis(.decimal, covering: [3, 700, 0, -1, .nan, .infinity])
        #expect(axis.lowerBound == 1 && axis.upperBound == 1000)
        let ticks = axis.ticks
        #expect(ticks.first?.value == 1 && ticks.last?.value == 1000)
        #expect(zip(ticks, ticks.dropFirst()).allSatisfy { $0.value < $1.value })
        #expect(ticks.compactMap(\.label) == ["1 µs", "10 µs", "100 µs", "1 ms"])
        #expect(ticks.count == 3 * 9 + 1)
        #expect(axis.fraction(1) == 0 && axis.fraction(1000) == 1 && abs(axis.fraction(10) - 1.0 / 3) < 1e-12)
        #expect(axis.fraction(0) == 0 && axis.fraction(1e9) == 1 && axis.fraction(.nan) == 0)

        // Two decades or fewer: the 2× and 5× ticks are labelled too; whole decades are not widened.
        #expect(LogAxis(.decimal, covering: [10, 1000]).ticks.compactMap(\.label) == ["10 µs", "20 µs", "50 µs", "100 µs", "200 µs", "500 µs", "1 ms"])
        #expect(LogAxis(.decimal, covering: [0.3, 0.7]).ticks.compactMap(\.label) == ["0.1 µs", "0.2 µs", "0.5 µs", "1 µs"])
        // One value, equal values, none: one decade.
        for values: [Double] in [[5], [5, 5], [], [0]] {
            let axis = LogAxis(.decimal, covering: values)
            #expect(axis.upperExponent == axis.lowerExponent + 1)
            #expect(axis.fraction(5).isFinite)
        }
    }

    @Test func binaryAxisTicks() {
        let axis = LogAxis(.binary, covering: [4096, Double(1 << 30)])
        #expect(axis.lowerBound == 4096 && axis.upperBound == Double(1 << 30))
        let labels = axis.ticks.compactMap(\.label)
        #expect(labels.count <= 12)
        #expect(labels.first == "4 KiB" && labels.last == "1 GiB" && labels.contains("1 MiB"))
        #expect(axis.ticks.count == 19)
        #expect(LogAxis(.binary, covering: [4096, 65536]).ticks.compactMap(\.label) == ["4 KiB", "8 KiB", "16 KiB", "32 KiB", "64 KiB"])
    }

    @Test func percentileAxisGivesTheTailRoom() {
        let axis = PercentileAxis(samples: 1000)
        #expect(axis.nines == 3)
        #expect(axis.fraction(0) == 0 && axis.fraction(100) == 1)
        #expect(axis.fraction(90) == 2.0 / 5 && abs(axis.fraction(99) - 3.0 / 5) < 1e-12 && abs(axis.fraction(99.9) - 4.0 / 5) < 1e-12)
        #expect(axis.fraction(99.9999) == 1)
        let steps = CDFPoint.percentiles.map(axis.fraction)
        #expect(zip(steps, steps.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(axis.ticks.compactMap(\.label) == ["0", "50", "90", "99", "99.9", "max"])
        #expect([0, 10, 99, 100, 300, 999, 10_000_000].map { PercentileAxis(samples: $0).nines } == [1, 1, 1, 2, 2, 2, 5])
    }

    @Test func sizesAndTimesInWords() {
        #expect(ReportFormat.bytes(4096) == "4 KiB" && ReportFormat.bytes(1 << 30) == "1 GiB")
        #expect(ReportFormat.bytes(1536 * 1024) == "1.5 MiB" && ReportFormat.bytes(512) == "512 B")
        #expect(ReportFormat.microseconds(3.14159) == "3.14" && ReportFormat.microseconds(.nan) == "-")
        #expect(ReportFormat.decimalTick(mantissa: 5, exponent: -1) == "0.5 µs")
        #expect(ReportFormat.decimalTick(mantissa: 2, exponent: 4) == "20 ms")
        #expect(ReportFormat.decimalTick(mantissa: 1, exponent: 6) == "1 s")
    }

    // MARK: the command

    @Test func renderCommandWritesThePage() throws {
        try withTemporaryDirectory("odpkit-render") { directory in
            let input = directory.appendingPathComponent("report.json")
            try Data(try Self.sampleReport().json().utf8).write(to: input)
            let result = try runProduct("odpkit", ["render", input.path, "--out", directory.appendingPathComponent("out").path])
            #expect(result.status == 0, "\(result.stderr)")
            let html = try String(contentsOf: directory.appendingPathComponent("out/report.html"), encoding: .utf8)
            #expect(html.components(separatedBy: "<svg").count - 1 == 5)

            let missing = try runProduct("odpkit", ["render", directory.appendingPathComponent("none.json").path])
            #expect(missing.status == 1 && missing.stderr.contains("none.json"))
        }
    }

    @Test func perftestIsComparedWithTheSameMeasure() {
        func warm(_ mode: RegistrationMode, _ operation: CellOperation, bytes: Int = 8, microseconds: UInt64, conditions: CellConditions) -> ReportCell {
            ReportCell(key: CellKey(probe: .warm, mode: mode, operation: operation, bytes: bytes, pages: 1, conditions: conditions),
                       summary: LatencySummary(nanoseconds: [microseconds * 1000]))
        }
        let sweep = PerftestPairing.sweepConditions
        func perftest(_ test: String, bytes: Int = 8, typical: Double, round: Int? = nil) -> PerftestResult {
            PerftestResult(test: test, bytes: bytes, iterations: 1000, tMin: 1, tMax: 100, tTypical: typical, tAverage: typical,
                           tStdev: 1, p99: 90, p999: 99, version: "25.01", round: round)
        }
        // Runs without a round are set beside the sweep's cells.
        let single = LatencyReport(
            testbed: Self.testbed,
            // The fault probe's warm baseline (no sweep) is not the sweep's measure and is passed over.
            cells: [warm(.pinned, .read, microseconds: 99, conditions: CellConditions(pages: .present)), warm(.odp, .read, microseconds: 60, conditions: sweep),
                    warm(.pinned, .read, microseconds: 55, conditions: sweep), warm(.pinned, .write, microseconds: 90, conditions: sweep),
                    warm(.pinned, .writePingPong, microseconds: 70, conditions: sweep)],
            perftest: [perftest("ib_read_lat", typical: 52), perftest("ib_write_lat", typical: 50), perftest("ib_send_lat", typical: 40)]
        )
        let comparisons = PerftestComparison.all(single)
        #expect(comparisons.map(\.operation) == [.read, .writePingPong, nil])
        // READ: pinned first, 55 / 52 is within 10 %; the full-round-trip WRITE is not the write ping-pong's measure.
        #expect(comparisons[0].sweep.map(\.mode) == [.registration(.pinned), .registration(.odp)])
        #expect(abs((comparisons[0].ratio ?? 0) - 55.0 / 52) < 1e-12 && comparisons[0].verdict == "yes (1 round, no interval)")
        #expect(comparisons[1].odpkitTypical == 70 && comparisons[1].verdict == "NO (1 round, no interval)")
        #expect(comparisons[2].sweep.isEmpty && comparisons[2].ratio == nil && comparisons[2].verdict == "no like measure")

        // Rounds: each run beside odpkit's pinned cell of its round, judged by the two samples' ratio.
        var cells: [ReportCell] = [warm(.pinned, .read, microseconds: 500, conditions: sweep)]
        var results: [PerftestResult] = []
        let odpkitReads: [UInt64] = [45, 48, 50, 52, 54], odpkitWrites: [UInt64] = [40, 60, 50, 70, 45], odpkitLarge: [UInt64] = [60, 58, 62, 70, 61]
        for round in 1...5 {
            let conditions = PerftestPairing.conditions(round: round)
            cells += [warm(.pinned, .read, microseconds: odpkitReads[round - 1], conditions: conditions),
                      warm(.pinned, .writePingPong, microseconds: odpkitWrites[round - 1], conditions: conditions),
                      warm(.pinned, .read, bytes: 65536, microseconds: odpkitLarge[round - 1], conditions: conditions)]
            results += [perftest("ib_read_lat", typical: 50, round: round), perftest("ib_write_lat", typical: 50, round: round),
                        perftest("ib_read_lat", bytes: 65536, typical: 50, round: round)]
        }
        let rounds = LatencyReport(testbed: Self.testbed, cells: cells, perftest: results)
        let judged = PerftestComparison.all(rounds)
        #expect(judged.map { "\($0.test) \($0.bytes)" } == ["ib_read_lat 8", "ib_write_lat 8", "ib_read_lat 65536"])
        #expect(judged[0].rounds.count == 5 && judged[0].ratios == [0.9, 0.96, 1.0, 1.04, 1.08])
        #expect(judged[0].perftestTypical == 50 && judged[0].odpkitTypical == 50 && judged[0].ratio == 1.0)
        // 5 rounds a side: the 5th and 21st of the 25 ratios (each round's, 5 times over).
        #expect(judged[0].interval?.lower == 0.9 && judged[0].interval?.upper == 1.08 && judged[0].interval?.coverage == 1 - 2 * 12.0 / 252)
        #expect(judged[0].verdict == "yes" && judged[0].sweepTypical(.registration(.pinned)) == 500)
        // 0.8 … 1.4: the interval straddles 1.1, the noise is larger than the difference.
        #expect(judged[1].verdict == "undecided" && judged[1].intervalText == "0.800–1.400")
        #expect(judged[2].verdict == "NO" && judged[2].perRoundText == "1.20 1.16 1.24 1.40 1.22")

        let text = PerftestComparison.render(single) ?? ""
        let lines = text.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[2].hasPrefix("ib_read_lat") && lines[2].contains("1.058  -              yes (1 round, no interval)"))
        #expect(lines[4].contains("no like measure"))
        #expect(PerftestComparison.render(LatencyReport(testbed: Self.testbed)) == nil)
    }

    @Test func perftestRoundsTakeEveryMeasureAtEachSizeThatHasTheRoundInTurns() {
        let pairs = PerftestRounds.pairs(rounds: [3, 2], sizes: [8, 65536])
        #expect(pairs.map { "\($0.round) \($0.test) \($0.bytes)" } == [
            "1 read 8", "1 read 65536", "1 write 8", "1 write 65536",
            "2 read 8", "2 read 65536", "2 write 8", "2 write 65536",
            "3 read 8", "3 write 8",
        ])
        #expect(pairs.map(\.operation) == [.read, .read, .writePingPong, .writePingPong, .read, .read, .writePingPong, .writePingPong, .read, .writePingPong])
        // perftest first in odd rounds, odpkit in even ones.
        #expect(pairs.map(\.odpkitFirst) == [false, false, false, false, true, true, true, true, false, false])
        #expect(PerftestPairing.conditions(round: 2).first == .odpkit && PerftestPairing.conditions(round: 3).first == .perftest)
        // One count serves every size.
        #expect(PerftestRounds.pairs(rounds: [2], sizes: [8, 65536]).count == 8)
    }

    @Test func theHodgesLehmannRatioReadsTwoSamplesWithoutPairingThem() throws {
        // The Mann–Whitney null counts: the 20 orderings of 3 and 3 values, the 252 of 5 and 5.
        #expect(MosesRank.mannWhitneyCounts(3, 3) == [1, 1, 2, 3, 3, 3, 3, 2, 1, 1])
        #expect(MosesRank.mannWhitneyCounts(5, 5).reduce(0, +) == 252)
        #expect(MosesRank.mannWhitneyCounts(16, 8).reduce(0, +) == 735_471)
        // 3 a side: the median of the 9 ratios, [min, max] at 1 − 2/20.
        let three = try #require(HodgesLehmannRatio([2, 3, 4], over: [1, 2, 4]))
        #expect(three.estimate == 1.5 && three.interval == .init(lower: 0.5, upper: 4, coverage: 0.9))
        // 2 a side: an estimate (the geometric mean of the middle two of 4), no interval.
        let two = try #require(HodgesLehmannRatio([1, 4], over: [1, 1]))
        #expect(two.estimate == 2 && two.interval == nil)
        #expect(HodgesLehmannRatio([], over: [1]) == nil && HodgesLehmannRatio([1], over: [0]) == nil)
        // Both tools meet the 18 µs level twice in 8 runs, in different rounds: paired, two rounds read 1.44
        // and the median's interval (2nd to 7th) straddles 1.1; as two samples they are alike.
        let perftest: [Double] = [18, 26, 18, 26, 26, 26, 26, 26], odpkit: [Double] = [26, 26, 26, 18, 26, 26, 26, 18]
        let alike = try #require(HodgesLehmannRatio(odpkit, over: perftest))
        #expect(alike.estimate == 1 && alike.interval?.lower == 1 && alike.interval?.upper == 1)
        let paired = zip(odpkit, perftest).map { $0 / $1 }.sorted()
        #expect(paired[1] < 0.7 && paired[6] > 1.4)
        // odpkit a third slower in every run is beyond 10 % whatever the levels; a lower confidence narrows it.
        let slower = try #require(HodgesLehmannRatio(perftest.map { $0 * 4 / 3 }, over: perftest.reversed()))
        #expect(abs(slower.estimate - 4.0 / 3) < 1e-12 && (slower.interval?.lower ?? 0) > 1.1)
        // 9 and 2: the 2nd smallest of 18 ratios (1 − 2·2/55); at 80 % the 3rd.
        let values = (1...9).map(Double.init)
        #expect(HodgesLehmannRatio(values, over: [5, 5])?.interval?.lower == 0.2)
        #expect(HodgesLehmannRatio(values, over: [5, 5], confidence: 0.8)?.interval?.lower == 0.4)
    }

    @Test func clocksourceIsLabelledAndAChangeIsNoted() throws {
        var label = Self.testbed
        #expect(!label.summary.contains("clocksource"))
        label.clocksource = "tsc"
        #expect(label.summary.hasSuffix(", clocksource tsc"))
        // A report written before the label had a clocksource still decodes, with none.
        let old = try LatencyReport(json: LatencyReport(testbed: Self.testbed).json())
        #expect(old.testbed.clocksource == nil)
        #expect(LatencySuite.clocksourceNotes(atStart: "tsc", atEnd: "tsc").isEmpty)
        #expect(LatencySuite.clocksourceNotes(atStart: "arch_sys_counter", atEnd: "arch_sys_counter").isEmpty)
        let changed = LatencySuite.clocksourceNotes(atStart: "tsc", atEnd: "hpet")
        #expect(changed.count == 1 && changed[0].contains("from tsc to hpet"))
        let slow = LatencySuite.clocksourceNotes(atStart: "hpet", atEnd: "hpet")
        #expect(slow.count == 1 && slow[0].contains("system call"))
    }

    // MARK: fixtures

    static let testbed = TestbedLabel(
        kernel: "6.12.0", device: "rxe0", driver: "rdma_rxe", rdmaCore: "56.0", cpu: "QEMU Virtual CPU",
        emulated: true, thp: "madvise", memlock: "8192 KiB", forkMode: "disabled", testbed: "rxe-tcg"
    )

    /// Registration of three sizes in two modes, faults at 1 and 16 pages with a warm baseline, one
    /// invalidation, one window, a perftest line and a note.
    static func sampleReport() -> LatencyReport {
        var cells: [ReportCell] = []
        for (mode, perPage) in [("pinned", 200.0), ("odp", 1.0)] {
            for pages in [1, 16, 256] {
                let samples = (1...20).map { UInt64((5000 + perPage * Double(pages)) * (1 + Double($0) / 100)) }
                cells.append(ReportCell(probe: .registration, mode: mode, operation: "register", bytes: pages * 4096, pages: pages,
                                        conditions: ["thp": "off"], summary: LatencySummary(nanoseconds: samples)))
            }
        }
        for pages in [1, 16] {
            for (mode, base) in [("odp", 800_000), ("mirror", 3_000_000)] {
                let samples = (1...100).map { UInt64(base + $0 * 1000 * pages) }
                cells.append(ReportCell(probe: .fault, mode: mode, operation: "RDMA READ", bytes: pages * 4096, pages: pages,
                                        conditions: ["pages": "absent"], summary: LatencySummary(nanoseconds: samples), failures: mode == "mirror" ? 1 : 0))
            }
            cells.append(ReportCell(probe: .warm, mode: "odp", operation: "RDMA READ", bytes: pages * 4096, pages: pages,
                                    conditions: ["pages": "present"], summary: LatencySummary(nanoseconds: (1...100).map { UInt64(100_000 + $0 * 100) })))
        }
        cells.append(ReportCell(probe: .invalidation, mode: "odp", operation: "madvise(MADV_DONTNEED)", bytes: 4096, pages: 1,
                                summary: LatencySummary(nanoseconds: [12000, 13000, 15000])))
        cells.append(ReportCell(probe: .window, mode: "mirror", operation: "window", bytes: 4096, pages: 1,
                                summary: LatencySummary(nanoseconds: [40000, 50000])))
        return LatencyReport(
            testbed: testbed, startedAt: "2026-02-03T09:14:07Z", durationSeconds: 12.5, settings: ["samples": "100"], cells: cells,
            perftest: [PerftestResult(test: "ib_read_lat", bytes: 4096, iterations: 1000, tMin: 90, tMax: 400, tTypical: 104.1,
                                      tAverage: 107.2, tStdev: 8.3, p99: 145.7, p999: 301.9, version: "6.22")],
            notes: ["synthetic"]
        )
    }
}
