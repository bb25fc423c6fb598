import Foundation
import Testing
import Verbs
@testable import ODPKit
@testable import ODPKitBench
@testable import ODPKitReport

/// The peer probe's TCP side channel over 127.0.0.1: no RDMA needed.
@Suite("peer channel over 127.0.0.1 (host)", .timeLimit(.minutes(1)))
struct PeerChannelTests {
    /// A listener on a port the kernel chose, a client connected to it, and the server's end.
    private func connectedPair(ioTimeout: Duration = .seconds(10)) throws -> (client: PeerChannel, server: PeerChannel) {
        let listener = try PeerListener(port: 0)
        defer { try? listener.close() }
        let client = try PeerChannel.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(5), ioTimeout: ioTimeout)
        let server = try listener.accept(timeout: .seconds(5), ioTimeout: ioTimeout)
        return (client, server)
    }

    /// A port nobody listens on now.
    private func freePort() throws -> UInt16 {
        let listener = try PeerListener(port: 0)
        defer { try? listener.close() }
        return listener.port
    }

    @Test func messagesRoundTrip() throws {
        let (client, server) = try connectedPair()
        let endpoint = QueuePairEndpoint(gid: Array(repeating: 0, count: 10) + [0xff, 0xff, 10, 77, 0, 1], lid: 0, queuePairNumber: 0x11, packetSequenceNumber: 0xabcdef)
        let setup = PeerSetup(endpoint: endpoint, modes: [.pinned, .odp, .mirror], pages: 256, options: ConnectionOptions())
        try client.send(PeerRequest.setUp(setup))
        try client.send(PeerRequest.drop(mode: .odp, change: .mapOver, pages: 16))
        #expect(try server.receive(PeerRequest.self) == .setUp(setup))
        #expect(try server.receive(PeerRequest.self) == .drop(mode: .odp, change: .mapOver, pages: 16))
        let segment = PeerSegment(offset: 0, remote: RemoteBuffer(address: 0x7f00_0000_0000, rkey: 0x1234, length: 65536))
        let reply = PeerReply.dropped(segments: [segment], nanoseconds: 12_345)
        try server.send(reply)
        #expect(try client.receive(PeerReply.self) == reply)
        #expect(client.peer.hasPrefix("127.0.0.1:"))
    }

    @Test func connectKeepsTryingUntilTheServerListens() throws {
        let port = try freePort()
        let served = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            defer { served.signal() }
            usleep(400_000)
            guard let listener = try? PeerListener(port: port), let channel = try? listener.accept(timeout: .seconds(10)) else { return }
            try? channel.send(PeerReply.failed("hello"))
            _ = try? channel.receive(PeerRequest.self)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let client = try PeerChannel.connect(host: "127.0.0.1", port: port, timeout: .seconds(10))
        #expect(clock.now - start >= .milliseconds(300), "the server only listened after 400 ms")
        #expect(try client.receive(PeerReply.self) == .failed("hello"))
        try client.send(PeerRequest.done)
        served.wait()
    }

    @Test func connectGivesUpAtTheTimeoutNamingTheRefusal() throws {
        let port = try freePort()
        let error = #expect(throws: ODPKitError.self) {
            try PeerChannel.connect(host: "127.0.0.1", port: port, timeout: .milliseconds(300))
        }
        #expect(error?.code == .timedOut)
        #expect(error?.function == "connect")
        #expect(error?.errno == .connectionRefused)
        #expect(error?.reason.contains("odpkit peer serve") == true)
    }

    @Test func peerClosingMidMessageIsAClearError() throws {
        let (client, server) = try connectedPair()
        try client.write([0, 0, 0, 100] + Array(repeating: UInt8(ascii: "{"), count: 10))
        try client.close()
        let error = #expect(throws: ODPKitError.self) { try server.receive(PeerRequest.self) }
        #expect(error?.code == .closed)
        #expect(error?.reason.contains("in the middle of a message, after 10 of the 100 bytes of its body") == true, "\(String(describing: error))")
    }

    @Test func peerClosingBetweenMessagesSaysSo() throws {
        let (client, server) = try connectedPair()
        try client.send(PeerRequest.done)
        try client.close()
        #expect(try server.receive(PeerRequest.self) == .done)
        let error = #expect(throws: ODPKitError.self) { try server.receive(PeerRequest.self) }
        #expect(error?.code == .closed)
        #expect(error?.reason.hasSuffix("closed the connection") == true, "\(String(describing: error))")
    }

    @Test(arguments: [[0xff, 0xff, 0xff, 0xff], [0, 0, 0, 0], [0x01, 0, 0, 1]] as [[UInt8]])
    func lengthOutsideTheLimitIsRefusedBeforeReading(header: [UInt8]) throws {
        let (client, server) = try connectedPair()
        try client.write(header)
        let error = #expect(throws: ODPKitError.self) { try server.receive(PeerRequest.self) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.reason.contains("outside 1...\(PeerChannel.defaultMaximumMessageBytes)") == true, "\(String(describing: error))")
    }

    @Test func garbageIsNotTakenForAMessage() throws {
        let (client, server) = try connectedPair()
        try client.write([0, 0, 0, 5] + Array("hello".utf8))
        let error = #expect(throws: ODPKitError.self) { try server.receive(PeerRequest.self) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.reason.contains("are not a PeerRequest message") == true, "\(String(describing: error))")
    }

    @Test func silenceTimesOut() throws {
        let (client, server) = try connectedPair(ioTimeout: .milliseconds(200))
        let error = withExtendedLifetime(client) {
            #expect(throws: ODPKitError.self) { try server.receive(PeerRequest.self) }
        }
        #expect(error?.code == .timedOut)
        #expect(error?.function == "recv")
    }

    @Test func acceptTimesOut() throws {
        let listener = try PeerListener(port: 0)
        let error = #expect(throws: ODPKitError.self) { try listener.accept(timeout: .milliseconds(100)) }
        #expect(error?.code == .timedOut)
    }

    @Test func closeIsIdempotentAndUseAfterCloseIsAnError() throws {
        let (client, server) = try connectedPair()
        try client.close()
        try client.close()
        let error = #expect(throws: ODPKitError.self) { try client.send(PeerRequest.done) }
        #expect(error?.code == .closed)
        try server.close()
        try server.close()
    }

    @Test func settingsInWords() throws {
        #expect(ConnectionOptions().retrySummary == "rnr_retry 7 (forever), min_rnr_timer 12 (0.64 ms), timeout 14 (67.11 ms), retry_cnt 7")
    }
}
