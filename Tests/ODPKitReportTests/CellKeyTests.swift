import Foundation
import Testing
@testable import ODPKit
@testable import ODPKitReport

/// The typed key of a report cell against the strings report.json and samples.csv spell it with (host).
@Suite("report cell key: typed, spelled as report.json/1 and samples.csv spell it (host)")
struct CellKeyTests {
    /// A report.json as odpkit wrote it before cells had a typed key: every probe's spelling of mode,
    /// operation and conditions, a perftest round, the overhead's `-` mode and the old `window` operation.
    static let oldReport = #"""
        {"cells":[
        {"bytes":4096,"conditions":{"pages":"absent","thp":"on"},"failures":0,"mode":"pinned","operation":"register","pages":1,"probe":"registration",
         "summary":{"average":12.5,"cdf":[{"microseconds":12,"percentile":0},{"microseconds":13,"percentile":100}],"maximum":13,"minimum":12,"p99":13,"p999":13,"samples":2,"standardDeviation":0.5,"typical":12.5}},
        {"bytes":4096,"conditions":{"pages":"present","thp":"off"},"failures":1,"mode":"odp","operation":"deregister","pages":1,"probe":"deregistration","summary":{"average":0,"cdf":[],"maximum":0,"minimum":0,"p99":0,"p999":0,"samples":0,"standardDeviation":0,"typical":0}},
        {"bytes":65536,"conditions":{"pages":"absent","prefetch":"async"},"failures":0,"mode":"odp","operation":"RDMA WRITE","pages":16,"probe":"fault","summary":{"average":0,"cdf":[],"maximum":0,"minimum":0,"p99":0,"p999":0,"samples":0,"standardDeviation":0,"typical":0}},
        {"bytes":4096,"conditions":{"prefetch":"sync"},"failures":0,"mode":"odp","operation":"ibv_advise_mr PREFETCH_WRITE","pages":1,"probe":"fault","summary":{"average":0,"cdf":[],"maximum":0,"minimum":0,"p99":0,"p999":0,"samples":0,"standardDeviation":0,"typical":0}},
        {"bytes":8,"conditions":{"first":"odpkit","pages":"present","process":"fresh","round":"2","sweep":"perftest rounds"},"failures":0,"mode":"pinned","operation":"RDMA WRITE ping-pong (half round trip)","pages":1,"probe":"warm","summary":{"average":0,"cdf":[],"maximum":0,"minimum":0,"p99":0,"p999":0,"samples":0,"standardDeviation":0,"typical":0}},
        {"bytes":8,"conditions":{"pages":"present","sweep":"message size"},"failures":0,"mode":"mirror","operation":"SEND","pages":1,"probe":"warm","summary":{"average":0,"cdf":[],"maximum":0,"minimum":0,"p99":0,"p999":0,"samples":0,"standardDeviation":0,"typical":0}},
        {"bytes":4096,"conditions":{},"failures":0,"mode":"pinned","operation":"mremap","pages":1,"probe":"invalidation","summary":{"average":0,"cdf":[],"maximum":0,"minimum":0,"p99":0,"p999":0,"samples":0,"standardDeviation":0,"typical":0}},
        {"bytes":4096,"conditions":{"refresh":"eager"},"failures":0,"mode":"mirror","operation":"madvise(MADV_DONTNEED)","pages":1,"probe":"window","summary":{"average":0,"cdf":[],"maximum":0,"minimum":0,"p99":0,"p999":0,"samples":0,"standardDeviation":0,"typical":0}},
        {"bytes":4096,"conditions":{},"failures":0,"mode":"mirror","operation":"window","pages":1,"probe":"window","summary":{"average":0,"cdf":[],"maximum":0,"minimum":0,"p99":0,"p999":0,"samples":0,"standardDeviation":0,"typical":0}},
        {"bytes":0,"conditions":{},"failures":0,"mode":"-","operation":"clock_gettime pair (inside each sample)","pages":0,"probe":"overhead","summary":{"average":0,"cdf":[],"maximum":0,"minimum":0,"p99":0,"p999":0,"samples":0,"standardDeviation":0,"typical":0}}
        ],
        "durationSeconds":12.5,"fits":[],"notes":["old"],
        "perftest":[{"bytes":8,"iterations":1000,"p99":5.5,"p999":9,"round":2,"t_avg":3.25,"t_max":9.75,"t_min":2.5,"t_stdev":0.5,"t_typical":3.1,"test":"ib_write_lat","version":"6.22"}],
        "schema":"odpkit.report/1","settings":{"samples":"2"},"startedAt":"2026-02-03T09:14:07Z",
        "testbed":{"cpu":"QEMU Virtual CPU","device":"rxe0","driver":"rdma_rxe","emulated":true,"forkMode":"disabled","kernel":"6.12.0","memlock":"8192 KiB","rdmaCore":"56.0","testbed":"rxe-tcg","thp":"madvise"}}
        """#

    /// `json` parsed into Foundation's objects, which compare by content.
    private func object(_ json: String) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary)
    }

    @Test func anOldReportDecodesAndEncodesToTheSameJSON() throws {
        let report = try LatencyReport(json: Self.oldReport)
        #expect(report.cells.count == 10)
        #expect(report.cells[4].key == CellKey(probe: .warm, mode: .pinned, operation: .writePingPong, bytes: 8, pages: 1,
                                               conditions: PerftestPairing.conditions(round: 2)))
        #expect(report.cells[9].mode == .noRegion && report.cells[8].operation == .window)
        let json = try report.json()
        #expect(try object(json) == object(Self.oldReport))
        #expect(try LatencyReport(json: json).json() == json)
    }

    @Test func conditionsAreWrittenAsBefore() throws {
        #expect(CellConditions().text == "")
        #expect(CellConditions(pages: .absent, hugePages: .off).text == "pages=absent;thp=off")
        #expect(PerftestPairing.conditions(round: 3).text == "first=perftest;pages=present;process=fresh;round=3;sweep=perftest rounds")
        #expect(CellConditions(pages: .absent, prefetch: .notIssued).text == "pages=absent;prefetch=none")
        #expect(CellConditions(refresh: .onUse, side: .remote).text == "refresh=onUse;side=remote")
        let key = CellKey(probe: .fault, mode: .odp, operation: .read, bytes: 65536, pages: 16, conditions: CellConditions(pages: .absent, prefetch: .sync))
        #expect(SamplesCSV.row(key, sample: 3, nanoseconds: 812_345) == "fault,odp,RDMA READ,65536,16,pages=absent;prefetch=sync,3,812345")
        // Every field's spelling comes back as it went.
        let all = CellConditions(pages: .present, hugePages: .on, prefetch: .async, sweep: .messageSize, round: 7, first: .odpkit,
                                 process: .fresh, refresh: .eager, side: .local, control: .droppedElsewhere, change: .mapOver)
        #expect(try CellConditions(fields: all.fields) == all && all.fields.count == 11)
        #expect(CellConditions(pages: .absent, side: .remote, change: .mapOver).text == "change=munmap-mmap;pages=absent;side=remote")
    }

    @Test func unknownSpellingsAreRefused() {
        #expect(throws: ODPKitError.self) { try CellConditions(fields: ["thp": "never"]) }
        #expect(throws: ODPKitError.self) { try CellConditions(fields: ["note": "a,b"]) }
        #expect(throws: ODPKitError.self) { try CellConditions(fields: ["round": "two"]) }
        #expect(throws: ODPKitError.self) { try LatencyReport(json: Self.oldReport.replacingOccurrences(of: #""mode":"mirror""#, with: #""mode":"remote""#)) }
        #expect(CellMode(rawValue: "perftest") == .perftest && CellMode(rawValue: "pinned") == .registration(.pinned) && CellMode(rawValue: "x") == nil)
    }

    @Test func modesAreOrderedByTheModel() {
        #expect([CellMode.noRegion, .perftest, .registration(.mirror), .registration(.odp), .registration(.pinned)].sorted() == CellMode.allCases)
        #expect(CellMode.allCases.map(\.rawValue) == ["pinned", "odp", "mirror", "perftest", "-"])
    }
}
