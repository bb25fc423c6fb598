import ArgumentParser
import ODPKit
import ODPKitBench

/// `odpkit doctor`: whether each registration mode can run here, one finding per check with what to do.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the device, limits and kernel settings each registration mode needs, and say what to fix.",
        discussion: """
        One line per finding: ok, warn or fail, what was found, what to do. Then each mode (pinned, odp, \
        mirror) is tried on the device: a small region registered, read and written by the NIC.
        Exit status: 0 when every mode can run, 1 when a mode cannot (the last lines name it and the \
        failed checks), 2 when there is no RDMA device (the checks of the machine still print).
        """
    )

    @OptionGroup var device: DeviceOption

    @Option(name: .customLong("region-mib"), help: "The region the memlock, max_mr and max_map_count checks are made for, in MiB, 1...\(SuiteOptions.maximumRegionMiB) (default: the report's largest, \(Doctor().regionBytes >> 20)).")
    var regionMiB: Int?

    @Flag(help: "Print JSON (schema 1) instead of text.")
    var json = false

    func validate() throws {
        if let regionMiB, !(1...SuiteOptions.maximumRegionMiB).contains(regionMiB) {
            throw ValidationError("--region-mib takes 1...\(SuiteOptions.maximumRegionMiB)")
        }
    }

    func run() throws {
        try reportingErrors {
            var doctor = Doctor(device: device.device)
            if let regionMiB { doctor.regionBytes = regionMiB << 20 }
            let report = doctor.run()
            if json {
                try printJSON(report)
            } else {
                print(report.text)
            }
            if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
        }
    }
}
