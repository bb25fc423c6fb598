import CODPKitVerbs
import SystemPackage
public import ODPKitSystem

/// An open RDMA device (`struct ibv_context`): the root of every other verbs object.
///
/// Protection domains and completion queues keep their context alive; `close()` closes them first.
public final class Context: VerbsResource {
    /// The device's name (`rxe0`).
    public let deviceName: String
    /// The device's attributes, queried once when it was opened.
    public let attributes: DeviceAttributes

    private(set) var handle: UnsafeMutablePointer<ibv_context>?
    let children = Children()

    /// Opens the device named `name`, or the first device when `name` is nil.
    ///
    /// The corresponding C functions are `ibv_get_device_list`, `ibv_open_device` and `ibv_query_device_ex`.
    public init(deviceNamed name: String? = nil) throws(ODPKitError) {
        let opened = try DeviceList.withDeviceList { devices throws(ODPKitError) -> (UnsafeMutablePointer<ibv_context>, String) in
            guard !devices.isEmpty else { throw DeviceList.noDeviceError }
            let names = devices.map { String(cString: ibv_get_device_name($0)) }
            let index: Int
            if let name {
                guard let found = names.firstIndex(of: name) else {
                    throw ODPKitError(.notFound, function: "ibv_get_device_list", reason: "no RDMA device named \(name); present: \(names.joined(separator: ", "))")
                }
                index = found
            } else {
                index = 0
            }
            let context = try nonNull("ibv_open_device", ibv_open_device(devices[index]), reason: "cannot open \(names[index])")
            return (context, names[index])
        }
        var attr = ibv_device_attr_ex()
        let rc = ibv_query_device_ex(opened.0, nil, &attr)
        guard rc == 0 else {
            ibv_close_device(opened.0)
            throw ODPKitError.call("ibv_query_device_ex", errno: Errno(rawValue: rc), reason: "cannot query \(opened.1)")
        }
        handle = opened.0
        deviceName = opened.1
        attributes = DeviceAttributes(attr)
    }

    deinit {
        try? close()
    }

    /// The live handle, or the use-after-close error.
    func live(_ function: String) throws(ODPKitError) -> UnsafeMutablePointer<ibv_context> {
        guard let handle else { throw useAfterClose("device context \(deviceName)", function: function) }
        return handle
    }

    /// Queries port `number` (1-based).
    ///
    /// The corresponding C function is `ibv_query_port`.
    public func port(_ number: UInt8) throws(ODPKitError) -> PortAttributes {
        let context = try live("ibv_query_port")
        var attr = ibv_port_attr()
        try checkVerbs("ibv_query_port", odpkit_ibv_query_port(context, number, &attr), reason: "cannot query port \(number) of \(deviceName)")
        return PortAttributes(number: number, attr)
    }

    /// Every port of the device.
    public func ports() throws(ODPKitError) -> [PortAttributes] {
        var result: [PortAttributes] = []
        for number in 1...max(1, attributes.physicalPortCount) {
            result.append(try port(UInt8(number)))
        }
        return result
    }

    /// The valid (non-empty) entries of a port's GID table.
    ///
    /// The corresponding C function is `ibv_query_gid_ex`; indices it answers with ENODATA are empty.
    public func gidTable(port number: UInt8) throws(ODPKitError) -> [GIDEntry] {
        let context = try live("ibv_query_gid_ex")
        let length = try port(number).gidTableLength
        var entries: [GIDEntry] = []
        for index in 0..<length {
            var entry = ibv_gid_entry()
            guard odpkit_ibv_query_gid_ex(context, UInt32(number), UInt32(index), &entry) == 0 else { continue }
            let gid = GID(entry.gid)
            guard !gid.isZero else { continue }
            let kind: GIDEntry.Kind = switch entry.gid_type {
            case UInt32(IBV_GID_TYPE_ROCE_V1.rawValue): .roceV1
            case UInt32(IBV_GID_TYPE_ROCE_V2.rawValue): .roceV2
            default: .ib
            }
            entries.append(GIDEntry(index: index, gid: gid, kind: kind, interfaceIndex: entry.ndev_ifindex))
        }
        return entries
    }

    /// Closes the device after its live children (protection domains, completion queues).
    ///
    /// The corresponding C function is `ibv_close_device`. A second call does nothing.
    public func close() throws(ODPKitError) {
        guard let context = handle else { return }
        handle = nil
        try closeChildren(children.takeAll(), thenDestroy: "ibv_close_device") { ibv_close_device(context) }
    }
}
