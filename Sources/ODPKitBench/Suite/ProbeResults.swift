public import ODPKit
public import ODPKitReport

/// Every cell a run measured, in the order first asked for, each with its recorder.
public final class ProbeResults {
    public private(set) var recorders: [CellRecorder] = []
    private var index: [CellKey: Int] = [:]
    /// Raw samples reserved per cell, so recording allocates nothing below it.
    let expectedSamples: Int

    public init(expectedSamples: Int) {
        self.expectedSamples = expectedSamples
    }

    /// The recorder of one cell, made on first use.
    public func recorder(_ key: CellKey) -> CellRecorder {
        if let position = index[key] { return recorders[position] }
        let recorder = CellRecorder(key: key, expectedSamples: expectedSamples)
        index[key] = recorders.count
        recorders.append(recorder)
        return recorder
    }

    /// The cells as the report shows them.
    public var cells: [ReportCell] { recorders.map(\.cell) }

    /// The report of these cells, measured on `device` from `startedAt` (the monotonic clock read
    /// `since`), with `notes` and a note per cell that had failed samples.
    public func report(device: String, startedAt: String, since: UInt64, settings: [String: String], notes: [String]) -> LatencyReport {
        LatencyReport(
            testbed: TestbedLabel.current(device: device), startedAt: startedAt,
            durationSeconds: Double(monotonicNanoseconds() - since) / 1e9, settings: settings,
            cells: cells, notes: notes + failureNotes
        )
    }

    /// Appends every cell's raw samples to `writer` and makes them durable.
    public func appendSamples(to writer: SamplesCSVWriter) throws(ODPKitError) {
        for recorder in recorders {
            try writer.append(recorder.key, nanoseconds: recorder.samples)
        }
        try writer.synchronize()
    }

    /// One line per cell that had failed samples: how many, and the first error.
    public var failureNotes: [String] {
        recorders.filter { $0.failures > 0 }.map { recorder in
            "\(recorder.key.summary): \(recorder.failures) failed sample(s), first: \(recorder.firstFailure ?? "?")"
        }
    }
}
