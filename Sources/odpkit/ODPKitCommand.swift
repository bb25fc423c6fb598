import ArgumentParser
import ODPKit

/// The `odpkit` command line: what the devices offer, the latency probes, the report and its rendering.
@main
struct ODPKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "odpkit",
        abstract: "Measure what pinned, On-Demand-Paging and mirror-emulated RDMA memory regions cost and guarantee.",
        subcommands: [DevicesCommand.self, DoctorCommand.self, CoherenceCommand.self, BenchCommand.self, ReportCommand.self, RenderCommand.self, PeerCommand.self, SoakCommand.self, PerftestPartnerCommand.self]
    )
}
