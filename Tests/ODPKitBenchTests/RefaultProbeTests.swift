import Histogram
import Testing
import ODPKit
import ODPKitBench
import ODPKitSystem

extension RXEIntegration {
    /// `RefaultProbe` dropping 256 pages of a 256-page region: a result per mode, in order, each measure
    /// with every sample; the mirror's first READ after the drop re-registers a chunk in user space and
    /// takes longer than the same READ on present pages. (ODP's warm READ follows the previous sample's
    /// CPU refill of the range, which takes the pages the NIC had faulted in away from it: that READ
    /// faults too, and took longer than the first READ in one run of two.)
    @Suite("refault probe")
    final class RefaultProbeTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

        @Test func measuresEveryModeAndTheMirrorsFirstReadAfterTheDropTakesLonger() throws {
            let samples = 10, bytes = 256 * pageSize
            let results = try RefaultProbe.run(modes: RegistrationMode.allCases, regionBytes: bytes, invalidatedBytes: bytes, samples: samples, on: path)
            #expect(results.map(\.mode) == RegistrationMode.allCases)
            for result in results {
                #expect(result.regionBytes == bytes && result.invalidatedBytes == bytes)
                for (name, histogram) in [("warm READ", result.warmRead), ("invalidation", result.invalidation), ("first READ", result.firstRead)] {
                    #expect(histogram.totalCount == UInt64(samples) && histogram.min > 0, "\(result.mode) \(name): \(histogram.totalCount) samples, least \(histogram.min) ns")
                }
                let mirror = result.mode == .mirror
                #expect(result.restoreRest.totalCount == (mirror ? UInt64(samples) : 0), "\(result.mode): \(result.restoreRest.totalCount) restore samples")
                #expect((result.mirror != nil) == mirror)
                if mirror {
                    let first = result.firstRead.valueAtPercentile(50), warm = result.warmRead.valueAtPercentile(50)
                    #expect(first > warm, "a mirror READ after the drop (median \(first) ns) should take longer than on present pages (\(warm) ns)")
                }
            }
        }
    }
}
