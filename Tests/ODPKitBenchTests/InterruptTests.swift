import Foundation
import Testing
import TestSupport
import ODPKitReport

extension RXEIntegration {
    /// SIGINT and SIGTERM to the built `odpkit` while it measures: it stops within 2 s, `report` writes
    /// what it measured as a complete report marked partial (which `render` draws), and the kernel holds
    /// none of its RDMA objects afterwards, where it held some just before the signal.
    @Suite("interrupted: odpkit stops within 2 s, keeps what it measured, leaves nothing registered")
    struct InterruptTests {
        /// The longest a command may take to stop after the signal.
        static let stopSeconds = 2.0

        @Test(arguments: [SIGINT, SIGTERM])
        func aReportStopsMidProbeWithAPartialReportThatRenders(_ signal: Int32) throws {
            try withTemporaryDirectory("odpkit-interrupted") { directory in
                let out = directory.appendingPathComponent("report")
                // One fault group lasts seconds: the signal lands while its cells are being sampled.
                let report = try RunningProduct("odpkit", ["report", "--out", out.path, "--parts", "fault", "--pages", "1", "--no-prefetch",
                                                           "--samples", "100000", "--seconds-per-cell", "2", "--warm-up", "1"])
                try report.waitForOutput(containing: "· fault: first READ", timeout: 120)
                usleep(500_000)
                let threads = try KernelResources.threads(of: "\(report.process.processIdentifier)")
                let held = try Self.objects(of: threads)
                #expect(held["mr", default: 0] > 0 && held["qp", default: 0] > 0, "before the signal the kernel should list the run's objects: \(held)")
                report.send(signal)
                let ended = try report.waitForExit(timeout: 60)
                #expect(ended.status == 128 + signal, "exit \(ended.status): \(report.standardError)")
                #expect(ended.seconds <= Self.stopSeconds, "stopped \(ended.seconds) s after the signal")
                let left = try Self.objects(of: threads), leftByName = try Self.objectsOfOdpkit()
                #expect(left.isEmpty && leftByName.isEmpty, "left in the kernel: \(left), \(leftByName)")

                let json = try String(contentsOf: out.appendingPathComponent("report.json"), encoding: .utf8)
                let partial = try LatencyReport(json: json)
                let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
                #expect(partial.partial && partial.notes.first?.hasPrefix("Partial report: \(name) stopped the run after ") == true, "\(partial.notes)")
                #expect(partial.cells.contains { $0.probe == .fault && $0.summary.samples > 0 }, "no fault cell was kept: \(partial.cells.map(\.key))")
                #expect(partial.cells.allSatisfy { $0.summary.samples > 0 || $0.failures > 0 }, "a cell without a sample holds no figure")
                let rows = try String(contentsOf: out.appendingPathComponent("samples.csv"), encoding: .utf8).split(separator: "\n")
                #expect(rows.count - 1 == partial.cells.reduce(0) { $0 + $1.summary.samples }, "samples.csv holds every kept sample")
                #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["report.html", "report.json", "samples.csv"])
                #expect(report.standardOutput.contains("odpkit report: interrupted: wrote the partial report"))

                let rendered = try runProduct("odpkit", ["render", out.appendingPathComponent("report.json").path, "--out", directory.appendingPathComponent("again").path])
                #expect(rendered.status == 0, "render: \(rendered.stderr)")
                let page = try String(contentsOf: directory.appendingPathComponent("again/report.html"), encoding: .utf8)
                #expect(page.contains("odpkit latency report (partial)") && page.contains("Partial report: the run was interrupted"))
            }
        }

