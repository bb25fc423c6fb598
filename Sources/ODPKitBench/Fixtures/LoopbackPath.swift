import CODPKitLinux
public import ODPKit
public import ODPKitReport

/// One device's NIC looking at this process's memory: a requester queue pair connected to a responder
/// queue pair on the same device (as perftest's client and server), and a pinned staging buffer, so an
/// RDMA READ shows what the NIC sees in a region and an RDMA WRITE puts bytes there.
public final class LoopbackPath {
    public let context: Context
    public let pd: ProtectionDomain
    public let completions: CompletionQueue
    /// Posts every work request; its completions come to `completions`.
    public let queuePair: QueuePair
    /// The other end: serves READ and WRITE, and takes SEND's receives (completed to `completions` too).
    public let responder: QueuePair
    /// Where READs land and WRITEs come from, registered pinned.
    let staging: AnonymousMemory
    let stagingRegion: MemoryRegion
    /// The options the two queue pairs are connected with.
    let options: ConnectionOptions
    // Bumped on every post: no dynamic exclusivity check (see `MemoryRegion.lkey`).
    @exclusivity(unchecked) var nextID: UInt64 = 0
    /// The last byte's mark of the write ping-pong's latest WRITE (1...255).
    @exclusivity(unchecked) private var pingPongMark: UInt8 = 0

    /// Opens `device` (the first device when nil) and connects the requester and the responder.
    public convenience init(device: String? = nil, stagingBytes: Int = 1 << 20, options: ConnectionOptions = .init()) throws(ODPKitError) {
        let context = try Context(deviceNamed: device)
        try self.init(context: context, pd: try ProtectionDomain(context: context), stagingBytes: stagingBytes, options: options)
    }

    /// Another requester and responder, with a staging buffer of their own, on `other`'s device and
    /// protection domain: a region registered through either path is reachable through both, and each
    /// path may be driven by a thread of its own. Closing either path closes the device, so both.
    public convenience init(sharing other: LoopbackPath, stagingBytes: Int = 1 << 20) throws(ODPKitError) {
        try self.init(context: other.context, pd: other.pd, stagingBytes: stagingBytes, options: other.options)
    }

    private init(context: Context, pd: ProtectionDomain, stagingBytes: Int, options: ConnectionOptions) throws(ODPKitError) {
        self.context = context
        self.pd = pd
        completions = try CompletionQueue(context: context)
        queuePair = try QueuePair(pd: pd, sendQueue: completions, receiveQueue: completions)
        responder = try QueuePair(pd: pd, sendQueue: completions, receiveQueue: completions)
        try queuePair.connect(to: responder, options)
        self.options = options
        staging = try AnonymousMemory(length: stagingBytes)
        staging.fill(0)
        // Remote write: the responder's half of a write ping-pong lands in the staging buffer's second half.
        stagingRegion = try pd.registerMemory(address: staging.baseAddress, length: staging.length, access: [.localWrite, .remoteWrite])
    }

    /// Registers `memory` in `mode` in this path's protection domain.
    public func register(_ mode: RegistrationMode, _ memory: AnonymousMemory, access: AccessFlags = .readWrite,
                         mirrorRefresh: MirrorRegion.Refresh = .eager) throws(ODPKitError) -> RegisteredRegion {
        try RegisteredRegion(mode, pd: pd, memory: memory, access: access, mirrorRefresh: mirrorRefresh)
    }

    /// The bytes the NIC reads from `region` (RDMA READ), `length` from `offset`: one work request per segment.
    public func read(_ region: RegisteredRegion, offset: Int = 0, length: Int) throws(ODPKitError) -> [UInt8] {
        try requireStaging(length)
        staging.fill(0, range: 0..<length)
        try postPerSegment(of: region, offset: offset, length: length, "RDMA READ of \(length) bytes from a \(region.mode) region") { segment, id throws(ODPKitError) in
            try queuePair.postRead(into: stagingRegion, offset: segment.offset - offset, length: segment.length, from: segment.remote, id: id)
        }
        return Array(staging.bytes[0..<length])
    }

    /// Writes `bytes` into `region` at `offset` through the NIC (RDMA WRITE): one work request per segment.
    public func write(_ bytes: [UInt8], to region: RegisteredRegion, offset: Int = 0) throws(ODPKitError) {
        try requireStaging(bytes.count)
        staging.bytes.copyBytes(from: bytes)
        try postPerSegment(of: region, offset: offset, length: bytes.count, "RDMA WRITE of \(bytes.count) bytes to a \(region.mode) region") { segment, id throws(ODPKitError) in
            try queuePair.postWrite(from: stagingRegion, offset: segment.offset - offset, length: segment.length, to: segment.remote, id: id)
        }
    }

