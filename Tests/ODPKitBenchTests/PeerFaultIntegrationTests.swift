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

        static var current: Peer {
            let environment = ProcessInfo.processInfo.environment
            guard let netns = environment["ODPKIT_TESTBED_PEER_NETNS"] else { return Peer() }
            return Peer(netns: netns, address: environment["ODPKIT_TESTBED_PEER_ADDRESS"] ?? "10.77.0.2",
                        serverDevice: environment["ODPKIT_TESTBED_PEER_DEVICE"], clientDevice: environment["ODPKIT_TESTBED_DEVICE"])
        }
    }

    @Test func aRemoteReadAndWriteSeeWhatTheServersCPUSeesAfterTheDrop() throws {
        let peer = Peer.current
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

        let samples = 3
        let fault = ["peer", "fault", "--connect", peer.address, "--port", port, "--pages", "1,16", "--samples", "\(samples)", "--json"]
        let client = try run(odpkit, fault)
        server.waitUntilExit()
        let served = String(decoding: serverOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(client.status == 0, "client: \(client.stderr)\nserver: \(served)")
        #expect(server.terminationStatus == 0, "server: \(served)")

        let report = try LatencyReport(json: client.stdout)
        // Per mode, page count and access: the remote fault and the warm access; the server's drop per mode and page count.
        #expect(report.cells.filter { $0.probe == .remoteFault }.count == 3 * 2 * 2 && report.cells.filter { $0.probe == .warm }.count == 3 * 2 * 2)
        #expect(report.cells.filter { $0.probe == .invalidation }.count == 3 * 2)
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
        for mode in RegistrationMode.allCases {
            for pages in [1, 16] {
                for access in [NICAccess.read, .write] {
                    let name = "pages seen after the drop, \(PeerFaultProbe.tallyName(mode: mode, access: access, pages: pages)): "
                    let seen = report.notes.first { $0.hasPrefix(name) }.map { String($0.dropFirst(name.count)) }
                    let all = pages * samples
                    switch mode {
                    case .pinned:
                        #expect(seen?.contains(", stale \(all),") == true, "pinned keeps the old pages: \(name)\(seen ?? "-")")
                    case .odp:
                        #expect(seen?.hasPrefix("coherent \(all),") == true, "ODP faults the dropped pages: \(name)\(seen ?? "-")")
                    case .mirror:
                        #expect(seen?.hasPrefix("coherent \(all),") == true && seen?.hasSuffix("other 0") == true, "the server re-pins before it answers: \(name)\(seen ?? "-")")
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
