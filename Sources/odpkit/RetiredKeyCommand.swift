import ArgumentParser
import ODPKit
import ODPKitBench

#if canImport(Glibc)
import Glibc
#endif

/// `odpkit bench retired-key`: a peer reads a mirror region with a key the mirror retired, and recovers.
struct RetiredKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retired-key",
        abstract: "Time a peer's READ with a retired mirror key (remote access error) and its recovery (reset, reconnect, new keys, READ again)."
    )

    @Option(help: "Rounds (after one warm-up round).")
    var samples = 100

    @Option(help: "The RDMA device (the first one when omitted).")
    var device: String?

    func validate() throws {
        guard samples > 0 else { throw ValidationError("--samples must be above zero") }
    }

    func run() throws {
        let path = try LoopbackPath(device: device)
        defer { try? path.close() }
        print("testbed: \(SystemInfo.current().summary)")
        _ = try RetiredKeyRecovery.run(samples: 1, on: path)
        let result = try RetiredKeyRecovery.run(samples: samples, on: path)
        print("device: \(path.context.deviceName); \(result.samples) rounds; status \(result.status.map(String.init(describing:)) ?? "-"); peer QP after the error: \(result.peerStateAfterError?.rawValue ?? "-"), region side: \(result.regionSideStateAfterError?.rawValue ?? "-"); READs after recovery that differed from the CPU: \(result.mismatches)")
        print(["what", "p50 µs", "p99 µs", "max µs"].joined(separator: "\t"))
        for (name, histogram) in [("error completion", result.errorLatency), ("recovery", result.recovery), ("of which reconnect", result.reconnect)] {
            print([name, microseconds(histogram, 50), microseconds(histogram, 99), microseconds(histogram, 100)].joined(separator: "\t"))
        }
    }
}
