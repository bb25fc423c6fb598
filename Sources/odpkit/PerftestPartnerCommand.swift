import ArgumentParser
import ODPKit
import ODPKitBench

/// `odpkit perftest-partner` (not listed): odpkit's side of one perftest pair, started by the report's
/// perftest rounds in a fresh process (`PerftestPartner`); says `ready`, measures after its standard input ends.
struct PerftestPartnerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perftest-partner",
        abstract: "Measure odpkit's pinned cell of one perftest pair once standard input ends (started by odpkit report).",
        shouldDisplay: false
    )

    @Option(help: "perftest's test: read (odpkit's RDMA READ) or write (odpkit's write ping-pong).")
    var test: String

    @Option(help: "The message size in bytes.")
    var bytes: Int

    @OptionGroup var samples: SamplesOption
    @OptionGroup var warmUp: WarmUpOption
    @OptionGroup var device: DeviceOption

    func validate() throws {
        guard (1...SuiteOptions.maximumMessage).contains(bytes) else { throw ValidationError("--bytes takes 1...\(SuiteOptions.maximumMessage)") }
        guard PerftestRounds.measures.contains(where: { $0.test == test }) else {
            throw ValidationError("--test takes \(PerftestRounds.measures.map(\.test).joined(separator: " or "))")
        }
    }

    func run() throws {
        try reportingErrors(interruptible: true) {
            try PerftestPartner.serve(test: test, bytes: bytes, budget: ProbeBudget(samples: samples.count(default: 1000), warmUp: warmUp.warmUp), device: device.device)
        }
    }
}
