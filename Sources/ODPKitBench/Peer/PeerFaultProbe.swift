public import ODPKit
public import ODPKitReport

#if canImport(Glibc)
import Glibc
#endif

/// A remote peer's RDMA access to a region whose pages were just dropped: the server registers an
/// anonymous region per mode (pinned, ODP, mirror) and, per sample, fills the first N pages, drops them
/// with `madvise(MADV_DONTNEED)` or maps fresh memory over them (`mmap(MAP_FIXED)`) and says "dropped";
/// the client then times one RDMA READ (and, separately, one WRITE) of those pages over the wire, then
/// the same access again on the now present pages. Modes are interleaved sample by sample. It also
/// checks the bytes: after either change the server's CPU sees zeros, so a coherent READ reads zeros
/// and a coherent WRITE is what the CPU sees afterwards.
///
/// An ODP region takes the fault inside the access (rxe's responder faults the page in; a NIC may
/// answer with RNR NAKs meanwhile, so the connection's RNR settings go with the result). A remote
/// access cannot fault a mirror region in user space: its server re-pins the dropped chunks before it
/// answers "dropped" (that time is in `drop`) and sends the new keys.
public enum PeerFaultProbe {
    /// What the server's CPU writes before each drop.
    public static let serverPattern = BytePattern(salt: 0x5A)
    /// What the client writes with RDMA WRITE (changed where it would equal zeros or the server's pattern).
    public static let clientPattern = BytePattern(salt: 0xC3)
    /// Where the client's canary starts (`ExpectedPages.canary`).
    static let canaryByte: UInt8 = 0xEE
    /// The changes the server drops pages with: each leaves the range mapped, reading zeros.
    public static let changes: [MappingChange] = [.dontNeed, .mapOver]
    /// The most pages one cell drops (1 GiB of 4 KiB pages: the client stages them all, the server holds
    /// them once per mode).
    public static let maximumPages = 1 << 18

    /// Runs the client side over `channel`, connected to `odpkit peer serve` (or `serve(_:device:)`),
    /// into `results`; returns the report of its cells, with the pages each access saw, the hosts, the
    /// connection and the hardware counters that moved in its notes.
    ///
    /// `samples` rounds are recorded after one warm-up round; each round measures every change, page
    /// count, access and mode, modes innermost. Its cells, per mode, change, page count and access (READ
    /// or WRITE): the access right after the server dropped the pages (remote fault, pages absent) and
    /// again on present pages (warm), both with the change as condition, and the server's drop as it timed
    /// it (invalidation, the change's call plus a mirror's re-pin, the change as operation).
    public static func run(
        over channel: PeerChannel, device: String?, modes: [RegistrationMode], changes: [MappingChange] = PeerFaultProbe.changes, pageCounts: [Int], samples: Int,
        options: ConnectionOptions = .init(), into results: ProbeResults
    ) throws(ODPKitError) -> LatencyReport {
        guard !modes.isEmpty, Set(modes).count == modes.count, !changes.isEmpty, Set(changes).count == changes.count, changes.allSatisfy(Self.changes.contains),
              let regionPages = pageCounts.max(), pageCounts.allSatisfy({ $0 > 0 }), samples > 0 else {
            throw ODPKitError(.invalidArgument, function: "odpkit peer fault",
                              reason: "needs distinct modes, distinct changes among \(Self.changes.map(\.rawValue).joined(separator: ", ")), page counts above zero and samples above zero")
        }
        let started = monotonicNanoseconds()
        let startedAt = LatencyReport.timestamp()
        let link = try PeerLink(device: device, options: options)
        defer { try? link.close() }
        let regionBytes = regionPages * pageSize
        let staging = try AnonymousMemory(length: regionBytes)
        staging.fill(0)
        let stagingRegion = try link.pd.registerMemory(address: staging.baseAddress, length: staging.length, access: [.localWrite])
        let expected = ExpectedPages(length: regionBytes)
        let canary = expected.canary
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

        var cells = changes.flatMap { change in
            pageCounts.flatMap { pages in
                [NICAccess.read, .write].flatMap { access in modes.map { Cell(mode: $0, change: change, pages: pages, access: access, into: results) } }
            }
        }
        for round in 0...samples {
            try Interruption.signals.check("the peer fault probe")
            for index in cells.indices {
                try measure(&cells[index], recording: round > 0, link: link, staging: staging, stagingRegion: stagingRegion, expected: expected, canary: canary, channel: channel)
            }
        }

        try channel.send(PeerRequest.done)
        let serverCounters: [String: UInt64]?
        switch try reply(from: channel) {
        case .done(let counters): serverCounters = counters
        case let other: throw unexpected(other, "done", channel)
        }
        try stagingRegion.close()
        let clientCounters = HardwareCounters.moved(from: countersBefore, to: HardwareCounters.read(device: link.context.deviceName, port: link.options.port))
        let system = SystemInfo.current().summary
        var notes = [
            "client \(link.context.deviceName) (GID index \(link.options.gidIndex.map(String.init) ?? "default")) → server \(offer.host.device) "
                + "(GID index \(offer.host.gidIndex.map(String.init) ?? "default")) at \(channel.peer); connection: \(link.options.retrySummary)",
        ]
        if offer.host.system != system { notes.append("server: \(offer.host.system)") }
        notes += cells.map(\.note)
        notes.append("counters moved on \(link.context.deviceName) (client): \(counterText(clientCounters))")
        notes.append("counters moved on \(offer.host.device) (server): \(counterText(serverCounters))")
        let settings = [
            "modes": modes.map(\.rawValue).joined(separator: ","), "changes": changes.map(\.rawValue).joined(separator: ","),
            "pages": pageCounts.map(String.init).joined(separator: ","),
            "samples": String(samples), "server": channel.peer,
        ]
        return results.report(device: link.context.deviceName, startedAt: startedAt, since: started, settings: settings, notes: notes)
    }

