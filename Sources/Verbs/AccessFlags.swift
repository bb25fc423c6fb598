import CODPKitVerbs

/// How a memory region may be accessed (`enum ibv_access_flags`).
public struct AccessFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let localWrite = AccessFlags(rawValue: Int32(IBV_ACCESS_LOCAL_WRITE.rawValue))
    public static let remoteWrite = AccessFlags(rawValue: Int32(IBV_ACCESS_REMOTE_WRITE.rawValue))
    public static let remoteRead = AccessFlags(rawValue: Int32(IBV_ACCESS_REMOTE_READ.rawValue))
    public static let remoteAtomic = AccessFlags(rawValue: Int32(IBV_ACCESS_REMOTE_ATOMIC.rawValue))
    public static let memoryWindowBind = AccessFlags(rawValue: Int32(IBV_ACCESS_MW_BIND.rawValue))
    public static let zeroBased = AccessFlags(rawValue: Int32(IBV_ACCESS_ZERO_BASED.rawValue))
    public static let onDemand = AccessFlags(rawValue: Int32(IBV_ACCESS_ON_DEMAND.rawValue))
    public static let hugeTLB = AccessFlags(rawValue: Int32(IBV_ACCESS_HUGETLB.rawValue))
    public static let relaxedOrdering = AccessFlags(rawValue: Int32(IBV_ACCESS_RELAXED_ORDERING.rawValue))

    /// Local write plus remote read and write: what the probes register with.
    public static let readWrite: AccessFlags = [.localWrite, .remoteRead, .remoteWrite]

    static let names: [(AccessFlags, String)] = [
        (.localWrite, "IBV_ACCESS_LOCAL_WRITE"), (.remoteWrite, "IBV_ACCESS_REMOTE_WRITE"),
        (.remoteRead, "IBV_ACCESS_REMOTE_READ"), (.remoteAtomic, "IBV_ACCESS_REMOTE_ATOMIC"),
        (.memoryWindowBind, "IBV_ACCESS_MW_BIND"), (.zeroBased, "IBV_ACCESS_ZERO_BASED"),
        (.onDemand, "IBV_ACCESS_ON_DEMAND"), (.hugeTLB, "IBV_ACCESS_HUGETLB"),
        (.relaxedOrdering, "IBV_ACCESS_RELAXED_ORDERING"),
    ]

    public var description: String {
        rawValue == 0 ? "none" : describeBits(rawValue, Self.names.map { ($0.0.rawValue, $0.1) }).joined(separator: "|")
    }

    /// Why `self` cannot be registered on a device with `attributes`, or nil when it can.
    ///
    /// Checked before `ibv_reg_mr`, which would fail with a bare EINVAL or EOPNOTSUPP.
    public func unsupportedReason(on attributes: DeviceAttributes, device: String) -> String? {
        if !intersection([.remoteWrite, .remoteAtomic]).isEmpty && !contains(.localWrite) {
            return "\(self) asks for remote write or atomic access without IBV_ACCESS_LOCAL_WRITE, which the verbs require with them"
        }
        if contains(.remoteAtomic) && attributes.atomicCapability == .none {
            return "IBV_ACCESS_REMOTE_ATOMIC needs atomic support; \(device) reports atomic_cap IBV_ATOMIC_NONE"
        }
        if contains(.memoryWindowBind) && attributes.maxMemoryWindows == 0 {
            return "IBV_ACCESS_MW_BIND needs memory windows; \(device) reports max_mw 0"
        }
        if contains(.onDemand) && !attributes.odp.general.contains(.supported) {
            return "IBV_ACCESS_ON_DEMAND needs IBV_ODP_SUPPORT in odp_caps.general_caps; \(device) reports 0x\(String(attributes.odp.general.rawValue, radix: 16))"
        }
        return nil
    }
}
