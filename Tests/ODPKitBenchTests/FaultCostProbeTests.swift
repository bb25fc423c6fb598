import Testing
import ODPKit
import ODPKitBench
import ODPKitReport
import ODPKitSystem

extension RXEIntegration {
    /// The fault probe's cost of a fault over its control (`FaultCost`) on the device: never wholly below
    /// zero, and the control beside a bare loop of back-to-back READs of one page on the same path.
    @Suite("fault cost")
    final class FaultCostProbeTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath(stagingBytes: 16 * pageSize)
        }

        deinit {
            try? path.close()
        }

        /// `FaultProbe` small, ODP and mirror on 1 and 16 pages: each fault − control interval must reach
        /// zero or above. One wholly below zero is a fault measured cheaper than the same access on present
        /// pages after the same steps: the control no longer isolates the NIC's fault.
        @Test func noFaultCostsLessThanItsControl() throws {
            let samples = 40
            let results = ProbeResults(expectedSamples: samples)
            try FaultProbe.run(pageCounts: [1, 16], modes: [.odp, .mirror], prefetch: false,
                               budget: ProbeBudget(samples: samples, warmUp: 2, secondsPerCell: 60), on: path, into: results) { _ in }
            let costs = FaultProbe.costs(results)
            #expect(costs.count == 2 * 2 * 2)
            for cost in costs {
                let interval = "[\(ReportFormat.microseconds(cost.lower ?? .nan)), \(ReportFormat.microseconds(cost.upper ?? .nan))] µs"
                print("fault cost: \(cost.mode) \(cost.operation) \(cost.pages) page(s): fault \(ReportFormat.microseconds(cost.faultMedian)) µs, control \(ReportFormat.microseconds(cost.controlMedian)) µs, fault − control \(ReportFormat.microseconds(cost.estimate)) µs \(interval) (\(cost.faultSamples)/\(cost.controlSamples) samples)")
                #expect(cost.lower != nil, "\(cost.mode) \(cost.operation) \(cost.pages) page(s): no interval from \(cost.faultSamples)/\(cost.controlSamples) samples")
                #expect(!cost.negative, "\(cost.mode) \(cost.operation) \(cost.pages) page(s): a negative fault cost: fault − control \(ReportFormat.microseconds(cost.estimate)) µs, interval \(interval) wholly below zero (fault median \(ReportFormat.microseconds(cost.faultMedian)) µs, control \(ReportFormat.microseconds(cost.controlMedian)) µs)")
            }
        }

        /// The control's READ of one page (after an untimed access, `MADV_DONTNEED` of a spare page and its
        /// refill) against the same READ timed back to back (`LoopbackPath.timeTransfers`), per mode: how
        /// far the fault probe's rhythm moves a warm access. Printed for docs/results.md; it fails only
        /// when either has no samples.
        @Test func theControlBesideABareReadLoop() throws {
            let samples = 200
            let results = ProbeResults(expectedSamples: samples)
            let modes: [RegistrationMode] = [.pinned, .odp, .mirror]
            try FaultProbe.run(pageCounts: [1], modes: modes, prefetch: false,
                               budget: ProbeBudget(samples: samples, warmUp: 2, secondsPerCell: 60), on: path, into: results) { _ in }
            for mode in modes {
                let fault = CellKey(probe: .fault, mode: mode, operation: .read, bytes: pageSize, pages: 1,
                                    conditions: CellConditions(pages: .absent, prefetch: .notIssued))
                let control = try #require(results.recorders.first { $0.key == FaultProbe.controlKey(of: fault) })
                let memory = try AnonymousMemory(length: pageSize)
                memory.fill(0x3C)
                let region = try path.register(mode, memory, mirrorRefresh: .onUse)
                defer { try? region.close() }
                try path.transfer(.read, region, length: pageSize)
                let loop = ProbeResults(expectedSamples: samples).recorder(CellKey(probe: .warm, mode: mode, operation: .read, bytes: pageSize, pages: 1))
                loop.measureBlock(true, count: samples) { buffer, measured throws(ODPKitError) in
                    try path.timeTransfers(.read, region, length: pageSize, into: buffer, measured: &measured)
                }
                #expect(loop.failures == 0 && loop.samples.count == samples && control.samples.count == samples)
                let controlMedian = LatencySummary(nanoseconds: control.samples).typical, loopMedian = LatencySummary(nanoseconds: loop.samples).typical
                print("fault control beside a bare loop: \(mode) RDMA READ 1 page: control median \(ReportFormat.microseconds(controlMedian)) µs, back-to-back median \(ReportFormat.microseconds(loopMedian)) µs, control − loop \(ReportFormat.microseconds(controlMedian - loopMedian)) µs (× \(String(format: "%.2f", controlMedian / loopMedian)))")
            }
        }
    }
}
