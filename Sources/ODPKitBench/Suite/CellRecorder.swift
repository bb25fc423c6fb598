public import Histogram
public import ODPKit
public import ODPKitReport

/// The samples of one report cell as they are measured: the raw values (for `samples.csv`, and the
/// histogram of the summary, built from them when the cell is summarised), and the samples that
/// failed (counted, never dropped silently).
///
/// Recording a sample appends it to reserved storage; the histogram is built only when the cell is
/// summarised, so that the work between one sample's completion and the next sample's post stays
/// small (docs/methodology.md says why that matters).
public final class CellRecorder {
    /// The cell this records.
    public let key: CellKey
    /// Every recorded sample in nanoseconds, in the order measured.
    public private(set) var samples: [UInt64] = []
    public private(set) var failures = 0
    /// The first failure's description, for the report's notes.
    public private(set) var firstFailure: String?

    init(key: CellKey, expectedSamples: Int) {
        self.key = key
        samples.reserveCapacity(expectedSamples)
    }

    /// Records one sample; allocates nothing while fewer than `expectedSamples` were recorded.
    @inline(__always)
    public func record(_ nanoseconds: UInt64) {
        samples.append(nanoseconds)
    }

    /// The recorded samples as a histogram (3 significant digits, up to 600 s).
    public var histogram: Histogram<UInt64> {
        var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        for sample in samples { histogram.record(sample) }
        return histogram
    }

    /// Records every value of `histogram`, a measure taken elsewhere (a mirror region's own), each at
    /// the histogram's precision, in ascending order.
    public func record(histogram: Histogram<UInt64>) {
        for value in histogram.recordedValues() {
            samples += repeatElement(value.value, count: Int(value.count))
        }
    }

    /// Times `body` and records it, divided by `divisor` (2 for half a ping-pong's round trip), when
    /// `recording` (warm-up rounds are not); a failure is counted, not thrown.
    @inline(__always)
    public func measure(_ recording: Bool, dividedBy divisor: UInt64 = 1, _ body: () throws(ODPKitError) -> Void) {
        let start = monotonicNanoseconds()
        do throws(ODPKitError) {
            try body()
            let end = monotonicNanoseconds()
            if recording { record((end - start) / divisor) }
        } catch {
            if recording { fail(error) }
        }
    }

    /// Lets `body` write up to `count` samples straight into this cell's storage (`LoopbackPath.timeTransfers`,
    /// setting how many it measured) and keeps them when `recording`; a failure is counted, and the
    /// samples measured before it are kept. Allocates nothing while the storage has room for `count` more.
    public func measureBlock(_ recording: Bool, count: Int,
                             _ body: (UnsafeMutableBufferPointer<UInt64>, inout Int) throws(ODPKitError) -> Void) {
        let start = samples.count
        samples.append(contentsOf: repeatElement(0, count: count))
        var measured = 0
        var failure: ODPKitError?
        samples.withUnsafeMutableBufferPointer { all in
            do throws(ODPKitError) {
                try body(UnsafeMutableBufferPointer(rebasing: all[start...]), &measured)
            } catch {
                failure = error
            }
        }
        samples.removeLast(count - (recording ? measured : 0))
        if recording, let failure { fail(failure) }
    }

    /// Appends the samples and failed samples a partner process measured for this cell (`PerftestPartner`).
    func append(_ measured: PerftestPartner.Measured) {
        samples += measured.samples
        failures += measured.failures
        if firstFailure == nil { firstFailure = measured.firstFailure }
    }

    /// Counts a failed sample.
    public func fail(_ error: any Error) {
        failures += 1
        if firstFailure == nil { firstFailure = "\(error)" }
    }

    /// The cell as the report shows it, summarised from its histogram.
    public var cell: ReportCell {
        ReportCell(key: key, summary: LatencySummary(histogram: histogram), failures: failures)
    }
}
