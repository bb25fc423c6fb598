import Foundation
public import ODPKit

/// Everything one odpkit run measured: where (the testbed), with which settings, every cell, the
/// coherence matrix, perftest's numbers for comparison, and notes. Its JSON (`report.json`) is what `odpkit render` turns into HTML.
///
/// The JSON also holds `fits`, the registration fits; they are not read back but computed again from
/// the cells, so a report from before they were written decodes too, and they always match its cells.
/// `faultCosts` is written when there are any and read back when present, so a report from before it
/// was written decodes (with none) and encodes to the same JSON. `partial` likewise: written only when
/// true, read as false when absent.
public struct LatencyReport: Sendable, Codable, Equatable {
    /// The version of this JSON layout.
    public static let currentSchema = "odpkit.report/1"

    public var schema: String
    public var testbed: TestbedLabel
    /// When the run began, ISO 8601 in UTC (`2026-01-31T12:00:00Z`).
    public var startedAt: String
    public var durationSeconds: Double
    /// The run's parameters (samples per cell, chunk size, …), as the command line gave them.
    public var settings: [String: String]
    public var cells: [ReportCell]
    public var perftest: [PerftestResult]
    /// Each fault cell's cost over its control (`FaultCost`), worked out from the raw samples.
    public var faultCosts: [FaultCost]
    /// The coherence matrix's cells (`CoherenceMatrix`); empty when the run did not measure it, and in
    /// reports written before the matrix was part of them. The JSON leaves the field out when empty.
    public var coherence: [CoherenceCell]
    public var notes: [String]
    /// Whether the run stopped before it measured everything it was asked to (SIGINT or SIGTERM): the
    /// cells are those measured until then, and a note says where it stopped.
    public var partial: Bool

    /// Registration and deregistration time against region size as straight lines (`RegistrationFit.fits`).
    public var fits: [RegistrationFit] {
        RegistrationFit.fits(cells)
    }

    public init(
        schema: String = LatencyReport.currentSchema, testbed: TestbedLabel, startedAt: String = LatencyReport.timestamp(),
        durationSeconds: Double = 0, settings: [String: String] = [:], cells: [ReportCell] = [],
        perftest: [PerftestResult] = [], faultCosts: [FaultCost] = [], coherence: [CoherenceCell] = [], notes: [String] = [],
        partial: Bool = false
    ) {
        self.schema = schema
        self.testbed = testbed
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
        self.settings = settings
        self.cells = cells
        self.perftest = perftest
        self.faultCosts = faultCosts
        self.coherence = coherence
        self.notes = notes
        self.partial = partial
    }

    private enum CodingKeys: String, CodingKey {
        case schema, testbed, startedAt, durationSeconds, settings, cells, perftest, faultCosts, coherence, notes, partial, fits
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schema = try container.decode(String.self, forKey: .schema)
        testbed = try container.decode(TestbedLabel.self, forKey: .testbed)
        startedAt = try container.decode(String.self, forKey: .startedAt)
        durationSeconds = try container.decode(Double.self, forKey: .durationSeconds)
        settings = try container.decode([String: String].self, forKey: .settings)
        cells = try container.decode([ReportCell].self, forKey: .cells)
        perftest = try container.decode([PerftestResult].self, forKey: .perftest)
        faultCosts = try container.decodeIfPresent([FaultCost].self, forKey: .faultCosts) ?? []
        coherence = try container.decodeIfPresent([CoherenceCell].self, forKey: .coherence) ?? []
        notes = try container.decode([String].self, forKey: .notes)
        partial = try container.decodeIfPresent(Bool.self, forKey: .partial) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(testbed, forKey: .testbed)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(settings, forKey: .settings)
        try container.encode(cells, forKey: .cells)
        try container.encode(perftest, forKey: .perftest)
        if !faultCosts.isEmpty { try container.encode(faultCosts, forKey: .faultCosts) }
        if !coherence.isEmpty { try container.encode(coherence, forKey: .coherence) }
        try container.encode(notes, forKey: .notes)
        if partial { try container.encode(partial, forKey: .partial) }
        try container.encode(fits, forKey: .fits)
    }

    /// The time now, ISO 8601 in UTC, to the second.
    public static func timestamp() -> String {
        Date().formatted(.iso8601)
    }

    /// The report as pretty-printed JSON with sorted keys.
    /// Throws `.invalidArgument` if a figure is not finite (NaN or infinity have no JSON spelling).
    public func json() throws(ODPKitError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            throw ODPKitError(.invalidArgument, function: "LatencyReport.json", reason: "cannot encode the report: \(error)")
        }
    }

    /// Reads a report from its JSON; throws `.invalidArgument` if it is not one, or of another schema, with
    /// a reason that reads after "the file is": `not valid JSON (…)`, `not an odpkit report (…)`, `an
    /// odpkit report of schema …`, `a damaged odpkit report (…)`.
    public init(json: String) throws(ODPKitError) {
        let data = Data(json.utf8)
        func refused(_ reason: String) -> ODPKitError {
            ODPKitError(.invalidArgument, function: "LatencyReport(json:)", reason: reason)
        }
        // The schema first: a file of another kind says so, not which of the report's fields it lacks.
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
            let words = detail.prefix(1).lowercased() + detail.dropFirst().prefix { $0 != "." }
            throw refused("not valid JSON (\(words): truncated?)")
        }
        guard let schema = (object as? [String: Any])?["schema"] as? String else {
            throw refused("not an odpkit report (no \"schema\": \"\(Self.currentSchema)\")")
        }
        guard schema == Self.currentSchema else {
            throw refused("an odpkit report of schema \(schema); this odpkit reads \(Self.currentSchema)")
        }
        do {
            self = try JSONDecoder().decode(LatencyReport.self, from: data)
        } catch let error as DecodingError {
            throw refused("a damaged odpkit report (\(Self.describe(error)))")
        } catch {
            throw refused("a damaged odpkit report (\(error))")
        }
    }

    /// A decoding error in words: where in the JSON, and what is wrong there.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the top level" : String(text.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context, key)) is missing"
        case .valueNotFound(_, let context): return "\(path(context)) is null"
        case .typeMismatch(let type, let context): return "\(path(context)) is not \(type == String.self ? "a string" : type == Double.self || type == Int.self ? "a number" : "\(type)")"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
