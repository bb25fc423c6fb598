import Foundation
import Testing
@testable import ODPKit
@testable import ODPKitReport

/// The coherence matrix in a report: its JSON, its text table, and the page's headline and matrix (host).
@Suite("coherence in the report: JSON, table, headline and matrix (host)")
struct CoherenceReportTests {
    /// A verdict of every kind.
    static let everyVerdict: [CoherenceVerdict] = [
        .coherent, .stale(stalePages: 1, pages: 4), .throughProtection, .nicError(status: "remote access error"),
        .refused(function: "mremap", reason: "EBUSY"), .timedOut(seconds: 10), .timedOut(seconds: 2.5), .notApplicable(reason: "memfd: ENOSYS"),
    ]

    /// Two scenarios, both accesses, three modes: pinned stale after dontneed-all, odp through the
    /// protection on one WRITE, a refusal and a mixed cell.
    static let cells: [CoherenceCell] = {
        var cells: [CoherenceCell] = []
        for scenario in ["dontneed-all", "mremap-onto"] {
            for access in NICAccess.allCases {
                for mode in RegistrationMode.allCases {
                    var verdicts: [CoherenceVerdict] = [.coherent]
                    switch (scenario, access, mode) {
                    case ("dontneed-all", _, .pinned): verdicts = [.stale(stalePages: 4, pages: 4)]
                    case ("mremap-onto", .write, .odp): verdicts = [.throughProtection]
                    case ("mremap-onto", .read, .mirror): verdicts = [.refused(function: "mremap", reason: "EBUSY")]
                    case ("mremap-onto", .write, .mirror): verdicts = [.coherent, .stale(stalePages: 1, pages: 4)]
                    default: break
                    }
                    cells.append(CoherenceCell(scenario: scenario, access: access, mode: mode, verdicts: verdicts,
                                               detail: "\(scenario) \(access) \(mode): <bytes> & more"))
                }
            }
        }
        return cells
    }()

    @Test func everyVerdictRoundTripsThroughItsDescription() throws {
        for verdict in Self.everyVerdict {
            #expect(CoherenceVerdict(parsing: verdict.description) == verdict, "\(verdict)")
            let json = try JSONEncoder().encode([verdict])
            #expect(try JSONDecoder().decode([CoherenceVerdict].self, from: json) == [verdict])
        }
        #expect(Set(Self.everyVerdict.map(\.kind)) == ["coherent", "stale", "through-protection", "nic-error", "refused", "timed-out", "n/a"])
        for text in ["stale(1/4)", "refused(mremap)", "timed-out(ten s)", "Coherent", ""] {
            #expect(CoherenceVerdict(parsing: text) == nil, "\(text)")
        }
    }

    @Test func coherenceSurvivesAJSONRoundTrip() throws {
        let report = LatencyReport(testbed: ReportTests.testbed, coherence: Self.cells)
        let json = try report.json()
        #expect(json.contains("\"coherence\" : ["))
        // Without cells the field is left out, as a report from before the matrix had it.
        #expect(try !LatencyReport(testbed: ReportTests.testbed).json().contains("coherence"))
        #expect(json.contains("\"stale(4/4 pages)\"") && json.contains("\"refused(mremap: EBUSY)\""))
        #expect(try LatencyReport(json: json) == report)
    }

