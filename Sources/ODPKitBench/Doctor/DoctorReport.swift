public import ODPKit

/// What `odpkit doctor` found: every finding, which registration modes can run, and the exit status
/// that says so. Its JSON layout is `schema` 1 (docs/doctor.md).
public struct DoctorReport: Sendable, Codable {
    /// Whether one registration mode can run here, and the checks that stop it.
    public struct ModeVerdict: Sendable, Hashable, Codable {
        public var mode: RegistrationMode
        public var runs: Bool
        /// The `check` of every failed finding that blocks the mode.
        public var blockedBy: [String]
    }

    /// The version of this JSON layout.
    public var schema = 1
    /// The device checked; nil when there is none, or the one asked for is not there.
    public var device: String?
    /// The region the memlock, `max_mr` and `vm.max_map_count` checks were made for.
    public var regionBytes: Int
    /// The mirror's chunk.
    public var chunkBytes: Int
    public var system: SystemInfo
    public var findings: [DoctorFinding]
    /// Every registration mode, in order.
    public var modes: [ModeVerdict]
    /// 0 when every mode can run, 1 when one cannot, 2 when there is no RDMA device at all.
    public var exitStatus: Int32

    public init(device: String?, regionBytes: Int, chunkBytes: Int, system: SystemInfo, findings: [DoctorFinding], devicePresent: Bool) {
        self.device = device
        self.regionBytes = regionBytes
        self.chunkBytes = chunkBytes
        self.system = system
        self.findings = findings
        modes = Self.verdicts(findings)
        exitStatus = Self.exitStatus(devicePresent: devicePresent, modes: modes)
    }

    /// Encodes every key, `device` as null when none was checked.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(device, forKey: .device)
        try container.encode(regionBytes, forKey: .regionBytes)
        try container.encode(chunkBytes, forKey: .chunkBytes)
        try container.encode(system, forKey: .system)
        try container.encode(findings, forKey: .findings)
        try container.encode(modes, forKey: .modes)
        try container.encode(exitStatus, forKey: .exitStatus)
    }

    /// Per mode, whether a failed finding blocks it.
    static func verdicts(_ findings: [DoctorFinding]) -> [ModeVerdict] {
        RegistrationMode.allCases.map { mode in
            let blockers = findings.filter { $0.status == .fail && $0.blocks.contains(mode) }.map(\.check)
            return ModeVerdict(mode: mode, runs: blockers.isEmpty, blockedBy: blockers)
        }
    }

    /// 2 without any RDMA device, else 1 when some mode cannot run, else 0.
    static func exitStatus(devicePresent: Bool, modes: [ModeVerdict]) -> Int32 {
        guard devicePresent else { return 2 }
        return modes.allSatisfy(\.runs) ? 0 : 1
    }

    /// The report for a terminal: what was checked, a line per finding, the modes, the exit status.
    public var text: String {
        var lines = [
            "odpkit doctor: device \(device ?? "none"), regions of \(byteText(UInt64(regionBytes))), mirror chunks of \(byteText(UInt64(chunkBytes)))",
            "machine: \(system.summary)",
            "libibverbs: \(system.libibverbsPath) (rdma-core \(system.rdmaCore)), kernel \(system.kernel)",
            "",
        ]
        lines += findings.map(\.line)
        lines.append("")
        lines.append("modes: " + modes.map { verdict in
            verdict.runs ? "\(verdict.mode) can run" : "\(verdict.mode) cannot run (\(verdict.blockedBy.joined(separator: ", ")))"
        }.joined(separator: "; "))
        let blocked = modes.filter { !$0.runs }.map(\.mode.rawValue)
        let status = switch exitStatus {
        case 0: "exit 0: every mode can run"
        case 2: "exit 2: no RDMA device"
        default: "exit \(exitStatus): \(blocked.joined(separator: ", ")) cannot run"
        }
        lines.append(status)
        return lines.joined(separator: "\n")
    }
}
