import ODPKit

extension Doctor {
    /// The RDMA devices present; every mode fails without one.
    static func devicesFinding(_ descriptors: [DeviceDescriptor]) -> DoctorFinding {
        guard !descriptors.isEmpty else {
            return .fail("devices", "ibv_get_device_list lists none; the device's checks and the trials were left out",
                         action: DeviceList.noDeviceError.reason, blocks: RegistrationMode.allCases)
        }
        return .ok("devices", "\(descriptors.count): \(descriptors.map(\.name).joined(separator: ", "))")
    }

    /// The device itself, each of its ports, and its memory-region limits against a region of `regionBytes`.
    func deviceFindings(_ context: Context) -> [DoctorFinding] {
        let attributes = context.attributes
        let kind = attributes.softwareDriver.map { "software (\($0))" } ?? "hardware"
        let firmware = attributes.firmwareVersion.isEmpty ? "-" : attributes.firmwareVersion
        var findings = [DoctorFinding.ok("device", "\(context.deviceName): \(kind), vendor 0x\(String(attributes.vendorID, radix: 16)), firmware \(firmware), \(attributes.physicalPortCount) port(s)")]
        do throws(ODPKitError) {
            findings += try DeviceReport.ports(of: context).map { Self.portFinding($0, softwareDriver: attributes.softwareDriver) }
        } catch {
            findings.append(.fail("ports", error.description, action: "check the device with `ibv_devinfo -d \(context.deviceName)`", blocks: RegistrationMode.allCases))
        }
        findings.append(memoryRegionLimitFinding(attributes, device: context.deviceName))
        return findings
    }

    /// A port: its state, link layer, active MTU and GIDs. odpkit's queue pairs use port 1
    /// (`ConnectionOptions.port`): every mode fails when it cannot carry traffic; another port only warns.
    static func portFinding(_ port: DeviceReport.Port, softwareDriver: String?) -> DoctorFinding {
        let check = "port.\(port.number)"
        let shown = port.gids.prefix(4).map { "[\($0.index)] \($0.gid) \($0.type)\($0.netdev.map { " \($0)" } ?? "")" }
        let gids = port.gids.isEmpty ? "no GID" : "GIDs " + shown.joined(separator: ", ") + (port.gids.count > 4 ? " and \(port.gids.count - 4) more" : "")
        let found = "\(port.state), \(port.linkLayer), active MTU \(port.activeMTU), LID \(port.lid), \(gids)"
        var problem: String?
        if port.state != PortAttributes.State.active.rawValue {
            problem = "the port is not ACTIVE: bring its link up (`rdma link show`; for RoCE `ip link set <netdev> up`; for InfiniBand a subnet manager)"
        } else if port.linkLayer == PortAttributes.LinkLayer.ethernet.rawValue && port.gids.isEmpty {
            problem = "a RoCE port needs a GID: give its netdev an address (`ip addr add … dev <netdev>`)"
        } else if port.linkLayer == PortAttributes.LinkLayer.infiniband.rawValue && port.lid == 0 {
            problem = "an InfiniBand port needs a LID: run a subnet manager (opensm)"
        }
        if let problem {
            guard port.number == Int(ConnectionOptions().port) else { return .warn(check, found, action: problem) }
            return .fail(check, found, action: problem + "; odpkit uses port 1", blocks: RegistrationMode.allCases)
        }
        if softwareDriver == "rdma_rxe" && port.activeMTU < pageSize {
            return .warn(check, found, action: "rxe's ODP copy ignores where in a page a packet starts: with an MTU below the page size (\(pageSize)) ODP accesses above \(port.activeMTU) bytes move wrong bytes; give the netdev an MTU of 9000")
        }
        return .ok(check, found)
    }

    /// `max_mr` against the memory regions a mirror region of `regionBytes` needs (`MirrorRegion.checkDeviceLimits`),
    /// and `max_mr_size` against a pinned or ODP region of that size.
    func memoryRegionLimitFinding(_ attributes: DeviceAttributes, device: String) -> DoctorFinding {
        let found = "max_mr \(attributes.maxMemoryRegions), max_mr_size 0x\(String(attributes.maxMemoryRegionSize, radix: 16)); a mirror region of \(byteText(UInt64(regionBytes))) is \(chunks) chunks of \(byteText(UInt64(chunkBytes))) (\(chunks + 1) memory regions while one is re-registered)"
        var actions: [String] = []
        var blocks: [RegistrationMode] = []
        do throws(ODPKitError) {
            try MirrorRegion.checkDeviceLimits(attributes, length: regionBytes, chunkSize: chunkBytes, device: device)
        } catch {
            actions.append(error.reason)
            blocks.append(.mirror)
        }
        if UInt64(regionBytes) > attributes.maxMemoryRegionSize {
            actions.append("a pinned or ODP region of \(byteText(UInt64(regionBytes))) exceeds max_mr_size: measure smaller regions (--max-region-mib)")
            blocks = [.pinned, .odp] + blocks
        }
        guard !blocks.isEmpty else { return .ok("mr-limits", found) }
        return .fail("mr-limits", found, action: actions.joined(separator: "; "), blocks: blocks)
    }
}