    @Test func aReportWithoutCoherenceStillDecodes() throws {
        var report = ReportTests.sampleReport()
        report.coherence = Self.cells
        var object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect(object["coherence"] != nil)
        object["coherence"] = nil
        let older = try LatencyReport(json: String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        #expect(older.coherence.isEmpty && older == ReportTests.sampleReport())
    }

    @Test func tableHasARowPerScenarioAndAccessAndAColumnPerMode() throws {
        let text = try #require(CoherenceTable.render(Self.cells))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == CoherenceTable.heading)
        #expect(lines.count == 2 + 4)
        #expect(lines[1].split(separator: " ", omittingEmptySubsequences: true) == ["scenario", "access", "pinned", "odp", "mirror"])
        #expect(lines[2].split(separator: " ", omittingEmptySubsequences: true) == ["dontneed-all", "read", "stale(4/4", "pages)", "coherent", "coherent"])
        #expect(lines[5].hasPrefix("mremap-onto   write") && lines[5].hasSuffix("through-protection  coherent ×1, stale(1/4 pages) ×1"))
        // Columns start where their titles do.
        let odp = try #require(lines[1].range(of: "odp")).lowerBound.utf16Offset(in: lines[1])
        for line in lines[2...] {
            #expect(line.count > odp && line[line.index(line.startIndex, offsetBy: odp - 2)...].hasPrefix("  ") && line[line.index(line.startIndex, offsetBy: odp)] != " ", "\(line)")
        }
        // A mode without cells has no column; no cells, no table.
        let odpOnly = try #require(CoherenceTable.render(Self.cells.filter { $0.mode == .odp }))
        #expect(odpOnly.split(separator: "\n")[1].split(separator: " ") == ["scenario", "access", "odp"])
        #expect(CoherenceTable.render([]) == nil)
    }

    @Test func theMirrorsWindowIsTheLastColumnWhereItRepinned() throws {
        var cells = Self.cells
        let index = try #require(cells.firstIndex { $0.scenario == "dontneed-all" && $0.access == .read && $0.mode == .mirror })
        cells[index].windowNanoseconds = [3_000, 1_000, 2_000]
        #expect(cells[index].windowMicroseconds == 2 && Self.cells[index].windowMicroseconds == nil)
        #expect(CoherenceCell(scenario: "s", access: .read, mode: .mirror, verdicts: [.coherent], detail: "", windowNanoseconds: []).windowNanoseconds == nil)

        let lines = try #require(CoherenceTable.render(cells)).split(separator: "\n").map(String.init)
        // The column is numeric: its figures end where its heading does.
        #expect(lines[1].hasSuffix("  \(CoherenceTable.windowColumn)"))
        #expect(lines[2].hasSuffix(" 2.00") && lines[2].count == lines[1].count, "\(lines[2])")
        #expect(lines[3].hasSuffix(" -") && lines[3].count == lines[1].count, "a row where the mirror re-pinned nothing: \(lines[3])")
        // Without a window anywhere the column is left out (the table test above).

        let json = try LatencyReport(testbed: ReportTests.testbed, coherence: cells).json()
        let decoded = try LatencyReport(json: json)
        #expect(json.contains("\"windowNanoseconds\" : [") && decoded.coherence == cells)

        var report = ReportTests.sampleReport()
        report.coherence = cells
        let html = ReportHTML.render(report)
        #expect(html.contains(CoherenceTable.windowColumn.htmlEscaped) && html.contains(">2.00</td>"))
    }

    @Test func pageOpensWithTheHeadlineThenTheMatrix() throws {
        var report = ReportTests.sampleReport()
        report.coherence = Self.cells
        let html = ReportHTML.render(report)
        let headline = try #require(html.range(of: "<section id=\"headline\">")).lowerBound
        let matrix = try #require(html.range(of: "<section id=\"coherence\">")).lowerBound
        let run = try #require(html.range(of: "<section id=\"run\">")).lowerBound
        let registration = try #require(html.range(of: "<section id=\"registration\">")).lowerBound
        #expect(headline < matrix && matrix < run && run < registration)

        // Every verdict, in the class of its colour, with its detail (escaped) as its title.
        #expect(html.contains("<td class=\"verdict v-stale\" title=\"dontneed-all read pinned: &lt;bytes&gt; &amp; more\">stale(4/4 pages)</td>"))
        #expect(html.contains("<td class=\"verdict v-coherent\" title=\"dontneed-all read odp: &lt;bytes&gt; &amp; more\">coherent</td>"))
        #expect(html.contains("<td class=\"verdict v-through-protection\" title=\"mremap-onto write odp: &lt;bytes&gt; &amp; more\">through-protection</td>"))
        #expect(html.contains("<td class=\"verdict v-other\" title=\"mremap-onto read mirror: &lt;bytes&gt; &amp; more\">refused(mremap: EBUSY)</td>"))
        #expect(html.contains("<td class=\"verdict v-stale\" title=\"mremap-onto write mirror: &lt;bytes&gt; &amp; more\">coherent ×1, stale(1/4 pages) ×1</td>"))
        #expect(html.components(separatedBy: "<td class=\"verdict ").count - 1 == Self.cells.count)
        // The legend names every colour's verdicts.
        for entry in CoherenceSection.legend {
            #expect(html.contains("<span class=\"verdict \(entry.verdictClass)\">\(entry.spelling.htmlEscaped)</span>"))
        }

        // The headline: a row per mode, odp's DONTNEED of one page (13 µs) and every mode's coherent cells.
        let section = String(html[headline..<matrix])
        for column in HeadlineSection.columns {
            #expect(section.contains("<th") && section.contains(column.htmlEscaped), "\(column)")
        }
        let rows: [String] = Array(section.components(separatedBy: "<tr>").dropFirst(2))
        #expect(rows.count == 3)
        #expect(rows[0].contains(">pinned</td>") && rows[0].contains(">2 of 4</td>"))
        #expect(rows[1].contains(">odp</td>") && rows[1].components(separatedBy: ">13.00</td>").count == 3 && rows[1].contains(">3 of 4</td>"),
                "odp's call, and coherent again when it returns")
        #expect(rows[2].contains(">mirror</td>") && rows[2].contains(">2 of 4</td>"))
    }

