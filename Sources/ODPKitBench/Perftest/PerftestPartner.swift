import Foundation
public import ODPKit

/// odpkit's side of one perftest pair (`PerftestRounds`), measured in a fresh process as perftest's
/// client is: `odpkit perftest-partner` opens the device, connects its two queue pairs and says `ready`
/// on its standard output, then waits for the end of its standard input (the go); it then registers a
/// pinned region and measures its one warm cell as the report's own cells are measured (`WarmProbe`),
/// prints the samples as one JSON line and exits.
///
/// Why a fresh process: perftest's client is one, and a long-lived report process's cells need not
/// meet the same conditions as fresh processes do (docs/methodology.md). The report process starts the partner and waits for its `ready`
/// before either run of the pair, so that the partner's start-up overlaps neither measurement and its
/// measurement follows perftest's (or precedes it) within a few hundred ms.
public final class PerftestPartner {
    /// What the partner prints after the go: its cell's samples (ns, in order) and failed samples.
    public struct Measured: Codable, Sendable, Hashable {
        public var samples: [UInt64]
        public var failures: Int
        public var firstFailure: String?
    }

    /// The line the partner prints once it is ready to measure.
    static let ready = "ready"

    private let process: Process
    private let input: Pipe
    private let output: Pipe
    private let commandLine: String
    /// What stops the waits for the partner (SIGINT or SIGTERM): it is then terminated.
    private let interruption: Interruption
    private var closed = false

    /// The running program's executable (`/proc/self/exe`): odpkit's own, when the report runs.
    public static var runningExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Starts `executable perftest-partner` for `test` (`read` or `write`, as `PerftestRounds.measures`
    /// names them) at `bytes` with `budget`'s samples and warm-up on `device`, and returns once it is
    /// ready; `.programFailed` when it cannot start or ends before it is ready.
    public init(executable: String, test: String, bytes: Int, budget: ProbeBudget, device: String) throws(ODPKitError) {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["perftest-partner", "--test", test, "--bytes", String(bytes), "--samples", String(budget.samples),
                             "--warm-up", String(budget.warmUp), "--device", device]
        commandLine = ([executable] + (process.arguments ?? [])).joined(separator: " ")
        interruption = budget.interruption
        input = Pipe()
        output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw ODPKitError(.programFailed, function: "PerftestPartner", reason: "\(commandLine) did not start: \(error)")
        }
        let line: String?
        do throws(ODPKitError) {
            line = try process.waiting(for: "odpkit perftest-partner to be ready", interruption: interruption) { readLine() }
        } catch {
            close()
            throw error
        }
        guard line == Self.ready else {
            close()
            throw failure(line.map { "printed \"\($0)\" instead of \(Self.ready)" } ?? "ended before it was ready")
        }
    }

    deinit { close() }

    /// Gives the go, waits for the partner's samples and exit, and appends them to `recorder`;
    /// `.programFailed` when it fails or prints no samples.
    public func measure(into recorder: CellRecorder) throws(ODPKitError) {
        try? input.fileHandleForWriting.close()
        let printed = try process.waiting(for: "odpkit perftest-partner's samples", interruption: interruption) { () -> Data in
            let printed = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return printed
        }
        closed = true
        guard process.succeeded else { throw failure(process.ending) }
        guard let measured = try? JSONDecoder().decode(Measured.self, from: printed) else {
            throw failure("printed no samples: \(String(decoding: printed.prefix(200), as: UTF8.self))")
        }
        recorder.append(measured)
    }

    /// Stops the partner, without the go, unless it has ended; idempotent.
    public func close() {
        guard !closed else { return }
        closed = true
        // Stopped before the end of its input, which would be the go.
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// The partner's first line, without its newline; nil at the end of its output.
    private func readLine() -> String? {
        var line = Data()
        while true {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { return nil }
            line.append(chunk)
            if let newline = line.firstIndex(of: UInt8(ascii: "\n")) {
                return String(decoding: line[..<newline], as: UTF8.self)
            }
        }
    }

    /// Waits for the end of standard input, the go, in slices that `interruption` (SIGINT, SIGTERM) can
    /// end: a perftest process started after this one may hold a copy of the input's other end, which
    /// would keep the end from coming until it exits.
    private static func awaitTheGo(interruption: Interruption) throws(ODPKitError) {
        var buffer = [UInt8](repeating: 0, count: 512)
        while try system_pollReadable(0, timeout: nil, waitingFor: "the go on standard input", interruption: interruption) {
            guard try retryingOnInterrupt("read", reason: "cannot read standard input", { read(0, &buffer, buffer.count) }) > 0 else { return }
        }
    }

    private func failure(_ what: String) -> ODPKitError {
        ODPKitError(.programFailed, function: "PerftestPartner", reason: "\(commandLine) \(what)")
    }

    /// The partner's side, in `odpkit perftest-partner`: see the type's comment. Every sample is kept
    /// whatever the time (perftest's runs are not cut short either).
    public static func serve(test: String, bytes: Int, budget: ProbeBudget, device: String?) throws(ODPKitError) {
        guard let operation = PerftestRounds.measures.first(where: { $0.test == test })?.operation else {
            throw ODPKitError(.invalidArgument, function: "PerftestPartner.serve",
                              reason: "no measure \(test): \(PerftestRounds.measures.map(\.test).joined(separator: ", "))")
        }
        let path = try LoopbackPath(device: device, stagingBytes: 2 * max(bytes, pageSize))
        defer { try? path.close() }
        FileHandle.standardOutput.write(Data((ready + "\n").utf8))
        try awaitTheGo(interruption: budget.interruption)
        let whole = ProbeBudget(samples: budget.samples, warmUp: budget.warmUp, secondsPerCell: 3600, minimumSamples: budget.samples)
        let results = ProbeResults(expectedSamples: budget.samples)
        try WarmProbe.run(sizes: [bytes], operations: [operation], modes: [.pinned], budget: whole, on: path, into: results) { _ in }
        let cell = results.recorders[0]
        let measured = Measured(samples: cell.samples, failures: cell.failures, firstFailure: cell.firstFailure)
        guard let line = try? JSONEncoder().encode(measured) else {
            throw ODPKitError(.programFailed, function: "PerftestPartner.serve", reason: "cannot encode the samples")
        }
        FileHandle.standardOutput.write(line + Data("\n".utf8))
    }
}
