public import ODPKit

/// What the two-host fault probe measured: raw per-sample times for each (mode, pages, READ or WRITE),
/// with the connection settings and the hosts they were measured between.
public struct PeerFaultResult: Sendable, Codable {
    /// One mode, page count and access: a sample per round, in the order measured.
    public struct Cell: Sendable, Codable {
        public var mode: RegistrationMode
        public var pages: Int
        public var access: NICAccess
        /// One RDMA READ or WRITE of the pages right after the server dropped them: post to last
        /// completion, in nanoseconds (ODP: the remote fault is in it).
        public var faulted: [UInt64] = []
        /// The same access again right after: present pages.
        public var warm: [UInt64] = []
        /// The server's drop as it timed it: `madvise(MADV_DONTNEED)`, plus a mirror region's re-pin.
        public var drop: [UInt64] = []
        /// After the drop, over all samples. READ: pages read as the server's CPU sees them (zeros) or
        /// holding the data from before the drop (stale). WRITE: pages where the server's CPU sees the
        /// write, or still zeros (stale: the write went to the old pages).
        public var pagesSeen = PageTally()

        public init(mode: RegistrationMode, pages: Int, access: NICAccess) {
            self.mode = mode
            self.pages = pages
            self.access = access
        }
    }

    public var cells: [Cell]
    /// Samples per cell (after one warm-up round that is not recorded).
    public var samples: Int
    /// How both queue pairs were connected: RNR retry, minimal RNR timer, ACK timeout, retry count.
    public var connection: ConnectionOptions
    public var client: PeerHost
    public var server: PeerHost
    /// The server's TCP address.
    public var serverAddress: String
    /// Hardware counters of each device that moved during the run (RNR NAKs, retries, packets); nil
    /// where that host's sysfs shows none (see `HardwareCounters`).
    public var clientCounters: [String: UInt64]?
    public var serverCounters: [String: UInt64]?
}

/// Count, minimum, median, 99th percentile and maximum of raw samples (nearest rank).
public struct SampleSummary: Sendable, Hashable {
    public var count: Int
    public var min: UInt64
    public var p50: UInt64
    public var p99: UInt64
    public var max: UInt64

    /// Nil for no samples.
    public init?(_ samples: [UInt64]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        func rank(_ percent: Double) -> UInt64 {
            sorted[Swift.max(0, Int((percent / 100 * Double(sorted.count)).rounded(.up)) - 1)]
        }
        count = sorted.count
        min = sorted[0]
        p50 = rank(50)
        p99 = rank(99)
        max = sorted[sorted.count - 1]
    }
}
