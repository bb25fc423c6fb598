import Foundation
import ODPKitSystem
import Testing
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

/// Runs an executable product built beside the test bundle.
func runProduct(_ name: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent(name) }
    guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw ODPKitError(.notFound, function: "runProduct", reason: "\(name) is not built beside \(directory.path); run `swift build` first")
    }
    return try run(executable, arguments)
}

/// Runs `executable` with `arguments` and collects its exit status and output.
func run(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}
