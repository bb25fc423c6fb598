import Testing
import Verbs
@testable import ODPKit
@testable import ODPKitBench

extension RXEIntegration {
    /// What the device reports of itself: ODP with RC READ and WRITE, an active port with a GID.
    @Suite("what the device reports")
    final class DeviceReportTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

        @Test func deviceReportListsODPWithRCReadAndWrite() throws {
            let report = try DeviceReport.collect()
            let device = try #require(report.devices.first { $0.name == path.context.deviceName })
            #expect(device.odp.general.words.contains("supported"))
            #expect(device.odp.rc.words.contains("read") && device.odp.rc.words.contains("write"))
            #expect(device.ports.first?.state == "ACTIVE")
            #expect(device.ports.first?.gids.isEmpty == false)
            if path.context.deviceName.hasPrefix("rxe") {
                #expect(device.softwareDriver == "rdma_rxe")
            }
        }
    }
}
