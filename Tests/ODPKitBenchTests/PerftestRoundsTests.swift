import Foundation
import Testing
import TestSupport
@testable import ODPKit
@testable import ODPKitBench
@testable import ODPKitReport

extension RXEIntegration {
    /// perftest's rounds beside odpkit's cells, with a stand-in for testbed/perftest-latency.
    @Suite("perftest rounds")
    final class PerftestRoundsTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

        @Test func perftestRoundsMeasureEachRunAndOdpkitsCellInTurns() throws {
            try withTemporaryDirectory("perftest-rounds") { directory in
                // odpkit's side of each pair: a fresh odpkit process, the debug build beside this test bundle,
                // started through a link whose name no other process has.
                let partner = directory.appendingPathComponent("odpkit-rounds-partner").path
                let built = URL(fileURLWithPath: PerftestPartner.runningExecutable).deletingLastPathComponent().appendingPathComponent("odpkit").path
                try FileManager.default.createSymbolicLink(atPath: partner, withDestinationPath: built)
                // A stand-in for testbed/perftest-latency: logs its arguments and whether odpkit's partner is
                // still waiting to measure (perftest first) or has measured and exited (odpkit first), prints one result.
                let log = directory.appendingPathComponent("calls").path
                let program = directory.appendingPathComponent("perftest").path
                let script = """
                    #!/bin/sh
                    if grep -qs 'odpkit-rounds-partne[r]' /proc/[0-9]*/cmdline; then state=waiting; else state=done; fi
                    echo "$* partner $state" >> \(log)
                    echo '{"tool":"perftest","version":"stand-in","test":"ib_'$2'_lat","bytes":'$4',"iterations":'$6',"t_min":1,"t_max":3,"t_typical":2,"t_avg":2,"t_stdev":0.5,"p99":3,"p999":3}'
                    """
                try script.write(toFile: program, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program)
                let results = ProbeResults(expectedSamples: 20)
                // Two rounds of 8 B, one of 4 KiB.
                let pairs = PerftestRounds.pairs(rounds: [2, 1], sizes: [8, 4096])
                #expect(pairs.map(\.round) == [1, 1, 1, 1, 2, 2] && pairs.map(\.odpkitFirst) == [false, false, false, false, true, true])
                // Before each pair, odpkit's cells of every earlier pair are measured.
                var cellsBeforeEachPair: [Int] = []
                let perftest = try PerftestRounds.run(
                    program: PerftestProgram(path: program), odpkit: partner, rounds: [2, 1], sizes: [8, 4096],
                    budget: ProbeBudget(samples: 20, warmUp: 2), device: path.context.deviceName, into: results
                ) { _ in cellsBeforeEachPair.append(results.recorders.count) }
                #expect(cellsBeforeEachPair == Array(0..<6))
                let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
                #expect(calls == pairs.map { "--tests \($0.test) --sizes \($0.bytes) --iterations 20 partner \($0.odpkitFirst ? "done" : "waiting")" })
                #expect(perftest.map(\.round) == [1, 1, 1, 1, 2, 2])
                let cells = results.cells
                #expect(cells.map(\.operation) == pairs.map(\.operation.cellOperation))
                #expect(cells.allSatisfy { $0.mode == .registration(.pinned) && $0.summary.samples == 20 && $0.failures == 0 })
                #expect(cells.map(\.conditions.round) == [1, 1, 1, 1, 2, 2])
                #expect(cells.map(\.conditions.first) == [.perftest, .perftest, .perftest, .perftest, .odpkit, .odpkit])
                #expect(cells.allSatisfy { $0.conditions.process == .fresh && $0.summary.minimum > 0 })
                // Each perftest run is set beside the cell of its round.
                let comparisons = PerftestComparison.all(LatencyReport(testbed: TestbedLabel.current(device: path.context.deviceName), cells: cells, perftest: perftest))
                #expect(comparisons.map(\.rounds.count) == [2, 1, 2, 1] && comparisons.allSatisfy { $0.rounds.allSatisfy { $0.odpkit != nil } })
            }
        }
    }
}