    @Test func headlineFiguresComeFromTheirCells() throws {
        let pageCell = { (probe: Probe, mode: String, operation: String, conditions: [String: String], microseconds: UInt64) in
            ReportCell(probe: probe, mode: mode, operation: operation, bytes: 4096, pages: 1, conditions: conditions,
                       summary: LatencySummary(nanoseconds: [microseconds * 1000]))
        }
        var cells: [ReportCell] = [
            pageCell(.fault, "odp", "RDMA READ", ["pages": "absent", "prefetch": "none"], 300),
            pageCell(.fault, "odp", "RDMA READ", ["pages": "absent", "prefetch": "sync"], 100),
            pageCell(.warm, "odp", "RDMA READ", ["pages": "present"], 40),
            pageCell(.warm, "odp", "RDMA READ", ["pages": "present", "sweep": "message size"], 20),
            pageCell(.invalidation, "mirror", "madvise(MADV_DONTNEED)", [:], 70),
            pageCell(.window, "mirror", "madvise(MADV_DONTNEED)", ["refresh": "eager"], 900),
            pageCell(.window, "mirror", "munmap", ["refresh": "eager"], 5),
        ]
        // Registration, pages absent and THP off: 10 µs + 1 µs per page; THP on costs more and is not the headline's.
        for pages in [1, 16, 256] {
            for (thp, fixed) in [("off", 10.0), ("on", 50.0)] {
                cells.append(ReportCell(probe: .registration, mode: "pinned", operation: "register", bytes: pages * 4096, pages: pages,
                                        conditions: ["pages": "absent", "thp": thp],
                                        summary: LatencySummary(nanoseconds: [UInt64((fixed + Double(pages)) * 1000)])))
            }
        }
        let report = LatencyReport(testbed: ReportTests.testbed, cells: cells)
        let headlines = ModeHeadline.all(report)
        #expect(headlines.map(\.mode) == [.pinned, .odp, .mirror])
        #expect(ModeHeadline.faultCostOverWarm(.odp, in: cells) == 260)
        #expect(headlines[1].faultCostMicroseconds == 260 && headlines[1].dontNeedMicroseconds == nil)
        #expect(headlines[2].dontNeedMicroseconds == 70 && headlines[2].windowMicroseconds == 900 && headlines[2].faultCostMicroseconds == nil)
        let fixed = try #require(headlines[0].registrationFixedMicroseconds), perGiB = try #require(headlines[0].registrationMicrosecondsPerGiB)
        #expect(abs(fixed - 10) < 1e-6 && abs(perGiB - Double(1 << 30) / 4096) < 1e-3)
        #expect(HeadlineSection.row(headlines[1]) == ["odp", "-", "-", "260.00", "-", "-", "-"])
        #expect(HeadlineSection.row(headlines[2])[4...5] == ["70.00", "900.00"], "the mirror's call, and from the call's start until coherent: its window")
        #expect(headlines[0].coherentAgainMicroseconds == nil && headlines[2].coherentAgainMicroseconds == 900)
        #expect(headlines.allSatisfy { $0.coherenceCells == 0 })
        #expect(ModeHeadline.all(LatencyReport(testbed: ReportTests.testbed)).isEmpty)
    }
}