    /// Moves `length` bytes between `region` at `offset` and the staging buffer through the NIC (READ
    /// into staging, WRITE from it) without touching the CPU's copy: what the latency probes time. For a
    /// pinned or ODP region it allocates nothing.
    public func transfer(_ access: NICAccess, _ region: RegisteredRegion, offset: Int = 0, length: Int) throws(ODPKitError) {
        try requireStaging(length)
        try postPerSegment(of: region, offset: offset, length: length, access == .read ? "RDMA READ" : "RDMA WRITE") { segment, id throws(ODPKitError) in
            switch access {
            case .read: try queuePair.postRead(into: stagingRegion, offset: segment.offset - offset, length: segment.length, from: segment.remote, id: id)
            case .write: try queuePair.postWrite(from: stagingRegion, offset: segment.offset - offset, length: segment.length, to: segment.remote, id: id)
            }
        }
    }

    /// Times `samples.count` transfers of `length` bytes between `region` at `offset` (one segment) and
    /// the staging buffer back to back, as perftest's `ib_read_lat` loop does (`QueuePair.timeBackToBack`):
    /// the clock is read once per transfer, at its completion, so a sample is the time from one
    /// transfer's completion to the next's (the first: from just before its post), and between a
    /// completion and the repost of one prepared work request (`PreparedSend`) there is only that clock
    /// read. `measured` counts the samples written; on a failure the samples before it are kept and the
    /// error is thrown. Allocates one work request per call, nothing per transfer.
    public func timeTransfers(_ access: NICAccess, _ region: RegisteredRegion, offset: Int = 0, length: Int,
                              into samples: UnsafeMutableBufferPointer<UInt64>, measured: inout Int) throws(ODPKitError) {
        measured = 0
        try requireStaging(length)
        let segment = try singleSegment(of: region, offset: offset, length: length, "odpkit timed transfers", "back-to-back transfers are one work request each")
        let prepared = switch access {
        case .read: try queuePair.prepareRead(into: stagingRegion, length: length, from: segment.remote)
        case .write: try queuePair.prepareWrite(from: stagingRegion, length: length, to: segment.remote)
        }
        defer { nextID &+= UInt64(samples.count) }
        try queuePair.timeBackToBack(prepared, firstID: nextID &+ 1, into: samples, measured: &measured)
    }

    /// One round of perftest's write ping-pong (`ib_write_lat`): the requester WRITEs `length` bytes of
    /// the staging buffer into `region` at `offset`, the CPU spins until their last byte has landed there,
    /// then the responder WRITEs `length` bytes of `region` from the next page boundary on (its own
    /// buffer, as perftest's post_buf is apart from its poll_buf) into the staging buffer's second half
    /// and the CPU spins on that. Each side's WRITE is signaled and its completion reaped, as
    /// ib_write_lat does; half the round is the one-way latency that ib_write_lat reports. Each of the
    /// two `length`-byte parts of `region` must be one segment (a mirror chunk at most), and `length`
    /// at most half the staging buffer.
    ///
    /// The CPU never writes where a WRITE lands before its completion: an RC requester may send a WRITE
    /// again, and its bytes may then be placed a second time, after the CPU has seen them.
    public func writePingPong(_ region: RegisteredRegion, offset: Int = 0, length: Int) throws(ODPKitError) {
        let half = staging.length / 2
        guard length > 0, length <= half else {
            throw ODPKitError(.invalidArgument, function: "odpkit write ping-pong", reason: "\(length) bytes is outside 1...\(half), half the staging buffer")
        }
        // The responder's part starts on the page after the landing part: rxe's ODP copy ignores where
        // inside a page an access starts (the README's "What each mode cannot do", odp).
        let sourceOffset = offset + (length + pageSize - 1) / pageSize * pageSize
        let why = "a ping-pong WRITE is one work request"
        let landingSegment = try singleSegment(of: region, offset: offset, length: length, "odpkit write ping-pong", why)
        let sourceSegment = try singleSegment(of: region, offset: sourceOffset, length: length, "odpkit write ping-pong", why)
        let last = length - 1
        let landing = region.address + offset + last
        let source = region.address + sourceOffset + last
        let returning = staging.baseAddress + half + last
        // Each WRITE's arrival is seen by its last byte turning to a mark (1...255). Both places are
        // cleared first (no WRITE of this path is in flight between rounds): a byte that held the awaited
        // mark by chance, from another size's round or a transfer, would end the wait before the WRITE landed.
        landing.storeBytes(of: 0, as: UInt8.self)
        returning.storeBytes(of: 0, as: UInt8.self)
        staging.baseAddress.storeBytes(of: nextPingPongMark(), toByteOffset: last, as: UInt8.self)
        nextID &+= 1
        try queuePair.postWrite(from: stagingRegion, length: length, to: landingSegment.remote, id: nextID)
        var posted = 1
        do throws(ODPKitError) {
            try awaitByte(pingPongMark, at: landing, "the requester's WRITE of \(length) bytes into a \(region.mode) region")
            source.storeBytes(of: nextPingPongMark(), as: UInt8.self)
            nextID &+= 1
            try responder.postWrite(from: sourceSegment.memoryRegion, offset: sourceSegment.offsetInMemoryRegion, length: length,
                                    to: stagingRegion.remote(offset: half, length: length), id: nextID)
            posted = 2
            try awaitByte(pingPongMark, at: returning, "the responder's WRITE of \(length) bytes from a \(region.mode) region "
                + "(mark 0x\(String(pingPongMark, radix: 16)); the staging buffer holds 0x\(String(odpkit_load_volatile_byte(returning), radix: 16)))")
        } catch {
            // The completions are reaped all the same, so the next round starts with none in flight;
            // a failed one is why the mark never came, and is thrown instead of the wait's timeout.
            try awaitCompletions(posted, "RDMA WRITE ping-pong")
            throw error
        }
        try awaitCompletions(2, "RDMA WRITE ping-pong")
    }

