import Testing
import ODPKit
import ODPKitBench
import ODPKitReport
import ODPKitSystem

extension RXEIntegration {
    /// `RegistrationProbe` on 4 KiB and 16 MiB: a register and a deregister cell per mode, size, pages
    /// present or absent, and THP on (from 2 MiB) or off; registering 16 MiB of absent pages pinned
    /// faults in and pins 4096 pages, an ODP registration none.
    @Suite("registration probe")
    final class RegistrationProbeTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

        static let small = 4096, large = 16 << 20, hugePagesFrom = 2 << 20

        @Test func measuresEveryCellAndLargerAbsentRegionsTakeLongerToPin() throws {
            let samples = 5
            let results = ProbeResults(expectedSamples: samples)
            try RegistrationProbe.run(sizes: [Self.small, Self.large], modes: RegistrationMode.allCases, hugePagesFrom: Self.hugePagesFrom,
                                      budget: ProbeBudget(samples: samples, warmUp: 1, secondsPerCell: 60), on: path, into: results) { _ in }
            var promised: [PromisedCell] = []
            for bytes in [Self.small, Self.large] {
                for pages in CellConditions.Pages.allCases {
                    for thp in bytes >= Self.hugePagesFrom ? CellConditions.HugePages.allCases : [.off] {
                        for mode in RegistrationMode.allCases {
                            let conditions = CellConditions(pages: pages, hugePages: thp)
                            promised.append(PromisedCell(probe: .registration, mode: mode, operation: .register, bytes: bytes, conditions: conditions))
                            promised.append(PromisedCell(probe: .deregistration, mode: mode, operation: .deregister, bytes: bytes, conditions: conditions))
                        }
                    }
                }
            }
            expectEveryCell(promised, in: results, samples: samples)

            let absent = CellConditions(pages: .absent, hugePages: .off)
            let pinnedSmall = try median(results, probe: .registration, mode: .pinned, operation: .register, bytes: Self.small, where: absent)
            let pinnedLarge = try median(results, probe: .registration, mode: .pinned, operation: .register, bytes: Self.large, where: absent)
            let odpLarge = try median(results, probe: .registration, mode: .odp, operation: .register, bytes: Self.large, where: absent)
            #expect(pinnedLarge > pinnedSmall, "pinning 16 MiB of absent pages (median \(pinnedLarge) ns) should take longer than 4 KiB (\(pinnedSmall) ns)")
            #expect(pinnedLarge > odpLarge, "pinning 16 MiB of absent pages (median \(pinnedLarge) ns) should take longer than registering them for ODP, which faults none in (\(odpLarge) ns)")
        }
    }
}
