import Foundation
import Testing
import TestSupport
import ODPKitReport

extension RXEIntegration {
    /// SIGINT and SIGTERM to the built `odpkit` while it measures: within 2 s it has stopped and the
    /// kernel holds none of its RDMA objects (it held some just before the signal), `report` then writes
    /// what it measured as a complete report marked partial (which `render` draws), and it exits 130/143.
    @Suite("interrupted: odpkit stops within 2 s, keeps what it measured, leaves nothing registered")
    struct InterruptTests {
        /// The longest a command may take after the signal to stop measuring and deregister everything.
        static let stopSeconds = 2.0
        /// The longest it may take to exit: a report then still summarises and writes what it measured,
        /// which an unoptimized build under emulation does slowly.
        static let exitSeconds = 15.0

        @Test(arguments: [SIGINT, SIGTERM])
        func aReportStopsMidProbeWithAPartialReportThatRenders(_ signal: Int32) throws {
            try withTemporaryDirectory("odpkit-interrupted") { directory in
                let out = directory.appendingPathComponent("report")
                // One fault group lasts seconds: the signal lands while its cells are being sampled. Two modes
                // (ODP and the mirror, whose regions are the most involved to close) keep small what the command
                // still does after the probe stops: summarising every cell, a walk of its whole histogram.
                let report = try RunningProduct("odpkit", ["report", "--out", out.path, "--parts", "fault", "--modes", "odp,mirror", "--pages", "1",
                                                           "--no-prefetch", "--samples", "100000", "--seconds-per-cell", "2", "--warm-up", "1"])
                try Self.interrupt(report, once: "· fault: first READ", with: signal)

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
                // A fault group spends its time budget (each sample drops and refills a page), so it is still
                // measuring at the signal; few cells and samples (the overhead probe's too) keep small what the
                // command still does after the probe stops: summarising every cell grows with both.
                let bench = try RunningProduct("odpkit", ["bench", "fault", "--modes", "pinned", "--pages", "1", "--no-prefetch", "--samples", "3000",
                                                          "--seconds-per-cell", "2", "--json", "--csv", "samples.csv"], in: directory)
                try Self.interrupt(bench, once: "· fault: first READ", with: SIGTERM)
                let printed = try LatencyReport(json: bench.standardOutput)
                #expect(printed.partial && !printed.cells.isEmpty)
                #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "an interrupted probe appends nothing to --csv")
            }
        }

        @Test func theCoherenceMatrixStopsOnSIGINTInOneLine() throws {
            let coherence = try RunningProduct("odpkit", ["coherence", "--repeat", "10000"])
            try Self.interrupt(coherence, once: "odpkit coherence: ", with: SIGINT)
            let last = coherence.standardError.split(separator: "\n").last ?? ""
            #expect(last == "odpkit: interrupted by SIGINT, stopped during the coherence matrix; nothing was written", "\(coherence.standardError)")
            #expect(coherence.standardOutput.isEmpty)
        }

        /// The server holds a region per mode while its client measures; SIGTERM ends it, and the client
        /// says in one line that the server went away.
        @Test func aPeerServerStopsOnSIGTERMWhileServing() throws {
            let server = try RunningProduct("odpkit", ["peer", "serve", "--port", "0"])
            try server.waitForOutput(containing: "listening on port ", timeout: 60)
            let port = try #require(server.standardOutput.split(separator: " ").drop { $0 != "port" }.dropFirst().first)
            let client = try RunningProduct("odpkit", ["peer", "fault", "--connect", "127.0.0.1", "--port", String(port), "--pages", "1", "--samples", "100000"])
            try Self.interrupt(server, once: "serving ", with: SIGTERM, besides: client)
            #expect(server.standardError.split(separator: "\n").last?.hasPrefix("odpkit: interrupted by SIGTERM, stopped during the wait for ") == true, "\(server.standardError)")
            let clientEnded = try client.waitForExit(timeout: 90)
            #expect(clientEnded.status == 1 && client.standardError.split(separator: "\n").count == 1, "client: exit \(clientEnded.status), \(client.standardError)")
        }

        /// Waits until `command` has written `text` and the kernel lists memory regions and queue pairs its
        /// threads created (for at most 60 s), and half a second more, sends `signal`, and expects the kernel
        /// to list none of them within `stopSeconds` and the command to exit 128 + `signal` within
        /// `exitSeconds`, with none left (nor any of a thread named odpkit, but those of `other`, a command
        /// still running beside it).
        static func interrupt(_ command: RunningProduct, once text: String, with signal: Int32, besides other: RunningProduct? = nil,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
            try command.waitForOutput(containing: text, timeout: 120)
            let pid = command.process.processIdentifier
            let deadline = Date().addingTimeInterval(60)
            var held = try objects(of: KernelResources.threads(of: pid))
            while held["mr", default: 0] == 0 || held["qp", default: 0] == 0 {
                guard Date() < deadline, command.process.isRunning else {
                    Issue.record("the kernel never listed its memory regions and queue pairs: \(held)", sourceLocation: sourceLocation)
                    return
                }
                usleep(100_000)
                held = try objects(of: KernelResources.threads(of: pid))
            }
            usleep(500_000)
            let threads = try KernelResources.threads(of: pid)
            let signalled = Date()
            command.send(signal)
            while try !objects(of: threads, [.memoryRegion, .queuePair]).isEmpty && Date().timeIntervalSince(signalled) <= stopSeconds {
                usleep(50_000)
            }
            let stopped = Date().timeIntervalSince(signalled)
            #expect(stopped <= stopSeconds, "its memory regions and queue pairs were still listed \(stopped) s after the signal", sourceLocation: sourceLocation)
            let ended = try command.waitForExit(timeout: 60)
            let exited = Date().timeIntervalSince(signalled)
            #expect(ended.status == 128 + signal, "exit \(ended.status): \(command.standardError)", sourceLocation: sourceLocation)
            #expect(exited <= exitSeconds, "exited \(exited) s after the signal", sourceLocation: sourceLocation)
            // A command that has already exited holds nothing (and has no /proc entry).
            let others = other.flatMap { try? KernelResources.threads(of: $0.process.processIdentifier) } ?? []
            let left = try objects(of: threads), leftByName = try objectsOfOdpkit(excluding: others)
            #expect(left.isEmpty && leftByName.isEmpty, "left in the kernel: \(left), \(leftByName)", sourceLocation: sourceLocation)
        }

        /// The objects of `kinds` the kernel holds that one of `threads` created, counted per kind (`mr`, `qp`, …).
        static func objects(of threads: Set<Int>, _ kinds: [KernelResources.Kind] = KernelResources.Kind.allCases) throws -> [String: Int] {
            count(try KernelResources.all(kinds).filter { $0.number("pid").map(threads.contains) ?? false })
        }

        /// The objects any thread named `odpkit` holds (a thread the run started after its ids were read),
        /// but those of the threads `excluded`.
        static func objectsOfOdpkit(excluding excluded: Set<Int> = []) throws -> [String: Int] {
            count(try KernelResources.all().filter { object in
                (object.fields["comm"] as? String) == "odpkit" && !(object.number("pid").map(excluded.contains) ?? false)
            })
        }

        static func count(_ objects: [KernelResources.Object]) -> [String: Int] {
            objects.reduce(into: [:]) { counts, object in counts[object.kind.rawValue, default: 0] += 1 }
        }
    }
}
