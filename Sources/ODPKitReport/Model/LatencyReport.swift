import Foundation
public import ODPKit

/// Everything one odpkit run measured: where (the testbed), with which settings, every cell, the
/// coherence matrix, perftest's numbers for comparison, and notes. Its JSON (`report.json`) is what `odpkit render` turns into HTML.
///
/// The JSON also holds `fits`, the registration fits; they are not read back but computed again from
/// the cells, so a report from before they were written decodes too, and they always match its cells.
/// `faultCosts` is written when there are any and read back when present, so a report from before it
/// was written decodes (with none) and encodes to the same JSON.
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

    /// Registration and deregistration time against region size as straight lines (`RegistrationFit.fits`).
    public var fits: [RegistrationFit] {
        RegistrationFit.fits(cells)
    }

    public init(
        schema: String = LatencyReport.currentSchema, testbed: TestbedLabel, startedAt: String = LatencyReport.timestamp(),
        durationSeconds: Double = 0, settings: [String: String] = [:], cells: [ReportCell] = [],
        perftest: [PerftestResult] = [], faultCosts: [FaultCost] = [], coherence: [CoherenceCell] = [], notes: [String] = []
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
    }

    private enum CodingKeys: String, CodingKey {
        case schema, testbed, startedAt, durationSeconds, settings, cells, perftest, faultCosts, coherence, notes, fits
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

    /// Reads a report from its JSON; throws `.invalidArgument` if it is not one, or of another schema.
    public init(json: String) throws(ODPKitError) {
        do {
            self = try JSONDecoder().decode(LatencyReport.self, from: Data(json.utf8))
        } catch {
            throw ODPKitError(.invalidArgument, function: "LatencyReport(json:)", reason: "not an odpkit report: \(error)")
        }
        guard schema == Self.currentSchema else {
            throw ODPKitError(.invalidArgument, function: "LatencyReport(json:)", reason: "report schema \(schema); this odpkit reads \(Self.currentSchema)")
        }
    }
}
