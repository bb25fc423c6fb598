public import ODPKit

/// One thing `odpkit doctor` checked: what it found, whether that is fine, and what to do when not.
public struct DoctorFinding: Sendable, Hashable, Codable {
    /// How a finding stands.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Nothing to do.
        case ok
        /// Every mode still runs, but something is missing or will colour the figures.
        case warn
        /// The modes in `blocks` cannot run.
        case fail
    }

    /// A stable name of the check (`port.1`, `odp.rc`, `memlock`, `userfaultfd.features`).
    public var check: String
    public var status: Status
    /// What was measured or read, in a line.
    public var found: String
    /// What to do, nil when the finding is ok.
    public var action: String?
    /// The registration modes that cannot run because of this finding (empty unless it failed).
    public var blocks: [RegistrationMode]

    /// A finding that needs nothing done.
    public static func ok(_ check: String, _ found: String) -> DoctorFinding {
        DoctorFinding(check: check, status: .ok, found: found, action: nil, blocks: [])
    }

    /// A finding every mode runs with, and what to do about it.
    public static func warn(_ check: String, _ found: String, action: String) -> DoctorFinding {
        DoctorFinding(check: check, status: .warn, found: found, action: action, blocks: [])
    }

    /// A finding that stops `blocks` from running, and what to do about it.
    public static func fail(_ check: String, _ found: String, action: String, blocks: [RegistrationMode]) -> DoctorFinding {
        DoctorFinding(check: check, status: .fail, found: found, action: action, blocks: blocks)
    }

    /// Encodes every key, `action` as null when there is none: the JSON layout does not depend on the status.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(check, forKey: .check)
        try container.encode(status, forKey: .status)
        try container.encode(found, forKey: .found)
        try container.encode(action, forKey: .action)
        try container.encode(blocks, forKey: .blocks)
    }

    /// The finding as one line: status, check, what was found and what to do.
    public var line: String {
        "\(padded(status.rawValue, to: 5)) \(padded(check, to: 21)) \(found)" + (action.map { " — \($0)" } ?? "")
    }
}
