import CODPKitVerbs

/// What On-Demand Paging a device supports, from `ibv_device_attr_ex.odp_caps` and `xrc_odp_caps`.
public struct ODPCapabilities: Sendable, Hashable {
    /// Device-wide ODP bits (`enum ibv_odp_general_caps`).
    public struct General: OptionSet, Sendable, Hashable {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }

        /// `IBV_ODP_SUPPORT`: memory regions may be registered with `IBV_ACCESS_ON_DEMAND`.
        public static let supported = General(rawValue: UInt64(IBV_ODP_SUPPORT.rawValue))
        /// `IBV_ODP_SUPPORT_IMPLICIT`: one ODP region may cover the whole address space.
        public static let implicit = General(rawValue: UInt64(IBV_ODP_SUPPORT_IMPLICIT.rawValue))

        static let names: [(General, String, String)] = [
            (.supported, "supported", "IBV_ODP_SUPPORT"),
            (.implicit, "implicit", "IBV_ODP_SUPPORT_IMPLICIT"),
        ]
    }

    /// Per-transport ODP bits (`enum ibv_odp_transport_cap_bits`): which operations may fault.
    public struct Operations: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let send = Operations(rawValue: IBV_ODP_SUPPORT_SEND.rawValue)
        public static let receive = Operations(rawValue: IBV_ODP_SUPPORT_RECV.rawValue)
        public static let write = Operations(rawValue: IBV_ODP_SUPPORT_WRITE.rawValue)
        public static let read = Operations(rawValue: IBV_ODP_SUPPORT_READ.rawValue)
        public static let atomic = Operations(rawValue: IBV_ODP_SUPPORT_ATOMIC.rawValue)
        public static let srqReceive = Operations(rawValue: IBV_ODP_SUPPORT_SRQ_RECV.rawValue)
        /// Bit 6 (`IBV_ODP_SUPPORT_FLUSH` in newer rdma-core than this package may build against).
        public static let flush = Operations(rawValue: 1 << 6)
        /// Bit 7 (`IBV_ODP_SUPPORT_ATOMIC_WRITE` in newer rdma-core).
        public static let atomicWrite = Operations(rawValue: 1 << 7)

        static let names: [(Operations, String, String)] = [
            (.send, "send", "IBV_ODP_SUPPORT_SEND"),
            (.receive, "recv", "IBV_ODP_SUPPORT_RECV"),
            (.write, "write", "IBV_ODP_SUPPORT_WRITE"),
            (.read, "read", "IBV_ODP_SUPPORT_READ"),
            (.atomic, "atomic", "IBV_ODP_SUPPORT_ATOMIC"),
            (.srqReceive, "srq-recv", "IBV_ODP_SUPPORT_SRQ_RECV"),
            (.flush, "flush", "IBV_ODP_SUPPORT_FLUSH"),
            (.atomicWrite, "atomic-write", "IBV_ODP_SUPPORT_ATOMIC_WRITE"),
        ]

        /// The C names of the bits in `self`, unknown bits as `bit N`.
        public var cNames: [String] { describeBits(rawValue, Self.names.map { ($0.0.rawValue, $0.2) }) }
        /// Short words for the bits in `self` (`read write`), unknown bits as `bit N`.
        public var words: [String] { describeBits(rawValue, Self.names.map { ($0.0.rawValue, $0.1) }) }
    }

    public var general: General
    public var rc: Operations
    public var uc: Operations
    public var ud: Operations
    public var xrc: Operations

    public init(general: General, rc: Operations, uc: Operations, ud: Operations, xrc: Operations) {
        self.general = general
        self.rc = rc
        self.uc = uc
        self.ud = ud
        self.xrc = xrc
    }

    /// The operations a transport may fault on.
    public func operations(on transport: Transport) -> Operations {
        switch transport {
        case .rc: rc
        case .uc: uc
        case .ud: ud
        case .xrc: xrc
        }
    }
}

extension ODPCapabilities.General {
    /// Short words for the bits in `self`, unknown bits as `bit N`.
    public var words: [String] { describeBits(rawValue, Self.names.map { ($0.0.rawValue, $0.1) }) }
}

/// Names each set bit of `raw` from `names`; a bit with no name becomes `bit N`.
func describeBits<T: FixedWidthInteger>(_ raw: T, _ names: [(T, String)]) -> [String] {
    (0..<T.bitWidth).compactMap { bit -> String? in
        let mask: T = 1 << bit
        guard raw & mask != 0 else { return nil }
        return names.first { $0.0 == mask }?.1 ?? "bit \(bit)"
    }
}

/// An RDMA transport service, as ODP capabilities and queue pairs distinguish them.
public enum Transport: String, Sendable, CaseIterable, CustomStringConvertible {
    case rc, uc, ud, xrc
    public var description: String { rawValue.uppercased() }
    /// The field of `struct ibv_device_attr_ex` that holds this transport's ODP bits.
    public var odpCapabilityField: String {
        self == .xrc ? "xrc_odp_caps" : "odp_caps.per_transport_caps.\(rawValue)_odp_caps"
    }
}
