public import Verbs

/// Which ODP capability bits a region needs on a transport, and the error when the device lacks them.
public enum ODPRequirement {
    /// The operations a region with `access` may see on `transport`, as ODP capability bits.
    public static func operations(for access: AccessFlags, on transport: Transport) -> ODPCapabilities.Operations {
        var needed: ODPCapabilities.Operations = [.send]
        if access.contains(.localWrite) { needed.insert(.receive) }
        switch transport {
        case .rc, .xrc:
            if access.contains(.remoteRead) { needed.insert(.read) }
            if access.contains(.remoteWrite) { needed.insert(.write) }
            if access.contains(.remoteAtomic) { needed.insert(.atomic) }
        case .uc:
            if access.contains(.remoteWrite) { needed.insert(.write) }
        case .ud:
            break
        }
        return needed
    }

    /// Throws `.unsupported`, naming each missing capability bit, unless `device` can fault such a region.
    public static func check(_ attributes: DeviceAttributes, device: String, access: AccessFlags, transport: Transport) throws(ODPKitError) {
        guard attributes.odp.general.contains(.supported) else {
            throw ODPKitError(
                .unsupported, function: "odpkit ODP check",
                reason: "\(device) has no On-Demand Paging: IBV_ODP_SUPPORT is not set in odp_caps.general_caps (0x\(String(attributes.odp.general.rawValue, radix: 16)))"
            )
        }
        let needed = operations(for: access, on: transport)
        let present = attributes.odp.operations(on: transport)
        let missing = needed.subtracting(present)
        guard missing.isEmpty else {
            throw ODPKitError(
                .unsupported, function: "odpkit ODP check",
                reason: "ODP over \(transport) with \(access) needs \(missing.cNames.joined(separator: ", ")) in \(transport.odpCapabilityField); \(device) reports 0x\(String(present.rawValue, radix: 16))" + (present.isEmpty ? " (none)" : " (\(present.words.joined(separator: " ")))")
            )
        }
    }
}
