import Testing
import ODPKit
import ODPKitBench
import ODPKitReport
import ODPKitSystem

extension RXEIntegration {
    /// `WarmProbe` on 8 B and 64 KiB (below the mirror's chunk, so every mode gets every operation): a
    /// cell per operation, size and mode; a READ of 64 KiB moves 8192 times the bytes of one of 8 B.
    @Suite("warm probe")
    final class WarmProbeTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

        @Test func measuresEveryCellAndALargerReadTakesLonger() throws {
            let samples = 20, sizes = [8, 65536]
            try #require(sizes.allSatisfy { $0 <= MirrorRegion.defaultChunkSize })
            let results = ProbeResults(expectedSamples: samples)
            try WarmProbe.run(sizes: sizes, modes: RegistrationMode.allCases, budget: ProbeBudget(samples: samples, warmUp: 1, secondsPerCell: 60),
                              on: path, into: results) { _ in }
            let operations: [CellOperation] = [.read, .write, .writePingPong, .send]
            let promised = operations.flatMap { operation in
                sizes.flatMap { bytes in
                    RegistrationMode.allCases.map { PromisedCell(probe: .warm, mode: $0, operation: operation, bytes: bytes) }
                }
            }
            expectEveryCell(promised, in: results, samples: samples)

            // The fastest samples: a stall of the emulated machine only ever adds time, so under a loaded
            // host the medians of 20 samples can invert while the minimums keep the copy's cost.
            for mode in RegistrationMode.allCases {
                let small = try sortedSamples(results, probe: .warm, mode: mode, operation: .read, bytes: 8)[0]
                let large = try sortedSamples(results, probe: .warm, mode: mode, operation: .read, bytes: 65536)[0]
                #expect(large > small, "a \(mode) READ of 64 KiB (fastest \(large) ns) should take longer than of 8 B (\(small) ns)")
            }
        }
    }
}