    /// One mode, change, page count and access: its cells and the pages its accesses saw after the drop.
    struct Cell {
        var mode: RegistrationMode
        var change: MappingChange
        var pages: Int
        var access: NICAccess
        var faulted, warm, drop: CellRecorder
        /// Over all recorded samples. READ: pages read as the server's CPU sees them (zeros) or holding
        /// the data from before the drop (stale). WRITE: pages where the server's CPU sees the write, or
        /// still zeros (stale: the write went to the old pages).
        var pagesSeen = PageTally()

        init(mode: RegistrationMode, change: MappingChange, pages: Int, access: NICAccess, into results: ProbeResults) {
            self.mode = mode
            self.change = change
            self.pages = pages
            self.access = access
            let operation: CellOperation = access == .read ? .read : .write
            func key(_ probe: Probe, _ operation: CellOperation, _ conditions: CellConditions) -> CellKey {
                CellKey(probe: probe, mode: mode, operation: operation, bytes: pages * pageSize, pages: pages, conditions: conditions)
            }
            faulted = results.recorder(key(.remoteFault, operation, CellConditions(pages: .absent, side: .remote, change: change)))
            warm = results.recorder(key(.warm, operation, CellConditions(pages: .present, side: .remote, change: change)))
            drop = results.recorder(key(.invalidation, CellOperation(change), CellConditions(side: .remote)))
        }

        /// The pages seen, as the report's note.
        var note: String {
            "pages seen by \(PeerFaultProbe.tallyName(mode: mode, change: change, access: access, pages: pages)): "
                + "coherent \(pagesSeen.coherent), stale \(pagesSeen.stale), other \(pagesSeen.other)"
        }
    }

    /// How the report's notes name the pages seen by one cell's accesses: `odp RDMA READ of 16 page(s) after munmap-mmap`.
    public static func tallyName(mode: RegistrationMode, change: MappingChange, access: NICAccess, pages: Int) -> String {
        "\(mode) \(access == .read ? CellOperation.read : .write) of \(pages) page(s) after \(change.rawValue)"
    }

    /// Counters that moved, in words.
    private static func counterText(_ moved: [String: UInt64]?) -> String {
        guard let moved else { return "unavailable (no hw_counters in that host's sysfs)" }
        return moved.isEmpty ? "none" : moved.sorted { $0.key < $1.key }.map { "\($0.key) +\($0.value)" }.joined(separator: ", ")
    }

    /// One sample of one cell: drop on the server, then the timed accesses and the check; recorded
    /// when `recording` (a failed access counted in its cell).
    private static func measure(
        _ cell: inout Cell, recording: Bool, link: PeerLink, staging: AnonymousMemory, stagingRegion: MemoryRegion, expected: ExpectedPages, canary: [UInt8],
        channel: PeerChannel
    ) throws(ODPKitError) {
        let length = cell.pages * pageSize
        try channel.send(PeerRequest.drop(mode: cell.mode, change: cell.change, pages: cell.pages))
        let segments: [PeerSegment]
        switch try reply(from: channel) {
        case .dropped(let dropped, let nanoseconds):
            segments = dropped
            if recording { cell.drop.record(nanoseconds) }
        case let other: throw unexpected(other, "dropped", channel)
        }
        guard segments.reduce(0, { $0 + $1.remote.length }) == length else {
            throw ODPKitError(.invalidArgument, function: "odpkit peer fault", reason: "the server's segments cover \(segments.reduce(0) { $0 + $1.remote.length }) bytes, not \(length)")
        }
        let operation = "RDMA \(cell.access == .read ? "READ" : "WRITE") of \(cell.pages) page(s) of the server's \(cell.mode) region"
        let access = cell.access
        let body = { () throws(ODPKitError) in
            try link.transfer(segments, operation) { segment, id throws(ODPKitError) in
                switch access {
                case .read: try link.queuePair.postRead(into: stagingRegion, offset: segment.offset, length: segment.remote.length, from: segment.remote, id: id)
                case .write: try link.queuePair.postWrite(from: stagingRegion, offset: segment.offset, length: segment.remote.length, to: segment.remote, id: id)
                }
            }
        }
        let seen: PageTally
        switch access {
        case .read:
            canary.withUnsafeBytes { staging.bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
            cell.faulted.measure(recording, body)
            seen = expected.tally(UnsafeRawBufferPointer(staging.bytes), pages: cell.pages, coherent: expected.zeros, stale: [expected.server, expected.client])
            cell.warm.measure(recording, body)
        case .write:
            expected.client.withUnsafeBytes { staging.bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
            cell.faulted.measure(recording, body)
            cell.warm.measure(recording, body)
            try channel.send(PeerRequest.inspect(mode: cell.mode, pages: cell.pages))
            switch try reply(from: channel) {
            case .inspected(let inspected): seen = inspected
            case let other: throw unexpected(other, "inspected", channel)
            }
        }
        if recording { cell.pagesSeen += seen }
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
