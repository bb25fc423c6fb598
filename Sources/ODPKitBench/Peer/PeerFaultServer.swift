public import ODPKit
import ODPKitReport

/// The fault probe's server side for one client: a region per mode on this host's device, registered
/// and reachable through a queue pair connected to the client's.
final class PeerFaultServer {
    private let link: PeerLink
    private let setup: PeerSetup
    private var regions: [RegistrationMode: (memory: AnonymousMemory, region: RegisteredRegion)] = [:]
    private let expected: ExpectedPages
    private let countersBefore: [String: UInt64]?
    let offer: PeerOffer

    /// Registers `setup.pages` pages in each mode on `device` and connects to the client's queue pair.
    init(_ setup: PeerSetup, device: String?) throws(ODPKitError) {
        guard (1...PeerFaultProbe.maximumPages).contains(setup.pages), !setup.modes.isEmpty, Set(setup.modes).count == setup.modes.count else {
            throw ODPKitError(.invalidArgument, function: "odpkit peer serve",
                              reason: "needs distinct modes and 1...\(PeerFaultProbe.maximumPages) pages, got \(setup.modes) and \(setup.pages)")
        }
        var options = setup.options
        options.gidIndex = nil
        let link = try PeerLink(device: device, options: options)
        let expected = ExpectedPages(length: setup.pages * pageSize)
        var regions: [RegistrationMode: (memory: AnonymousMemory, region: RegisteredRegion)] = [:]
        do throws(ODPKitError) {
            var offered: [PeerRegion] = []
            for mode in setup.modes {
                let memory = try AnonymousMemory(length: setup.pages * pageSize)
                expected.server.withUnsafeBytes { memory.bytes.copyMemory(from: $0) }
                let region = try RegisteredRegion(mode, pd: link.pd, memory: memory)
                regions[mode] = (memory, region)
                offered.append(PeerRegion(mode: mode, segments: try region.segments(offset: 0, length: memory.length).map(PeerSegment.init)))
            }
            try link.connect(to: setup.endpoint)
            let host = PeerHost(device: link.context.deviceName, gidIndex: link.options.gidIndex, system: SystemInfo.current().summary)
            offer = PeerOffer(endpoint: try link.endpoint(), host: host, pageSize: pageSize, regions: offered)
        } catch {
            for (_, entry) in regions { try? entry.region.close() }
            try? link.close()
            throw error
        }
        self.link = link
        self.setup = setup
        self.expected = expected
        self.regions = regions
        countersBefore = HardwareCounters.read(device: link.context.deviceName, port: link.options.port)
    }

    /// Does what `request` asks and says how it went.
    func answer(_ request: PeerRequest) throws(ODPKitError) -> PeerReply {
        switch request {
        case .setUp:
            throw ODPKitError(.invalidArgument, function: "odpkit peer serve", reason: "already set up")
        case .drop(let mode, let change, let pages):
            let (memory, region) = try entry(mode, pages)
            let range = 0..<(pages * pageSize)
            expected.server.withUnsafeBytes { memory.bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[range])) }
            let start = monotonicNanoseconds()
            switch change {
            case .dontNeed: try memory.dropPages(range)
            case .mapOver: try memory.replaceWithFreshMapping(range)
            case .unmap, .remapOnto:
                throw ODPKitError(.invalidArgument, function: "odpkit peer serve", reason: "drops pages with \(PeerFaultProbe.changes.map(\.rawValue).joined(separator: " or ")) only, not \(change.rawValue)")
            }
            // A mirror region re-pins the dropped chunks here; pinned and ODP regions keep their one key.
            let segments = try region.segments(offset: 0, length: range.count)
            let end = monotonicNanoseconds()
            return .dropped(segments: segments.map(PeerSegment.init), nanoseconds: end - start)
        case .inspect(let mode, let pages):
            let (memory, _) = try entry(mode, pages)
            return .inspected(expected.tally(UnsafeRawBufferPointer(memory.bytes), pages: pages, coherent: expected.client, stale: [expected.zeros]))
        case .done:
            let after = HardwareCounters.read(device: link.context.deviceName, port: link.options.port)
            return .done(counters: HardwareCounters.moved(from: countersBefore, to: after))
        }
    }

    private func entry(_ mode: RegistrationMode, _ pages: Int) throws(ODPKitError) -> (memory: AnonymousMemory, region: RegisteredRegion) {
        guard let entry = regions[mode], pages > 0, pages <= setup.pages else {
            throw ODPKitError(.invalidArgument, function: "odpkit peer serve", reason: "no \(mode) region of at least \(pages) page(s); set up: \(setup.modes) of \(setup.pages) pages")
        }
        return entry
    }

    /// Deregisters the regions, then closes the device; a second call does nothing.
    func close() {
        for (_, entry) in regions { try? entry.region.close() }
        regions = [:]
        try? link.close()
    }
}

extension PeerFaultProbe {
    /// Serves one client of `run(over:…)` on `channel` until it says `done`, on `device` (the first when nil).
    ///
    /// An error is sent to the client as `failed` before it is thrown here.
    public static func serve(_ channel: PeerChannel, device: String?) throws(ODPKitError) {
        let server: PeerFaultServer
        switch try channel.receive(PeerRequest.self) {
        case .setUp(let setup):
            server = try answering(channel) { () throws(ODPKitError) in try PeerFaultServer(setup, device: device) }
        case let other:
            try? channel.send(PeerReply.failed("expected setUp first, got \(other)"))
            throw ODPKitError(.invalidArgument, function: "odpkit peer serve", reason: "expected setUp from \(channel.peer) first, got \(other)")
        }
        defer { server.close() }
        try channel.send(PeerReply.ready(server.offer))
        while true {
            let request = try channel.receive(PeerRequest.self)
            let reply = try answering(channel) { () throws(ODPKitError) in try server.answer(request) }
            try channel.send(reply)
            if case .done = reply { return }
        }
    }

    /// `body`'s result; its error is sent to the client as `failed`, then thrown.
    private static func answering<Result>(_ channel: PeerChannel, _ body: () throws(ODPKitError) -> Result) throws(ODPKitError) -> Result {
        do throws(ODPKitError) {
            return try body()
        } catch {
            try? channel.send(PeerReply.failed(error.description))
            throw error
        }
    }
}
