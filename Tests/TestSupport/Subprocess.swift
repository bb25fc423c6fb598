public import Foundation
import ODPKitSystem

/// Runs an executable product built beside the test bundle.
public func runProduct(_ name: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    try run(product(name), arguments)
}

/// An executable product built beside the test bundle (`.build/debug/odpkit`).
public func product(_ name: String) throws -> URL {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent(name) }
    guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw ODPKitError(.notFound, function: "runProduct", reason: "\(name) is not built beside \(directory.path); run `swift build` first")
    }
    return executable
}

/// Runs `executable` with `arguments` (in `directory`, or this process's own) and collects its exit
/// status and output.
public func run(_ executable: URL, _ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}
