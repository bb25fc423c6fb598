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

    /// Every command that needs a device says so in one line, at once (`peer serve` does not listen
    /// first, `peer fault` does not wait for a server), and writes nothing: `report` does not make its
    /// directory or leave a file in one that exists, `--csv` leaves the file it would append to as it was.
    @Test(arguments: [
        ["report", "--out", "made"], ["report", "--out", "existing"], ["report", "--out", "made/deeper", "--perftest", "/bin/true"],
        ["coherence"], ["bench", "registration", "--csv", "kept.csv"], ["bench", "fault", "--csv", "kept.csv"],
        ["bench", "invalidation", "--csv", "new.csv"], ["bench", "warm", "--csv", "kept.csv"], ["bench", "refault", "--csv", "kept.csv"],
        ["bench", "retired-key", "--csv", "kept.csv"], ["peer", "serve", "--port", "0"], ["peer", "fault", "--connect", "localhost", "--csv", "kept.csv"],
        ["perftest-partner", "--test", "read", "--bytes", "8"],
    ])
    func everyCommandExitsTwoInOneLineAndWritesNothing(_ arguments: [String]) throws {
        try withTemporaryDirectory("odpkit-no-device") { directory in
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("existing"), withIntermediateDirectories: false)
            let kept = "probe,mode,operation,bytes,pages,conditions,sample,nanoseconds\nwarm,pinned,RDMA READ,8,1,,0,1000\n"
            try Data(kept.utf8).write(to: directory.appendingPathComponent("kept.csv"))
            let before = Set(FileManager.default.subpaths(atPath: directory.path) ?? [])
            let command = try RunningProduct("odpkit", arguments, in: directory)
            let ended = try command.waitForExit(timeout: 10)
            let commandLine = arguments.joined(separator: " ")
            #expect(ended.status == 2, "\(commandLine): exit \(ended.status), \(command.standardError)")
            let lines = command.standardError.split(separator: "\n")
            #expect(lines.count == 1 && command.standardError.hasPrefix("odpkit: ") && command.standardError.contains("no RDMA device found"),
                    "\(commandLine): \(command.standardError)")
            #expect(Set(FileManager.default.subpaths(atPath: directory.path) ?? []) == before, "\(commandLine) left \(FileManager.default.subpaths(atPath: directory.path) ?? [])")
            #expect(try String(contentsOf: directory.appendingPathComponent("kept.csv"), encoding: .utf8) == kept)
        }
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
