import ArgumentParser

/// The `odpkit` command line: what the devices offer, and (later) the latency probes and report.
@main
struct ODPKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "odpkit",
        abstract: "Measure what pinned and On-Demand-Paging RDMA memory regions cost and guarantee.",
        subcommands: [DevicesCommand.self, BenchCommand.self, PeerCommand.self, RenderCommand.self]
    )
}
