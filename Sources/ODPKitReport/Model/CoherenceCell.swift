public import ODPKit

/// One cell of the coherence matrix: a scenario, the NIC's access after it and a registration mode,
/// with the verdict of every repetition and what the bytes showed.
public struct CoherenceCell: Sendable, Hashable, Codable {
    /// The scenario's name (`CoherenceScenario.name`).
    public var scenario: String
    public var access: NICAccess
    public var mode: RegistrationMode
    /// One verdict per repetition, in order.
    public var verdicts: [CoherenceVerdict]
    /// What the last repetition's bytes showed, page by page, in words.
    public var detail: String
    /// A mirror region's window in each repetition where the mirror re-pinned chunks after the change:
    /// from the change's return until the region handed out coherent keys again, in nanoseconds. Nil
    /// for other modes and where the mirror re-pinned nothing.
    public var windowNanoseconds: [UInt64]?

    public init(scenario: String, access: NICAccess, mode: RegistrationMode, verdicts: [CoherenceVerdict], detail: String, windowNanoseconds: [UInt64]? = nil) {
        self.scenario = scenario
        self.access = access
        self.mode = mode
        self.verdicts = verdicts
        self.detail = detail
        self.windowNanoseconds = windowNanoseconds.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The median window in microseconds, nil where there is none.
    public var windowMicroseconds: Double? {
        PerftestComparison.median((windowNanoseconds ?? []).map { Double($0) / 1000 })
    }

    /// The verdict when every repetition agrees (`stale(4/4 pages)`), else each distinct verdict with its
    /// count (`coherent ×9, stale(1/4 pages) ×1`).
    public var verdict: String {
        let distinct = verdicts.reduce(into: [CoherenceVerdict]()) { if !$0.contains($1) { $0.append($1) } }
        if distinct.count == 1, let only = distinct.first {
            return verdicts.count == 1 ? only.description : "\(only) ×\(verdicts.count)"
        }
        return distinct.map { verdict in "\(verdict) ×\(verdicts.count { $0 == verdict })" }.joined(separator: ", ")
    }
}