    /// The next mark of the write ping-pong (1...255, never 0: cleared bytes hold 0).
    private func nextPingPongMark() -> UInt8 {
        pingPongMark = pingPongMark == 0xFF ? 1 : pingPongMark + 1
        return pingPongMark
    }

    /// The one segment of `region` holding `length` bytes from `offset`; `.unsupported`, naming
    /// `function` and `why`, when they span chunks of a mirror region.
    private func singleSegment(of region: RegisteredRegion, offset: Int, length: Int, _ function: String, _ why: String) throws(ODPKitError) -> RegionSegment {
        var found: RegionSegment?
        var segments = 0
        try region.forEachSegment(offset: offset, length: length) { segment throws(ODPKitError) in
            segments += 1
            found = segment
        }
        guard segments == 1, let found, found.length == length else {
            throw ODPKitError(.unsupported, function: function, reason: "\(length) bytes from offset \(offset) would span chunks of a mirror region; \(why)")
        }
        return found
    }

    /// Spins until the byte at `address` is `mark`; the clock is read once per 4096 reads, and after
    /// ten seconds the wait fails naming `what` (worded only then: a warm round allocates nothing).
    private func awaitByte(_ mark: UInt8, at address: UnsafeMutableRawPointer, _ what: @autoclosure () -> String) throws(ODPKitError) {
        var deadline = SpinDeadline(timeout: .seconds(10), clockEvery: 4096)
        while odpkit_load_volatile_byte(address) != mark {
            if deadline.hasPassed() {
                throw ODPKitError(.timedOut, function: "odpkit write ping-pong", reason: "\(what()) did not arrive within 10 s")
            }
        }
    }

    /// Sends `length` bytes of the staging buffer to the responder, received into `region`
    /// at `offset` (which must be one segment: a mirror region's receive cannot span chunks).
    public func send(into region: RegisteredRegion, offset: Int = 0, length: Int) throws(ODPKitError) {
        try requireStaging(length)
        let segment = try singleSegment(of: region, offset: offset, length: length, "odpkit send", "one receive takes one memory region here")
        nextID &+= 1
        try responder.postReceive(into: segment.memoryRegion, offset: segment.offsetInMemoryRegion, length: length, id: nextID)
        nextID &+= 1
        try queuePair.postSend(from: stagingRegion, length: length, id: nextID)
        try awaitCompletions(2, "SEND of \(length) bytes into a \(region.mode) region")
    }

    /// Posts one work request per segment of `region` covering `length` bytes from `offset` through a
    /// `PostWindow`, and polls them all; the first failure is thrown after the last poll.
    private func postPerSegment(
        of region: RegisteredRegion, offset: Int, length: Int, _ operation: @autoclosure () -> String,
        _ post: (RegionSegment, UInt64) throws(ODPKitError) -> Void
    ) throws(ODPKitError) {
        var window = PostWindow(completions: completions)
        try region.forEachSegment(offset: offset, length: length) { segment throws(ODPKitError) in
            nextID &+= 1
            let id = nextID
            try window.post(operation()) { () throws(ODPKitError) in try post(segment, id) }
        }
        try window.drain(operation())
    }

    /// Polls `count` completions; the first failure is thrown after all have been polled.
    private func awaitCompletions(_ count: Int, _ operation: @autoclosure () -> String) throws(ODPKitError) {
        var failure: ODPKitError?
        for _ in 0..<count {
            do { try completions.next().requireSuccess(operation()) } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    private func requireStaging(_ length: Int) throws(ODPKitError) {
        guard length > 0, length <= staging.length else {
            throw ODPKitError(.invalidArgument, function: "odpkit loopback", reason: "\(length) bytes is outside 1...\(staging.length), the staging buffer")
        }
    }

    /// Closes the device and everything opened on it; a second call does nothing.
    public func close() throws(ODPKitError) {
        try context.close()
    }
}