        @Test func aBenchProbeStopsOnSIGTERMAndPrintsItsPartialReport() throws {
            try withTemporaryDirectory("odpkit-interrupted-bench") { directory in
                let bench = try RunningProduct("odpkit", ["bench", "warm", "--max-message", "64", "--samples", "100000", "--seconds-per-cell", "2",
                                                          "--json", "--csv", "samples.csv"], in: directory)
                try bench.waitForOutput(containing: "· warm: ", timeout: 120)
                usleep(500_000)
                let threads = try KernelResources.threads(of: "\(bench.process.processIdentifier)")
                bench.send(SIGTERM)
                let ended = try bench.waitForExit(timeout: 60)
                #expect(ended.status == 143 && ended.seconds <= Self.stopSeconds, "exit \(ended.status) after \(ended.seconds) s: \(bench.standardError)")
                let printed = try LatencyReport(json: bench.standardOutput)
                #expect(printed.partial && !printed.cells.isEmpty)
                #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "an interrupted probe appends nothing to --csv")
                #expect(try Self.objects(of: threads).isEmpty)
            }
        }

        @Test func theCoherenceMatrixStopsOnSIGINTInOneLine() throws {
            let coherence = try RunningProduct("odpkit", ["coherence", "--repeat", "10000"])
            try coherence.waitForOutput(containing: "odpkit coherence: ", timeout: 120)
            usleep(500_000)
            let threads = try KernelResources.threads(of: "\(coherence.process.processIdentifier)")
            coherence.send(SIGINT)
            let ended = try coherence.waitForExit(timeout: 60)
            #expect(ended.status == 130 && ended.seconds <= Self.stopSeconds, "exit \(ended.status) after \(ended.seconds) s")
            let last = coherence.standardError.split(separator: "\n").last ?? ""
            #expect(last == "odpkit: interrupted by SIGINT, stopped during the coherence matrix; nothing was written", "\(coherence.standardError)")
            #expect(coherence.standardOutput.isEmpty)
            #expect(try Self.objects(of: threads).isEmpty)
        }

        /// The server holds a region per mode while its client measures; SIGTERM ends it, and the client
        /// says in one line that the server went away.
        @Test func aPeerServerStopsOnSIGTERMWhileServing() throws {
            let server = try RunningProduct("odpkit", ["peer", "serve", "--port", "0"])
            try server.waitForOutput(containing: "listening on port ", timeout: 60)
            let port = try #require(server.standardOutput.split(separator: " ").drop { $0 != "port" }.dropFirst().first)
            let client = try RunningProduct("odpkit", ["peer", "fault", "--connect", "127.0.0.1", "--port", String(port), "--pages", "1", "--samples", "100000"])
            try server.waitForOutput(containing: "serving ", timeout: 60)
            usleep(1_500_000)
            let threads = try KernelResources.threads(of: "\(server.process.processIdentifier)")
            #expect(try Self.objects(of: threads)["mr", default: 0] > 0, "the server should hold its regions by now")
            server.send(SIGTERM)
            let ended = try server.waitForExit(timeout: 60)
            #expect(ended.status == 143 && ended.seconds <= Self.stopSeconds, "exit \(ended.status) after \(ended.seconds) s: \(server.standardError)")
            #expect(server.standardError.split(separator: "\n").last?.hasPrefix("odpkit: interrupted by SIGTERM, stopped during the wait for ") == true, "\(server.standardError)")
            let clientEnded = try client.waitForExit(timeout: 90)
            #expect(clientEnded.status == 1 && client.standardError.split(separator: "\n").count == 1, "client: exit \(clientEnded.status), \(client.standardError)")
            #expect(try Self.objects(of: threads).isEmpty && Self.objectsOfOdpkit().isEmpty)
        }

        /// Memory regions, queue pairs, completion queues and protection domains the kernel holds that
        /// one of `threads` created, counted per kind.
        static func objects(of threads: Set<Int>) throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for kind in ["mr", "qp", "cq", "pd"] {
                let count = try KernelResources.objects(kind).count { ($0["pid"] as? Int).map(threads.contains) ?? false }
                if count > 0 { counts[kind] = count }
            }
            return counts
        }

        /// The objects any thread named `odpkit` holds (a thread the run started after its ids were read).
        static func objectsOfOdpkit() throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for kind in ["mr", "qp", "cq", "pd"] {
                let count = try KernelResources.objects(kind).count { ($0["comm"] as? String) == "odpkit" }
                if count > 0 { counts[kind] = count }
            }
            return counts
        }
    }
}
