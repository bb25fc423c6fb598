import ODPKit
import ODPKitReport

/// `odpkit doctor`: checks what each registration mode needs here — the device and its ports, ODP,
/// the memory-region and memlock limits for a region of `regionBytes`, userfaultfd, the fork mode,
/// huge pages, `vm.max_map_count`, the CPU — one finding each, then registers a small region in each
/// mode and reads it back through the NIC, and says which modes can run.
public struct Doctor: Sendable {
    /// The device to check; nil checks the first one.
    public var device: String?
    /// The region the memlock, `max_mr` and `vm.max_map_count` checks are made for: by default the
    /// report's largest registration.
    public var regionBytes = LatencySuite().registrationMaximum
    /// The mirror's chunk.
    public var chunkBytes = MirrorRegion.defaultChunkSize
    /// What a report keeps pinned beside its regions, in every mode (`LatencySuite.stagingBytes`).
    public var stagingBytes = LatencySuite().stagingBytes

    public init(device: String? = nil) {
        self.device = device
    }

    /// Runs every check. Without any RDMA device the checks of the machine still run, and the report's
    /// exit status is 2.
    public func run() -> DoctorReport {
        let descriptors = DeviceList.all()
        var findings = [Self.devicesFinding(descriptors)]
        var checked: String?
        if !descriptors.isEmpty {
            do throws(ODPKitError) {
                let context = try Context(deviceNamed: device)
                checked = context.deviceName
                findings += deviceFindings(context)
                findings += odpFindings(context)
                try? context.close()
            } catch {
                findings.append(.fail("device", error.reason, action: "name one of the devices present with --device", blocks: RegistrationMode.allCases))
            }
        }
        findings.append(memoryLockFinding(.current))
        findings += Self.userFaultFindings()
        if !descriptors.isEmpty { findings.append(Self.forkFinding(TestbedLabel.forkMode())) }
        findings += [Self.transparentHugePagesFinding(), Self.hugeTLBFinding(), mapCountFinding(),
                     Self.cpuFinding(.current(), testbedLabel: SystemInfo.current().testbedLabel)]
        // The modes nothing has stopped yet are tried on the device itself.
        if let checked {
            let blocked = Set(findings.flatMap(\.blocks))
            findings += trialFindings(device: checked, modes: RegistrationMode.allCases.filter { !blocked.contains($0) })
        }
        return DoctorReport(device: checked, regionBytes: regionBytes, chunkBytes: chunkBytes, system: .current(),
                            findings: findings, devicePresent: !descriptors.isEmpty)
    }

    /// The mirror chunks a region of `regionBytes` is cut into.
    var chunks: Int { (regionBytes + chunkBytes - 1) / chunkBytes }
}

/// `bytes` for a reader: whole or hundredths of MiB from 1 MiB on, else KiB or bytes.
func byteText(_ bytes: UInt64) -> String {
    let mebibyte: UInt64 = 1 << 20
    guard bytes >= mebibyte else { return bytes % 1024 == 0 ? "\(bytes / 1024) KiB" : "\(bytes) bytes" }
    var whole = bytes / mebibyte
    var hundredths = (bytes % mebibyte * 100 + mebibyte / 2) / mebibyte
    if hundredths == 100 { (whole, hundredths) = (whole + 1, 0) }
    return hundredths == 0 ? "\(whole) MiB" : "\(whole).\(hundredths < 10 ? "0" : "")\(hundredths) MiB"
}
