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

    @Option(help: "Samples, as perftest's iterations.")
    var samples = 1000

    @Option(name: .customLong("warm-up"), help: "Unrecorded samples first.")
    var warmUp = 10

    @Option(help: "The RDMA device (the first one when omitted).")
    var device: String?

    func validate() throws {
        guard bytes > 0, samples > 0, warmUp >= 0 else { throw ValidationError("--bytes and --samples must be above zero, --warm-up at least zero") }
    }

    func run() throws {
        try PerftestPartner.serve(test: test, bytes: bytes, budget: ProbeBudget(samples: samples, warmUp: warmUp), device: device)
    }
}
