@testable import ODPKitReport

extension ReportCell {
    /// A cell named as report.json spells it: a test's shorthand; traps on a name the key does not know.
    init(
        probe: Probe, mode: String, operation: String, bytes: Int, pages: Int, conditions: [String: String] = [:],
        summary: LatencySummary, failures: Int = 0
    ) {
        let key = CellKey(probe: probe, mode: CellMode(rawValue: mode)!, operation: CellOperation(rawValue: operation)!, bytes: bytes, pages: pages,
                          conditions: try! CellConditions(fields: conditions))
        self.init(key: key, summary: summary, failures: failures)
    }
}
