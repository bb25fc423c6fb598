public import ODPKit
public import ODPKitReport

/// What `odpkit soak` prints: where it ran, how, and one result per mode (as text, or as JSON).
public struct SoakReport: Sendable, Codable {
    public var testbed: TestbedLabel
    public var settings: SoakSettings
    public var results: [SoakResult]

    public init(testbed: TestbedLabel, settings: SoakSettings, results: [SoakResult]) {
        self.testbed = testbed
        self.settings = settings
        self.results = results
    }

    /// Why the soak failed, one clause per mode that claims coherence and did not keep it; nil when
    /// every such mode kept it.
    public var failure: String? {
        let failures = results.compactMap(\.failure)
        return failures.isEmpty ? nil : failures.joined(separator: "; ")
    }
}

extension ODPKitError.Code {
    /// A mode that claims coherence mismatched, failed an access or checked nothing in a soak.
    public static let incoherent = ODPKitError.Code(name: "incoherent")
}
