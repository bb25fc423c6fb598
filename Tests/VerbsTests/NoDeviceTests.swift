import Foundation
import ODPKitSystem
import Testing
import TestSupport
import Verbs

/// Where this machine has no RDMA device: every entry point says so in one line, exit status 2.
@Suite("without an RDMA device (host)", .enabled(if: !RXE.present))
struct NoDeviceTests {
    @Test func openingAContextNamesTheFix() {
        let error = #expect(throws: ODPKitError.self) { try Context() }
        #expect(error?.code == .noDevice)
        #expect(error?.reason.contains("rdma link add rxe0 type rxe netdev") == true)
    }

    @Test func devicesCommandPrintsOneLineAndExitsNonZero() throws {
        let result = try runProduct("odpkit", ["devices", "--json"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(result.stderr)")
        #expect(result.stderr.contains("no RDMA device found") && result.stderr.contains("rdma link add"))
    }

    @Test func doctorReportsNoDeviceWithTheMachinesChecksAndExitsTwo() throws {
        let result = try runProduct("odpkit", ["doctor"])
        #expect(result.status == 2, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stderr.isEmpty)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("fail  devices") && $0.contains("rdma link add") })
        #expect(lines.contains { $0.hasPrefix("ok    userfaultfd.features") || $0.hasPrefix("fail  userfaultfd.features") })
        #expect(!lines.contains { $0.contains("trial.") })
        #expect(lines.last == "exit 2: no RDMA device")
        let json = try runProduct("odpkit", ["doctor", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(json.status == 2 && object?["exitStatus"] as? Int == 2 && object?["device"] is NSNull)
    }
}

extension NoDeviceTests {
    @Test func soakCommandPrintsOneLineAndExitsTwo() throws {
        let result = try runProduct("odpkit", ["soak", "--seconds", "1"])
        #expect(result.status == 2 && result.stdout.isEmpty, "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains("no RDMA device found"), "stderr: \(result.stderr)")
    }
}
