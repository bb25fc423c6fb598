import Foundation
import Testing
import TestSupport
@testable import ODPKit
@testable import ODPKitBench

extension RXEIntegration {
    /// `odpkit doctor` on the device, in process and as the built command: what is known of rxe0 in
    /// the testbed (its port ACTIVE, ODP on RC, no implicit ODP, userfaultfd opening), every mode's
    /// trial passing, and the exit status saying so.
    @Suite("odpkit doctor on a device")
    struct DoctorIntegrationTests {
        let device = DeviceList.all().first?.name ?? "none"

        func finding(_ check: String, in report: DoctorReport) throws -> DoctorFinding {
            try #require(report.findings.first { $0.check == check }, "no finding \(check) in:\n\(report.text)")
        }

        @Test func theDoctorFindsWhatIsKnownOfTheDevice() throws {
            let report = Doctor(device: device).run()
            #expect(report.device == device)
            let port = try finding("port.1", in: report)
            #expect(port.status == .ok && port.found.hasPrefix("ACTIVE"), "\(port.line)")
            #expect(try finding("odp", in: report).status == .ok)
            let rc = try finding("odp.rc", in: report)
            #expect(rc.status == .ok && rc.found.contains("read") && rc.found.contains("write"), "\(rc.line)")
            let features = try finding("userfaultfd.features", in: report)
            #expect(features.status == .ok && features.found.contains("eventRemove") && features.found.contains("eventUnmap") && features.found.contains("eventRemap"), "\(features.line)")
            for mode in RegistrationMode.allCases {
                let trial = try finding("trial.\(mode)", in: report)
                #expect(trial.status == .ok, "\(trial.line)")
            }
            let context = try Context(deviceNamed: device)
            defer { try? context.close() }
            if context.attributes.softwareDriver == "rdma_rxe" {
                let implicit = try finding("odp.implicit", in: report)
                #expect(implicit.status == .warn && implicit.found.hasPrefix("not supported: IBV_ODP_SUPPORT_IMPLICIT not set"), "\(implicit.line)")
            }
            #expect(report.exitStatus == 0 && report.modes.allSatisfy(\.runs), "\(report.text)")
        }

        @Test func aDeviceThatIsNotThereFailsEveryModeWithExitOne() {
            let report = Doctor(device: "no-such-device").run()
            #expect(report.device == nil && report.exitStatus == 1)
            #expect(report.findings.contains { $0.check == "device" && $0.status == .fail && $0.found.contains("no RDMA device named no-such-device") })
            #expect(!report.findings.contains { $0.check.hasPrefix("trial.") })
        }

        @Test func theCommandPrintsJSONAndExitsWithItsStatus() throws {
            let result = try runProduct("odpkit", ["doctor", "--json", "--device", device])
            #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
            let report = try JSONDecoder().decode(DoctorReport.self, from: Data(result.stdout.utf8))
            #expect(report.schema == 1 && report.device == device && report.exitStatus == result.status)
            #expect(report.modes.map(\.mode) == RegistrationMode.allCases && report.findings.contains { $0.check == "trial.mirror" && $0.status == .ok })
        }
    }
}
