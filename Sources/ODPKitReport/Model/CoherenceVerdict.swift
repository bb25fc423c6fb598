public import ODPKit

/// What one coherence cell found: after the CPU changed the memory under a registration and the NIC
/// then touched it, does the NIC see what the CPU sees? Each verdict rests on bytes compared page by
/// page (a canary rules out a transfer that moved nothing) or on the call or completion that failed.
public enum CoherenceVerdict: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The NIC and the CPU agree on every page, byte for byte.
    case coherent
    /// On `stalePages` of `pages` the NIC read or wrote other bytes than the CPU sees (old pages, or none).
    case stale(stalePages: Int, pages: Int)
    /// The NIC read or wrote memory the CPU's protection forbids the CPU, or pages no longer mapped at the
    /// registered range (unmapped, moved away, cut off): a pinned MR keeps their frames, so it is not freed
    /// memory, but the NIC reaches what the process can no longer see, and says nothing.
    case throughProtection
    /// The NIC's work request completed with an error status.
    case nicError(status: String)
    /// A call refused before the NIC moved anything: the function (a C call or an odpkit check) and its errno or code.
    case refused(function: String, reason: String)
    /// No completion came within the bound.
    case timedOut(seconds: Double)
    /// The cell cannot be measured here, and why.
    case notApplicable(reason: String)

    /// `coherent`, `stale(1/4 pages)`, `nic-error(remote access error)`, `refused(mremap: EBUSY)`, …
    public var description: String {
        switch self {
        case .coherent: "coherent"
        case .stale(let stale, let pages): "stale(\(stale)/\(pages) pages)"
        case .throughProtection: "through-protection"
        case .nicError(let status): "nic-error(\(status))"
        case .refused(let function, let reason): "refused(\(function): \(reason))"
        case .timedOut(let seconds): "timed-out(\(Self.seconds(seconds)) s)"
        case .notApplicable(let reason): "n/a(\(reason))"
        }
    }

    /// The verdict's kind alone (`stale`, `nic-error`, …): what an expectation names.
    public var kind: String {
        switch self {
        case .coherent: "coherent"
        case .stale: "stale"
        case .throughProtection: "through-protection"
        case .nicError: "nic-error"
        case .refused: "refused"
        case .timedOut: "timed-out"
        case .notApplicable: "n/a"
        }
    }

    /// The verdict of a failed odpkit call: its function and errno (or its code when it has none).
    public init(refusal error: ODPKitError) {
        self = .refused(function: error.function, reason: error.errno?.symbolicName ?? error.code.name)
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let verdict = Self(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a coherence verdict: \(text)"))
        }
        self = verdict
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The verdict `description` spells, nil for any other text.
    init?(parsing text: String) {
        func argument(_ prefix: String) -> String? {
            guard text.hasPrefix(prefix + "("), text.hasSuffix(")") else { return nil }
            return String(text.dropFirst(prefix.count + 1).dropLast())
        }
        if text == "coherent" { self = .coherent; return }
        if text == "through-protection" { self = .throughProtection; return }
        if let inside = argument("stale") {
            let parts = inside.dropLast(" pages".count).split(separator: "/")
            guard inside.hasSuffix(" pages"), parts.count == 2, let stale = Int(parts[0]), let pages = Int(parts[1]) else { return nil }
            self = .stale(stalePages: stale, pages: pages)
            return
        }
        if let status = argument("nic-error") { self = .nicError(status: status); return }
        if let inside = argument("refused"), let colon = inside.range(of: ": ") {
            self = .refused(function: String(inside[..<colon.lowerBound]), reason: String(inside[colon.upperBound...]))
            return
        }
        if let inside = argument("timed-out"), inside.hasSuffix(" s"), let seconds = Double(inside.dropLast(2)) {
            self = .timedOut(seconds: seconds)
            return
        }
        if let reason = argument("n/a") { self = .notApplicable(reason: reason); return }
        return nil
    }
}
