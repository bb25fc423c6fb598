import Foundation
import Testing
import TestSupport
@testable import ODPKit
@testable import ODPKitBench
import ODPKitReport

extension RXEIntegration {
    /// The odpkit command on the device, run as a process: its device listing and a report.
    @Suite("the odpkit command on a device")
    final class CommandLineTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

        @Test func devicesCommandPrintsJSON() throws {
            let result = try runProduct("odpkit", ["devices", "--json"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(result.stdout.contains("\"name\" : \"\(path.context.deviceName)\""))
            #expect(result.stdout.contains("\"schema\" : 1"))
        }

        @Test func aReportWithoutTheRegistrationProbeNotesNoRegistrationLimit() throws {
            try withTemporaryDirectory("report-overhead") { directory in
                // 1 TiB is above a quarter of any testbed's memory: the registration probe would stop short of it.
                let result = try runProduct("odpkit", ["report", "--parts", "overhead", "--max-region-mib", "1048576", "--out", directory.path])
                #expect(result.status == 0, "stderr: \(result.stderr)")
                let json = try String(contentsOf: directory.appendingPathComponent("report.json"), encoding: .utf8)
                #expect(json.contains(CellOperation.clockPair.rawValue) && !json.contains("Registration sizes stop") && !json.contains("Registration with THP on"))
            }
        }
    }
}
