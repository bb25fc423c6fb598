public import ODPKit

#if canImport(Glibc)
import Glibc
#endif

/// Everything `odpkit devices` prints: the machine, then every device with its ports, GIDs and ODP bits.
public struct DeviceReport: Sendable, Codable {
    public struct Capability: Sendable, Codable {
        /// The raw bits, `0x…`.
        public var raw: String
        public var words: [String]
    }

    public struct ODP: Sendable, Codable {
        public var general: Capability
        public var rc: Capability
        public var uc: Capability
        public var ud: Capability
        public var xrc: Capability
    }

    public struct GIDRow: Sendable, Codable {
        public var index: Int
        public var gid: String
        public var type: String
        public var netdev: String?
    }

    public struct Port: Sendable, Codable {
        public var number: Int
        public var state: String
        public var linkLayer: String
        public var activeMTU: Int
        public var lid: Int
        public var gids: [GIDRow]
    }

    public struct Device: Sendable, Codable {
        public var name: String
        public var nodeGUID: String
        /// `rdma_rxe` or `siw` for a software device, nil for hardware.
        public var softwareDriver: String?
        public var software: Bool
        public var firmware: String
        public var vendorID: String
        public var ports: [Port]
        public var odp: ODP
    }

    /// The version of this JSON layout.
    public var schema = 1
    public var system: SystemInfo
    public var devices: [Device]

    /// Opens every device and reads what the report shows; throws `.noDevice` when there is none.
    public static func collect() throws(ODPKitError) -> DeviceReport {
        let descriptors = DeviceList.all()
        guard !descriptors.isEmpty else { throw DeviceList.noDeviceError }
        var devices: [Device] = []
        for descriptor in descriptors {
            let context = try Context(deviceNamed: descriptor.name)
            defer { try? context.close() }
            let ports = try ports(of: context)
            let attributes = context.attributes
            let odp = attributes.odp
            func capability(_ operations: ODPCapabilities.Operations) -> Capability {
                Capability(raw: hex(operations.rawValue), words: operations.words)
            }
            devices.append(Device(
                name: descriptor.name, nodeGUID: hex(descriptor.nodeGUID),
                softwareDriver: attributes.softwareDriver, software: attributes.softwareDriver != nil,
                firmware: attributes.firmwareVersion, vendorID: hex(attributes.vendorID), ports: ports,
                odp: ODP(
                    general: Capability(raw: hex(odp.general.rawValue), words: odp.general.words),
                    rc: capability(odp.rc), uc: capability(odp.uc), ud: capability(odp.ud), xrc: capability(odp.xrc)
                )
            ))
        }
        return DeviceReport(system: .current(), devices: devices)
    }

    /// The ports of an open device, each with its GID table.
    static func ports(of context: Context) throws(ODPKitError) -> [Port] {
        var ports: [Port] = []
        for port in try context.ports() {
            let gids = try context.gidTable(port: port.number).map { entry in
                GIDRow(index: entry.index, gid: entry.gid.description, type: entry.kind.rawValue, netdev: interfaceName(entry.interfaceIndex))
            }
            ports.append(Port(number: Int(port.number), state: port.state.rawValue, linkLayer: port.linkLayer.rawValue, activeMTU: port.activeMTUBytes, lid: Int(port.lid), gids: gids))
        }
        return ports
    }

    /// The report as text for a terminal.
    public var text: String {
        var lines = ["machine: \(system.summary)", "libibverbs: \(system.libibverbsPath) (rdma-core \(system.rdmaCore)), kernel \(system.kernel)"]
        for device in devices {
            let kind = device.softwareDriver.map { "software, \($0)" } ?? "hardware"
            lines.append("")
            lines.append("\(device.name)  (\(kind); node GUID \(device.nodeGUID), vendor \(device.vendorID), firmware \(device.firmware.isEmpty ? "-" : device.firmware))")
            for port in device.ports {
                lines.append("  port \(port.number): \(port.state), \(port.linkLayer), MTU \(port.activeMTU), LID \(port.lid)")
                for gid in port.gids {
                    lines.append("    GID[\(gid.index)] \(gid.gid)  \(gid.type)\(gid.netdev.map { "  \($0)" } ?? "")")
                }
            }
            lines.append("  ODP general: \(device.odp.general.raw) \(describe(device.odp.general.words))")
            for (name, capability) in [("RC", device.odp.rc), ("UC", device.odp.uc), ("UD", device.odp.ud), ("XRC", device.odp.xrc)] {
                lines.append("  ODP \(padded(name, to: 3)):     \(capability.raw) \(describe(capability.words))")
            }
        }
        return lines.joined(separator: "\n")
    }

    private func describe(_ words: [String]) -> String {
        words.isEmpty ? "(none)" : "(\(words.joined(separator: " ")))"
    }
}

private func hex<T: BinaryInteger>(_ value: T) -> String { "0x" + String(value, radix: 16) }

/// The name of network interface `index` (`if_indextoname`), nil for 0 or an unknown index.
private func interfaceName(_ index: UInt32) -> String? {
    guard index != 0 else { return nil }
    var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
    guard if_indextoname(index, &buffer) != nil else { return nil }
    return string(fromCBuffer: buffer)
}
