public import ODPKit

/// Whose memory a report cell measured: a registration mode's region, perftest's, or no region (the
/// measurement's own overhead). Its order is the order reports list modes in.
public enum CellMode: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// A region of one registration mode.
    case registration(RegistrationMode)
    /// perftest's own buffers.
    case perftest
    /// No memory region (the clock's overhead), spelled `-`.
    case noRegion

    /// Every mode in the order reports list them: pinned, odp, mirror, perftest, no region.
    public static let allCases: [CellMode] = RegistrationMode.allCases.map(CellMode.registration) + [.perftest, .noRegion]

    /// The mode as report.json and samples.csv spell it: `pinned`, `odp`, `mirror`, `perftest`, `-`.
    public var rawValue: String {
        switch self {
        case .registration(let mode): mode.rawValue
        case .perftest: "perftest"
        case .noRegion: "-"
        }
    }

    /// The mode spelled `rawValue`; nil for any other text.
    public init?(rawValue: String) {
        guard let mode = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = mode
    }

    public var description: String { rawValue }

    /// The registration mode, nil for perftest and no region.
    public var registrationMode: RegistrationMode? {
        if case .registration(let mode) = self { mode } else { nil }
    }

    public static func < (lhs: CellMode, rhs: CellMode) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let mode = CellMode(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown mode \(text)"))
        }
        self = mode
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
