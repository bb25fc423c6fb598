import Foundation
import Testing
import TestSupport
import Verbs
@testable import ODPKit
@testable import ODPKitBench
@testable import ODPKitReport

/// `odpkit peer serve` and `odpkit peer fault` as two processes, each choosing its device by itself. In
/// the testbed's two-hosts mode (`testbed/run --mode two-hosts`) the server runs in the peer's network
/// namespace, must pick rxe1 there, and the bytes cross the veth pair; elsewhere both use the first
/// device over 127.0.0.1.
@Suite("rxe integration: peer fault", .serialized, .enabled(if: RXE.present, "no RDMA device: run inside the testbed (make test does)"), .timeLimit(.minutes(5)))
struct PeerFaultIntegrationTests {
    /// Where the server runs: from the testbed's two-hosts variables, else this host.
    struct Peer {
        var netns: String?
        var address = "127.0.0.1"
        var serverDevice: String?
        var clientDevice: String?

        /// Throws in the testbed's two-hosts mode (its kernel command line) when a variable it sets is missing:
        /// the test would otherwise run over 127.0.0.1 and pass without crossing the wire.
        static func current() throws -> Peer {
            let environment = ProcessInfo.processInfo.environment
            let commandLine = (try? String(contentsOfFile: "/proc/cmdline", encoding: .utf8)) ?? ""
            let twoHosts = commandLine.split(whereSeparator: \.isWhitespace).contains("odpkit.mode=two-hosts")
            guard twoHosts || environment["ODPKIT_TESTBED_PEER_NETNS"] != nil else { return Peer() }
            let names = ["ODPKIT_TESTBED_PEER_NETNS", "ODPKIT_TESTBED_PEER_ADDRESS", "ODPKIT_TESTBED_PEER_DEVICE", "ODPKIT_TESTBED_DEVICE"]
            let values = names.compactMap { environment[$0] }
            try #require(values.count == names.count,
                         "two-hosts mode sets \(names.joined(separator: ", ")); missing: \(names.filter { environment[$0] == nil }.joined(separator: ", "))")
            return Peer(netns: values[0], address: values[1], serverDevice: values[2], clientDevice: values[3])
        }
    }

    @Test func aRemoteReadAndWriteSeeWhatTheServersCPUSeesAfterEachChange() throws {
        let peer = try Peer.current()
        let odpkit = try productPath("odpkit")
        let port = String(UInt16.random(in: 20_000...29_999))
        let serve = ["peer", "serve", "--port", port]
        let server = Process()
        if let netns = peer.netns {
            server.executableURL = URL(fileURLWithPath: "/usr/bin/ip")
            server.arguments = ["netns", "exec", netns, odpkit.path] + serve
        } else {
            server.executableURL = odpkit
            server.arguments = serve
        }
        let serverOutput = Pipe()
        server.standardOutput = serverOutput
        server.standardError = serverOutput
        try server.run()
        defer { if server.isRunning { server.terminate() } }

        let samples = 2
        let changes = PeerFaultProbe.changes, pageCounts = [1, 16]
        let fault = ["peer", "fault", "--connect", peer.address, "--port", port, "--changes", changes.map(\.rawValue).joined(separator: ","),
                     "--pages", pageCounts.map(String.init).joined(separator: ","), "--samples", "\(samples)", "--json"]
        let client = try run(odpkit, fault)
        server.waitUntilExit()
        let served = String(decoding: serverOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(client.status == 0, "client: \(client.stderr)\nserver: \(served)")
        #expect(server.terminationStatus == 0, "server: \(served)")

        let report = try LatencyReport(json: client.stdout)
        // Per mode, change, page count and access: the remote fault and the warm access, each naming the change;
        // the server's drop per mode, change (its operation) and page count.
        let cellsPerProbe = 3 * changes.count * pageCounts.count * 2
        for probe in [Probe.remoteFault, .warm] {
            let cells = report.cells.filter { $0.probe == probe }
            #expect(cells.count == cellsPerProbe && changes.allSatisfy { change in cells.count { $0.key.conditions.change == change } == cellsPerProbe / changes.count },
                    "\(probe): \(cells.map(\.key.summary))")
        }
        let drops = report.cells.filter { $0.probe == .invalidation }
        #expect(drops.count == 3 * changes.count * pageCounts.count && Set(drops.map(\.operation)) == Set(changes.map(CellOperation.init)),
                "\(drops.map(\.key.summary))")
        for cell in report.cells {
            #expect(cell.failures == 0 && cell.summary.minimum > 0, "\(cell.key.summary)")
            #expect(cell.summary.samples == (cell.probe == .invalidation ? 2 * samples : samples), "\(cell.key.summary)")
        }
        let connection = ConnectionOptions()
        #expect(report.notes.contains { $0.contains("connection: \(connection.retrySummary)") })
        if let device = peer.serverDevice, let clientDevice = peer.clientDevice {
            #expect(report.testbed.device == clientDevice && report.notes.contains { $0.contains("→ server \(device) (GID index 1)") },
                    "each side picks the device of its own namespace's address; the IPv4-mapped GIDs sit at index 1 in two-hosts mode")
        }
        // After either change the server's CPU sees zeros on the pages: a READ that reads zeros, or a WRITE
        // the CPU then sees, is coherent; the old bytes read, or zeros left behind the write, are stale.
        for mode in RegistrationMode.allCases {
            for change in changes {
                for pages in pageCounts {
                    for access in [NICAccess.read, .write] {
                        let name = "pages seen by \(PeerFaultProbe.tallyName(mode: mode, change: change, access: access, pages: pages)): "
                        let seen = report.notes.first { $0.hasPrefix(name) }.map { String($0.dropFirst(name.count)) } ?? "-"
                        let all = pages * samples
                        switch mode {
                        case .pinned:
                            #expect(seen == "coherent 0, stale \(all), other 0", "a pinned region keeps the old pages; the NIC never sees the new ones: \(name)\(seen)")
                        case .odp:
                            #expect(seen == "coherent \(all), stale 0, other 0",
                                    "the MMU notifier invalidates the ODP region and rxe's responder faults the new page in: \(name)\(seen)")
                        case .mirror:
                            #expect(seen == "coherent \(all), stale 0, other 0",
                                    "the mirror's server re-pins the changed chunks (segments() waits for userfaultfd's event) before it answers: \(name)\(seen)")
                        }
                    }
                }
            }
        }
    }
}

/// The path of an executable product built beside the test bundle.
private func productPath(_ name: String) throws -> URL {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent(name) }
    guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw ODPKitError(.notFound, function: "productPath", reason: "\(name) is not built beside \(directory.path); run `swift build` first")
    }
    return executable
}
