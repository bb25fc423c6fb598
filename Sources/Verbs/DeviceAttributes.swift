import CODPKitVerbs
import ODPKitSystem

/// What `ibv_query_device_ex` reports about a device, the parts odpkit uses.
public struct DeviceAttributes: Sendable, Hashable {
    /// How a device supports atomic operations (`enum ibv_atomic_cap`).
    public enum AtomicCapability: String, Sendable {
        case none, hca, global
    }

    public var firmwareVersion: String
    public var vendorID: UInt32
    public var vendorPartID: UInt32
    public var physicalPortCount: Int
    public var maxMemoryRegionSize: UInt64
    /// How many memory regions the device holds at once (`max_mr`).
    public var maxMemoryRegions: Int
    public var maxQueuePairs: Int
    public var maxQueuePairWorkRequests: Int
    public var maxCompletionQueueEntries: Int
    public var maxMemoryWindows: Int
    public var maxOutstandingReads: Int
    public var atomicCapability: AtomicCapability
    public var odp: ODPCapabilities

    public init(
        firmwareVersion: String = "", vendorID: UInt32 = 0, vendorPartID: UInt32 = 0, physicalPortCount: Int = 1,
        maxMemoryRegionSize: UInt64 = .max, maxMemoryRegions: Int = .max, maxQueuePairs: Int = 1, maxQueuePairWorkRequests: Int = 1,
        maxCompletionQueueEntries: Int = 1, maxMemoryWindows: Int = 0, maxOutstandingReads: Int = 1,
        atomicCapability: AtomicCapability = .none, odp: ODPCapabilities
    ) {
        self.firmwareVersion = firmwareVersion
        self.vendorID = vendorID
        self.vendorPartID = vendorPartID
        self.physicalPortCount = physicalPortCount
        self.maxMemoryRegionSize = maxMemoryRegionSize
        self.maxMemoryRegions = maxMemoryRegions
        self.maxQueuePairs = maxQueuePairs
        self.maxQueuePairWorkRequests = maxQueuePairWorkRequests
        self.maxCompletionQueueEntries = maxCompletionQueueEntries
        self.maxMemoryWindows = maxMemoryWindows
        self.maxOutstandingReads = maxOutstandingReads
        self.atomicCapability = atomicCapability
        self.odp = odp
    }

    init(_ attr: ibv_device_attr_ex) {
        let orig = attr.orig_attr
        let atomic: AtomicCapability = switch orig.atomic_cap {
        case IBV_ATOMIC_HCA: .hca
        case IBV_ATOMIC_GLOB: .global
        default: .none
        }
        self.init(
            firmwareVersion: string(fromCCharTuple: orig.fw_ver),
            vendorID: orig.vendor_id,
            vendorPartID: orig.vendor_part_id,
            physicalPortCount: Int(orig.phys_port_cnt),
            maxMemoryRegionSize: orig.max_mr_size,
            maxMemoryRegions: Int(orig.max_mr),
            maxQueuePairs: Int(orig.max_qp),
            maxQueuePairWorkRequests: Int(orig.max_qp_wr),
            maxCompletionQueueEntries: Int(orig.max_cqe),
            maxMemoryWindows: Int(orig.max_mw),
            maxOutstandingReads: Int(orig.max_qp_rd_atom),
            atomicCapability: atomic,
            odp: ODPCapabilities(
                general: .init(rawValue: attr.odp_caps.general_caps),
                rc: .init(rawValue: attr.odp_caps.per_transport_caps.rc_odp_caps),
                uc: .init(rawValue: attr.odp_caps.per_transport_caps.uc_odp_caps),
                ud: .init(rawValue: attr.odp_caps.per_transport_caps.ud_odp_caps),
                xrc: .init(rawValue: attr.xrc_odp_caps)
            )
        )
    }

    /// The software RDMA driver behind this device, known by its vendor ID, or nil for hardware.
    public var softwareDriver: String? {
        switch vendorID {
        case 0xFFFFFF: "rdma_rxe"  // RXE_VENDOR_ID
        case 0x626d74: "siw"  // SIW_VENDOR_ID, "bmt"
        default: nil
        }
    }
}
