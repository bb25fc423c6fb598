import CODPKitVerbs

/// What `ibv_query_port` reports about a port, the parts odpkit uses.
public struct PortAttributes: Sendable, Hashable {
    /// A port's logical state (`enum ibv_port_state`).
    public enum State: String, Sendable {
        case down = "DOWN", initializing = "INIT", armed = "ARMED", active = "ACTIVE", activeDeferred = "ACTIVE_DEFER", unknown = "NOP"
    }

    /// The link layer under a port.
    public enum LinkLayer: String, Sendable {
        case infiniband = "InfiniBand", ethernet = "Ethernet", unknown = "unknown"
    }

    public var number: UInt8
    public var state: State
    public var linkLayer: LinkLayer
    public var lid: UInt16
    /// The active path MTU (`enum ibv_mtu`), as the raw value a QP's `path_mtu` takes.
    var activeMTU: ibv_mtu
    public var gidTableLength: Int

    /// The active path MTU in bytes.
    public var activeMTUBytes: Int { 128 << Int(activeMTU.rawValue) }

    init(number: UInt8, _ attr: ibv_port_attr) {
        self.number = number
        state = switch attr.state {
        case IBV_PORT_DOWN: .down
        case IBV_PORT_INIT: .initializing
        case IBV_PORT_ARMED: .armed
        case IBV_PORT_ACTIVE: .active
        case IBV_PORT_ACTIVE_DEFER: .activeDeferred
        default: .unknown
        }
        linkLayer = switch Int32(attr.link_layer) {
        case Int32(IBV_LINK_LAYER_INFINIBAND): .infiniband
        case Int32(IBV_LINK_LAYER_ETHERNET): .ethernet
        default: .unknown
        }
        lid = attr.lid
        activeMTU = attr.active_mtu
        gidTableLength = Int(attr.gid_tbl_len)
    }
}
