import ArgumentParser
import ODPKit

/// `odpkit bench …`: latency probes, each printing a table labelled with its testbed.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a latency probe and print its table.",
        subcommands: [RegistrationCommand.self, FaultCommand.self, InvalidationCommand.self, WarmCommand.self, RefaultCommand.self, RetiredKeyCommand.self]
    )
}
