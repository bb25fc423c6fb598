public import Foundation
import ODPKitSystem

/// A product of the package started as a process, whose output can be watched while it runs and which
/// can be signalled; every wait is bounded and throws, naming what it waited for, on timeout.
public final class RunningProduct: @unchecked Sendable {
    public let process = Process()
    private let lock = NSLock()
    private var outputBytes = Data()
    private var errorBytes = Data()
    private let output = Pipe()
    private let errors = Pipe()

    /// Starts the product `name` with `arguments`, in `directory` (or this process's own).
    public convenience init(_ name: String, _ arguments: [String], in directory: URL? = nil) throws {
        try self.init(absolute: try product(name).path, arguments, in: directory)
    }

    /// Starts the program at `path` with `arguments`, in `directory` (or this process's own).
    public init(absolute path: String, _ arguments: [String], in directory: URL? = nil) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            self?.lock.withLock { self?.outputBytes.append(chunk) }
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            self?.lock.withLock { self?.errorBytes.append(chunk) }
        }
        try process.run()
    }

    /// What the process wrote on standard output so far.
    public var standardOutput: String {
        lock.withLock { String(decoding: outputBytes, as: UTF8.self) }
    }

    /// What the process wrote on standard error so far.
    public var standardError: String {
        lock.withLock { String(decoding: errorBytes, as: UTF8.self) }
    }

    /// Waits until standard output or standard error contains `text`, for at most `timeout` seconds.
    public func waitForOutput(containing text: String, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !standardOutput.contains(text) && !standardError.contains(text) {
            guard process.isRunning, Date() < deadline else {
                throw ODPKitError(.timedOut, function: "RunningProduct",
                                  reason: "no \"\(text)\" in its output within \(timeout) s (running: \(process.isRunning)); it wrote: \(standardOutput) \(standardError)")
            }
            usleep(20_000)
        }
    }

    /// Sends `signal` to the process.
    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to end, for at most `timeout` seconds (then terminates it and throws); its
    /// exit status (128 plus the signal's number when a signal ended it) and the seconds it took to end
    /// after this was called.
    public func waitForExit(timeout: Double) throws -> (status: Int32, seconds: Double) {
        let start = Date()
        while process.isRunning {
            guard Date().timeIntervalSince(start) < timeout else {
                process.terminate()
                throw ODPKitError(.timedOut, function: "RunningProduct", reason: "still running \(timeout) s later; it wrote: \(standardError)")
            }
            usleep(5_000)
        }
        let seconds = Date().timeIntervalSince(start)
        for (pipe, isOutput) in [(output, true), (errors, false)] {
            pipe.fileHandleForReading.readabilityHandler = nil
            let rest = pipe.fileHandleForReading.readDataToEndOfFile()
            lock.withLock { if isOutput { outputBytes.append(rest) } else { errorBytes.append(rest) } }
        }
        return (process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus, seconds)
    }
}
