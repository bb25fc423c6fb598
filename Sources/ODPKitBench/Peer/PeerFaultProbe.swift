public import ODPKit

#if canImport(Glibc)
import Glibc
#endif

/// A remote peer's RDMA access to a region whose pages were just dropped: the server registers an
/// anonymous region per mode (pinned, ODP, mirror) and, per sample, fills the first N pages, drops them
/// with `madvise(MADV_DONTNEED)` and says "dropped"; the client then times one RDMA READ (and, separately,
/// one WRITE) of those pages over the wire, then the same access again on the now present pages.
/// Modes are interleaved sample by sample. It also checks the bytes: after the drop the server's CPU
/// sees zeros, so a coherent READ reads zeros and a coherent WRITE is what the CPU sees afterwards.
///
/// An ODP region takes the fault inside the access (rxe's responder faults the page in; a NIC may
/// answer with RNR NAKs meanwhile, so the connection's RNR settings go with the result). A remote
/// access cannot fault a mirror region in user space: its server re-pins the dropped chunks before it
/// answers "dropped" (that time is in `drop`) and sends the new keys.
public enum PeerFaultProbe {
    /// What the server's CPU writes before each drop.
    public static let serverPattern = BytePattern(salt: 0x5A)
    /// What the client writes with RDMA WRITE.
    public static let clientPattern = BytePattern(salt: 0xC3)
    /// What the client's buffer holds before each READ, so a READ that wrote nothing is not taken for zeros.
    static let sentinel: UInt8 = 0xEE

    /// Runs the client side over `channel`, connected to `odpkit peer serve` (or `serve(_:device:)`).
    ///
    /// `samples` rounds are recorded after one warm-up round; each round measures every cell, modes innermost.
    public static func run(
        over channel: PeerChannel, device: String?, modes: [RegistrationMode], pageCounts: [Int], samples: Int,
        options: ConnectionOptions = .init()
    ) throws(ODPKitError) -> PeerFaultResult {
        guard !modes.isEmpty, Set(modes).count == modes.count, let regionPages = pageCounts.max(), pageCounts.allSatisfy({ $0 > 0 }), samples > 0 else {
            throw ODPKitError(.invalidArgument, function: "odpkit peer fault", reason: "needs distinct modes, page counts above zero and samples above zero")
        }
        let link = try PeerLink(device: device, options: options)
        defer { try? link.close() }
        let regionBytes = regionPages * pageSize
        let staging = try AnonymousMemory(length: regionBytes)
        staging.fill(0)
        let stagingRegion = try link.pd.registerMemory(address: staging.baseAddress, length: staging.length, access: [.localWrite])
        let expected = ExpectedPages(length: regionBytes)
        let countersBefore = HardwareCounters.read(device: link.context.deviceName, port: link.options.port)

        try channel.send(PeerRequest.setUp(PeerSetup(endpoint: try link.endpoint(), modes: modes, pages: regionPages, options: link.options)))
        let offer: PeerOffer
        switch try reply(from: channel) {
        case .ready(let ready): offer = ready
        case let other: throw unexpected(other, "ready", channel)
        }
        guard offer.pageSize == pageSize else {
            throw ODPKitError(.unsupported, function: "odpkit peer fault", reason: "the server's pages are \(offer.pageSize) bytes, this host's \(pageSize)")
        }
        try link.connect(to: offer.endpoint)

        var cells = pageCounts.flatMap { pages in
            [NICAccess.read, .write].flatMap { access in modes.map { PeerFaultResult.Cell(mode: $0, pages: pages, access: access) } }
        }
        for round in 0...samples {
            for index in cells.indices {
                let sample = try measure(cells[index], link: link, staging: staging, stagingRegion: stagingRegion, expected: expected, channel: channel)
                guard round > 0 else { continue }
                cells[index].faulted.append(sample.faulted)
                cells[index].warm.append(sample.warm)
                cells[index].drop.append(sample.drop)
                cells[index].pagesSeen += sample.pagesSeen
            }
        }

        try channel.send(PeerRequest.done)
        let serverCounters: [String: UInt64]?
        switch try reply(from: channel) {
        case .done(let counters): serverCounters = counters
        case let other: throw unexpected(other, "done", channel)
        }
        try stagingRegion.close()
        let client = PeerHost(device: link.context.deviceName, gidIndex: link.options.gidIndex, system: SystemInfo.current().summary)
        return PeerFaultResult(
            cells: cells, samples: samples, connection: link.options, client: client, server: offer.host, serverAddress: channel.peer,
            clientCounters: HardwareCounters.moved(from: countersBefore, to: HardwareCounters.read(device: link.context.deviceName, port: link.options.port)),
            serverCounters: serverCounters
        )
    }

