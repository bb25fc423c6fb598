public import ODPKit

/// What the fault probe's client asks its server, in order: `setUp` once, then `drop` and `inspect` as
/// often as it measures, then `done`.
public enum PeerRequest: Sendable, Hashable, Codable {
    /// Register a region in each mode and connect to the client's queue pair.
    case setUp(PeerSetup)
    /// Fill the first `pages` pages of the `mode` region with the server's pattern, then drop them with
    /// `change` (one of `PeerFaultProbe.changes`: either way the CPU then sees zeros there); a mirror
    /// region re-pins them before the answer.
    case drop(mode: RegistrationMode, change: MappingChange, pages: Int)
    /// Say which of the first `pages` pages of the `mode` region the CPU sees holding the client's pattern.
    case inspect(mode: RegistrationMode, pages: Int)
    /// The end: the server answers with its device's counters and closes.
    case done
}

/// The server's answer to each `PeerRequest`, or `failed` with its error.
public enum PeerReply: Sendable, Hashable, Codable {
    /// To `setUp`: the server's queue pair, connected to the client's, and its regions.
    case ready(PeerOffer)
    /// To `drop`: where the dropped pages are now reachable, and how long the server took
    /// (the change, plus the re-pin of a mirror region), in nanoseconds.
    case dropped(segments: [PeerSegment], nanoseconds: UInt64)
    /// To `inspect`: the pages, as the server's CPU sees them.
    case inspected(PageTally)
    /// To `done`: how the server's device counters moved since `setUp` (nil: it cannot read them).
    case done(counters: [String: UInt64]?)
    /// The server could not do what was asked; the text is its error.
    case failed(String)
}

/// The client's queue pair and what the server should register.
public struct PeerSetup: Sendable, Hashable, Codable {
    public var endpoint: QueuePairEndpoint
    public var modes: [RegistrationMode]
    /// Each region's length in pages.
    public var pages: Int
    /// How both queue pairs are connected (the server picks its own GID index).
    public var options: ConnectionOptions

    public init(endpoint: QueuePairEndpoint, modes: [RegistrationMode], pages: Int, options: ConnectionOptions) {
        self.endpoint = endpoint
        self.modes = modes
        self.pages = pages
        self.options = options
    }
}

/// The server's side of a connection: its queue pair, device and regions.
public struct PeerOffer: Sendable, Hashable, Codable {
    public var endpoint: QueuePairEndpoint
    public var host: PeerHost
    public var pageSize: Int
    /// One per mode asked for, in the order asked.
    public var regions: [PeerRegion]
}

/// Where one host of the probe runs: its device, the GID index it sends from, and its machine.
public struct PeerHost: Sendable, Hashable, Codable {
    public var device: String
    public var gidIndex: Int?
    /// `SystemInfo.summary`: the testbed label inside the testbed.
    public var system: String
}

/// A registered region as the peer reaches it.
public struct PeerRegion: Sendable, Hashable, Codable {
    public var mode: RegistrationMode
    /// One per memory region the range spans (a mirror region: one per chunk).
    public var segments: [PeerSegment]
}

/// One piece of a region reachable by one work request.
public struct PeerSegment: Sendable, Hashable, Codable {
    /// Where the piece starts, in bytes from the start of the region.
    public var offset: Int
    public var remote: RemoteBuffer

    public init(offset: Int, remote: RemoteBuffer) {
        self.offset = offset
        self.remote = remote
    }

    init(_ segment: RegionSegment) {
        self.init(offset: segment.offset, remote: segment.remote)
    }
}

/// Pages sorted by what they held after a drop: what the server's CPU sees (coherent), the data from
/// before the drop (stale), or anything else.
public struct PageTally: Sendable, Hashable, Codable, CustomStringConvertible {
    public var coherent = 0
    public var stale = 0
    public var other = 0

    public init() {}

    public static func += (total: inout PageTally, more: PageTally) {
        total.coherent += more.coherent
        total.stale += more.stale
        total.other += more.other
    }

    public var description: String { "\(coherent)/\(stale)/\(other)" }
}
