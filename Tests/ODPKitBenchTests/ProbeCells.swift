import ODPKit
import ODPKitBench
import ODPKitReport
import Testing

/// The cells of `results` that `probe` measured for `mode` and `operation`, of `bytes` when given, whose
/// conditions include `conditions` (are `conditions`, when `exactly`): the one place the probe tests look
/// a cell up by its key.
func cells(_ results: ProbeResults, probe: Probe, mode: RegistrationMode, operation: CellOperation, bytes: Int? = nil,
           where conditions: CellConditions = CellConditions(), exactly: Bool = false) -> [CellRecorder] {
    results.recorders.filter { recorder in
        let key = recorder.key
        return key.probe == probe && key.mode == .registration(mode) && key.operation == operation
            && bytes.map { key.bytes == $0 } ?? true
            && (exactly ? key.conditions == conditions : conditions.fields.allSatisfy { key.conditions.fields[$0.key] == $0.value })
    }
}

/// A cell a probe promises, worked out from the probe's inputs.
struct PromisedCell: CustomStringConvertible {
    var probe: Probe
    var mode: RegistrationMode
    var operation: CellOperation
    var bytes: Int
    var conditions = CellConditions()
    /// Whether the cell's conditions are `conditions` and no more (a warm cell beside its fault's controls).
    var exactly = false

    var description: String { "\(probe) \(mode) \(operation) \(bytes) B \(conditions)" }
}

/// Expects `results` to hold the `promised` cells, each once, each with `samples` samples above zero and
/// no failure, and `besides` cells more (checked by the caller), no others.
func expectEveryCell(_ promised: [PromisedCell], besides: Int = 0, in results: ProbeResults, samples: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(results.recorders.count == promised.count + besides, "cells measured: \(results.recorders.count), promised: \(promised.count) + \(besides)", sourceLocation: sourceLocation)
    for cell in promised {
        let found = cells(results, probe: cell.probe, mode: cell.mode, operation: cell.operation, bytes: cell.bytes, where: cell.conditions, exactly: cell.exactly)
        #expect(found.count == 1, "\(cell): \(found.count) cells", sourceLocation: sourceLocation)
        for recorder in found {
            #expect(recorder.failures == 0, "\(cell): \(recorder.failures) failed, first: \(recorder.firstFailure ?? "")", sourceLocation: sourceLocation)
            #expect(recorder.samples.count == samples, "\(cell): \(recorder.samples.count) samples", sourceLocation: sourceLocation)
            #expect(recorder.samples.allSatisfy { $0 > 0 }, "\(cell): a sample of zero", sourceLocation: sourceLocation)
        }
    }
}

/// The median of the one cell `probe` measured for `mode`, `operation`, `bytes` and `conditions` (and no
/// more, when `exactly`).
func median(_ results: ProbeResults, probe: Probe, mode: RegistrationMode, operation: CellOperation, bytes: Int,
            where conditions: CellConditions = CellConditions(), exactly: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws -> UInt64 {
    let sorted = try sortedSamples(results, probe: probe, mode: mode, operation: operation, bytes: bytes, where: conditions, exactly: exactly, sourceLocation: sourceLocation)
    return sorted[sorted.count / 2]
}

/// The samples of the one cell that matches, sorted; at least one.
func sortedSamples(_ results: ProbeResults, probe: Probe, mode: RegistrationMode, operation: CellOperation, bytes: Int,
                   where conditions: CellConditions = CellConditions(), exactly: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt64] {
    let found = cells(results, probe: probe, mode: mode, operation: operation, bytes: bytes, where: conditions, exactly: exactly)
    let cell = try #require(found.count == 1 ? found.first : nil, "\(probe) \(mode) \(operation) \(bytes) B \(conditions): \(found.count) cells",
                            sourceLocation: sourceLocation)
    try #require(!cell.samples.isEmpty, "\(probe) \(mode) \(operation) \(bytes) B \(conditions): no samples", sourceLocation: sourceLocation)
    return cell.samples.sorted()
}
