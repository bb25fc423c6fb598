import ArgumentParser
import ODPKit
import ODPKitBench

/// `odpkit devices`: every RDMA device, its ports and GIDs, and its ODP capability bits.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List RDMA devices, ports, GIDs and On-Demand Paging capabilities."
    )

    @Flag(help: "Print JSON (schema 1) instead of text.")
    var json = false

    func run() throws {
        try reportingErrors {
            let report = try DeviceReport.collect()
            if json {
                try printJSON(report)
            } else {
                print(report.text)
            }
        }
    }
}
