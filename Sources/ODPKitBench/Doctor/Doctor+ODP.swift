import ODPKit

extension Doctor {
    /// ODP on the device: the general bit, each transport's operations, and two trials — an implicit
    /// ODP registration and `ibv_advise_mr` prefetch on a small ODP region.
    func odpFindings(_ context: Context) -> [DoctorFinding] {
        let odp = context.attributes.odp
        let general = "general caps 0x\(String(odp.general.rawValue, radix: 16))" + (odp.general.isEmpty ? "" : " (\(odp.general.words.joined(separator: " ")))")
        guard odp.general.contains(.supported) else {
            return [.fail("odp", "IBV_ODP_SUPPORT not set: \(general)",
                          action: "register pinned or mirror; ODP needs a NIC and driver that offer it (`odpkit devices` shows the bits)", blocks: [.odp])]
        }
        var findings = [DoctorFinding.ok("odp", "IBV_ODP_SUPPORT: \(general)")]
        findings += Transport.allCases.map { Self.transportFinding($0, context.attributes, device: context.deviceName) }
        do throws(ODPKitError) {
            let pd = try ProtectionDomain(context: context)
            defer { try? pd.close() }
            findings.append(Self.implicitFinding(advertised: odp.general.contains(.implicit), pd: pd))
            findings.append(Self.prefetchFinding(pd: pd))
        } catch {
            findings.append(.fail("odp.trials", error.description, action: "check the device with `ibv_devinfo -d \(context.deviceName)`", blocks: RegistrationMode.allCases))
        }
        return findings
    }

    /// The operations a transport may fault on. odpkit's ODP regions are used over RC with local write
    /// and remote read and write (`ODPRequirement`): the ODP mode fails without those bits on RC; a
    /// transport without any bit warns.
    static func transportFinding(_ transport: Transport, _ attributes: DeviceAttributes, device: String) -> DoctorFinding {
        let check = "odp.\(transport.rawValue)"
        let operations = attributes.odp.operations(on: transport)
        let found = "0x\(String(operations.rawValue, radix: 16)) " + (operations.isEmpty ? "(none)" : "(\(operations.words.joined(separator: " ")))")
        if transport == .rc {
            do throws(ODPKitError) {
                try ODPRequirement.check(attributes, device: device, access: .readWrite, transport: .rc)
            } catch {
                return .fail(check, found, action: error.reason, blocks: [.odp])
            }
            let needed = ODPRequirement.operations(for: .readWrite, on: .rc)
            return .ok(check, found + "; odpkit's ODP regions need \(needed.words.joined(separator: " "))")
        }
        guard !operations.isEmpty else {
            return .warn(check, found, action: "\(transport) queue pairs cannot fault in ODP pages on \(device); use RC (odpkit does) or pinned memory")
        }
        return .ok(check, found)
    }

    /// Implicit ODP (one region over the whole address space): the capability bit, and a registration tried.
    static func implicitFinding(advertised: Bool, pd: ProtectionDomain) -> DoctorFinding {
        let bit = advertised ? "IBV_ODP_SUPPORT_IMPLICIT set" : "IBV_ODP_SUPPORT_IMPLICIT not set"
        do throws(ODPKitError) {
            try pd.registerImplicitODPOnce()
        } catch {
            let errno = error.errno.map(\.symbolicName) ?? error.code.name
            return .warn("odp.implicit", "not supported: \(bit), and registering the whole address space failed with \(errno)",
                         action: "register explicit ODP ranges (odpkit does); implicit ODP needs a NIC and driver that offer it")
        }
        return advertised
            ? .ok("odp.implicit", "supported: \(bit), and an implicit ODP region registered and deregistered")
            : .warn("odp.implicit", "\(bit), yet an implicit ODP region registered", action: "the device does more than its capability bits say; rely on explicit ODP ranges")
    }

    /// `ibv_advise_mr` prefetch, for reading and for writing and waited for (`IBV_ADVISE_MR_FLAG_FLUSH`),
    /// on a one-page ODP region: what the report's prefetch cells call.
    static func prefetchFinding(pd: ProtectionDomain) -> DoctorFinding {
        do throws(ODPKitError) {
            let memory = try AnonymousMemory(length: pageSize)
            let region = try pd.registerMemory(address: memory.baseAddress, length: memory.length, access: AccessFlags.readWrite.union(.onDemand))
            defer { try? region.close() }
            for advice in MemoryRegion.Prefetch.allCases {
                try region.prefetch(advice, wait: true)
            }
        } catch {
            let errno = error.errno.map(\.symbolicName) ?? error.code.name
            return .warn("odp.prefetch", "ibv_advise_mr failed with \(errno): \(error.reason)",
                         action: "the report's prefetch cells will record the failure: pass --no-prefetch, or use rdma-core 59 or later (rxe's ibv_advise_mr)")
        }
        return .ok("odp.prefetch", "ibv_advise_mr PREFETCH and PREFETCH_WRITE with FLUSH on a \(pageSize)-byte ODP region returned 0")
    }
}
