import ODPKit
public import ODPKitReport
/// Every cell a run measured, in the order first asked for, each with its recorder.
public final class ProbeResults {
    public private(set) var recorders: [CellRecorder] = []
    private var index: [String: Int] = [:]
    /// Raw samples reserved per cell, so recording allocates nothing below it.
    let expectedSamples: Int

    public init(expectedSamples: Int) {
        self.expectedSamples = expectedSamples
    }

    /// The recorder of one cell, made on first use.
    public func recorder(_ probe: Probe, _ mode: String, _ operation: String, bytes: Int, pages: Int, conditions: [String: String] = [:]) -> CellRecorder {
        let key = "\(probe)|\(mode)|\(operation)|\(bytes)|\(pages)|" + conditions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
        if let position = index[key] { return recorders[position] }
        let recorder = CellRecorder(probe: probe, mode: mode, operation: operation, bytes: bytes, pages: pages, conditions: conditions, expectedSamples: expectedSamples)
        index[key] = recorders.count
        recorders.append(recorder)
        return recorder
    }

    /// The cells as the report shows them.
    public var cells: [ReportCell] { recorders.map(\.cell) }

    /// One line per cell that had failed samples: how many, and the first error.
    public var failureNotes: [String] {
        recorders.filter { $0.failures > 0 }.map { recorder in
            "\(recorder.probe) \(recorder.mode) \(recorder.operation) \(recorder.bytes) B: \(recorder.failures) failed sample(s), first: \(recorder.firstFailure ?? "?")"
        }
    }
}
