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
}

extension NoDeviceTests {
    @Test func soakCommandPrintsOneLineAndExitsTwo() throws {
        let result = try runProduct("odpkit", ["soak", "--seconds", "1"])
        #expect(result.status == 2 && result.stdout.isEmpty, "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains("no RDMA device found"), "stderr: \(result.stderr)")
    }
}
