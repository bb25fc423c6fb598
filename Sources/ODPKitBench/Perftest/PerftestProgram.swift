import Foundation
public import ODPKit
public import ODPKitReport

/// perftest's latency tools behind odpkit's wrapper (`testbed/perftest-latency`): a program that takes
/// `--tests read,write --sizes 8,65536 --iterations N`, runs `ib_read_lat` and `ib_write_lat` on the
/// device's loopback and prints one `PerftestResult` JSON line per test and size.
public struct PerftestProgram: Sendable, Hashable {
    /// The wrapper's path.
    public var path: String
    /// Where perftest's own output (the wrapper's stderr) is appended; discarded when nil.
    public var log: String?

    public init(path: String, log: String? = nil) {
        self.path = path
        self.log = log
    }

    /// Runs `tests` (`read`, `write`) at every size of `sizes`, `iterations` each, and returns what the
    /// program printed; `.programFailed` naming the program when it cannot start, exits non-zero or prints no
    /// result for a test and size asked for.
    /// SIGINT or SIGTERM (`interruption`) terminates the program and throws `.interrupted`.
    public func run(tests: [String], sizes: [Int], iterations: Int, interruption: Interruption = .signals) throws(ODPKitError) -> [PerftestResult] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--tests", tests.joined(separator: ","), "--sizes", sizes.map(String.init).joined(separator: ","),
                             "--iterations", String(iterations)]
        let output = Pipe()
        process.standardOutput = output
        let errors: FileHandle
        do {
            errors = try logHandle()
            defer { try? errors.close() }
            process.standardError = errors
            try process.run()
        } catch {
            throw ODPKitError(.programFailed, function: "PerftestProgram.run", reason: "\(path) did not start: \(error)")
        }
        let printed = try process.waiting(for: "\(path)", interruption: interruption) { () -> String in
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return printed
        }
        guard process.succeeded else {
            throw ODPKitError(.programFailed, function: "PerftestProgram.run",
                              reason: "\(path) \(process.arguments?.joined(separator: " ") ?? "") \(process.ending)"
                                + (log.map { " (its output is in \($0))" } ?? ""))
        }
        let results = try PerftestResult.parse(lines: printed)
        for test in tests.compactMap({ PerftestPairing.measure(test: $0)?.binary }) {
            for size in sizes where !results.contains(where: { $0.test == test && $0.bytes == size }) {
                throw ODPKitError(.programFailed, function: "PerftestProgram.run", reason: "\(path) printed no \(test) result for \(size) bytes")
            }
        }
        return results
    }

    /// The log opened for appending (created if missing), or the null device.
    private func logHandle() throws -> FileHandle {
        guard let log else { return FileHandle.nullDevice }
        if !FileManager.default.fileExists(atPath: log) {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: log) else {
            throw ODPKitError(.programFailed, function: "PerftestProgram.run", reason: "cannot open \(log) for perftest's output")
        }
        handle.seekToEndOfFile()
        return handle
    }
}