    /// One sample of one cell: drop on the server, then the timed accesses and the check.
    private static func measure(
        _ cell: PeerFaultResult.Cell, link: PeerLink, staging: AnonymousMemory, stagingRegion: MemoryRegion, expected: ExpectedPages, channel: PeerChannel
    ) throws(ODPKitError) -> (faulted: UInt64, warm: UInt64, drop: UInt64, pagesSeen: PageTally) {
        let length = cell.pages * pageSize
        try channel.send(PeerRequest.drop(mode: cell.mode, pages: cell.pages))
        let segments: [PeerSegment], drop: UInt64
        switch try reply(from: channel) {
        case .dropped(let dropped, let nanoseconds): (segments, drop) = (dropped, nanoseconds)
        case let other: throw unexpected(other, "dropped", channel)
        }
        guard segments.reduce(0, { $0 + $1.remote.length }) == length else {
            throw ODPKitError(.invalidArgument, function: "odpkit peer fault", reason: "the server's segments cover \(segments.reduce(0) { $0 + $1.remote.length }) bytes, not \(length)")
        }
        let operation = "RDMA \(cell.access == .read ? "READ" : "WRITE") of \(cell.pages) page(s) of the server's \(cell.mode) region"
        let access = { () throws(ODPKitError) in
            try link.transfer(segments, operation) { segment, id throws(ODPKitError) in
                switch cell.access {
                case .read: try link.queuePair.postRead(into: stagingRegion, offset: segment.offset, length: segment.remote.length, from: segment.remote, id: id)
                case .write: try link.queuePair.postWrite(from: stagingRegion, offset: segment.offset, length: segment.remote.length, to: segment.remote, id: id)
                }
            }
        }
        switch cell.access {
        case .read:
            staging.fill(sentinel, range: 0..<length)
            let faulted = try timed(access)
            let seen = expected.tally(UnsafeRawBufferPointer(staging.bytes), pages: cell.pages, coherent: expected.zeros, stale: [expected.server, expected.client])
            let warm = try timed(access)
            return (faulted, warm, drop, seen)
        case .write:
            expected.client.withUnsafeBytes { staging.bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
            let faulted = try timed(access)
            let warm = try timed(access)
            try channel.send(PeerRequest.inspect(mode: cell.mode, pages: cell.pages))
            switch try reply(from: channel) {
            case .inspected(let seen): return (faulted, warm, drop, seen)
            case let other: throw unexpected(other, "inspected", channel)
            }
        }
    }

    /// `body`'s duration on the continuous clock, in nanoseconds.
    private static func timed(_ body: () throws(ODPKitError) -> Void) throws(ODPKitError) -> UInt64 {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        return (clock.now - start).nanoseconds
    }

    /// The next reply; the server's `failed` becomes the error it names.
    static func reply(from channel: PeerChannel) throws(ODPKitError) -> PeerReply {
        let reply = try channel.receive(PeerReply.self)
        if case .failed(let text) = reply {
            throw ODPKitError(.system, function: "odpkit peer serve", reason: "the server at \(channel.peer) failed: \(text)")
        }
        return reply
    }

    static func unexpected(_ reply: PeerReply, _ expected: String, _ channel: PeerChannel) -> ODPKitError {
        ODPKitError(.invalidArgument, function: "odpkit peer fault", reason: "expected \(expected) from \(channel.peer), got \(reply)")
    }
}
