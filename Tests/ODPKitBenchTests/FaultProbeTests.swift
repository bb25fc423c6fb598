import Testing
import ODPKit
import ODPKitBench
import ODPKitReport
import ODPKitSystem

extension RXEIntegration {
    /// `FaultProbe` on 1 and 256 pages with prefetch: per mode a warm cell and a fault cell of READ and
    /// WRITE, ODP's fault also after a waited and an unwaited prefetch, and ODP's prefetch itself; the
    /// mirror's first READ after `MADV_DONTNEED` re-registers the dropped chunks (refresh on use) and takes
    /// longer than its warm READ. (ODP's warm READ is not warm here: it follows the previous round's CPU
    /// refill, which takes the pages the NIC had faulted in away from it, and it took as long as the
    /// fault in one testbed run.)
    @Suite("fault probe")
    final class FaultProbeTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath(stagingBytes: 256 * pageSize)
        }

        deinit {
            try? path.close()
        }

        @Test func measuresEveryCellAndAMirrorFaultTakesLongerThanTheWarmRead() throws {
            let samples = 10, pageCounts = [1, 256]
            let results = ProbeResults(expectedSamples: samples)
            try FaultProbe.run(pageCounts: pageCounts, modes: RegistrationMode.allCases, prefetch: true,
                               budget: ProbeBudget(samples: samples, warmUp: 1, secondsPerCell: 60), on: path, into: results) { _ in }
            var promised: [PromisedCell] = []
            for pages in pageCounts {
                let bytes = pages * pageSize
                for (operation, advice) in [("RDMA READ", "ibv_advise_mr PREFETCH"), ("RDMA WRITE", "ibv_advise_mr PREFETCH_WRITE")] {
                    for mode in RegistrationMode.allCases {
                        promised.append(PromisedCell(probe: .warm, mode: mode, operation: operation, bytes: bytes, conditions: ["pages": "present"]))
                        for prefetch in mode == .odp ? ["none", "sync", "async"] : ["none"] {
                            promised.append(PromisedCell(probe: .fault, mode: mode, operation: operation, bytes: bytes,
                                                         conditions: ["pages": "absent", "prefetch": prefetch]))
                        }
                    }
                    promised.append(PromisedCell(probe: .fault, mode: .odp, operation: advice, bytes: bytes, conditions: ["prefetch": "sync"]))
                }
            }
            expectEveryCell(promised, in: results, samples: samples)

            let bytes = 256 * pageSize
            let fault = try median(results, probe: .fault, mode: .mirror, operation: "RDMA READ", bytes: bytes, where: ["pages": "absent", "prefetch": "none"])
            let warm = try median(results, probe: .warm, mode: .mirror, operation: "RDMA READ", bytes: bytes, where: ["pages": "present"])
            #expect(fault > warm, "a mirror READ of 256 dropped pages (median \(fault) ns) should take longer than of 256 present pages (\(warm) ns)")
        }
    }
}
