import Foundation
import Testing
import TestSupport
@testable import ODPKitReport

/// Bad input to the built `odpkit`, where no device is needed to refuse it (host and testbed): every
/// numeric option at 0, negative and huge, an output that cannot be written, a report.json that is not
/// one. Usage errors exit 64 in swift-argument-parser's form; the others exit 1 with one line naming the
/// cause; none leaves a file behind.
@Suite("bad input to the odpkit command: one clear line, nothing written")
struct BadInputTests {
    /// One command line and the words its first line of standard error must hold.
    struct Case: CustomTestStringConvertible, Sendable {
        let arguments: [String]
        let says: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let hugeInteger = "9223372036854775807"
    static let beyondInteger = "9223372036854775808"

    /// Every numeric option of every command at 0, negative and huge (and beyond Int), each refused
    /// before anything runs; `report --out out` must not make `out`.
    static let usage: [Case] = {
        var cases: [Case] = []
        func bounded(_ command: [String], _ option: String, _ values: [String], says: String) {
            // `--option=value`, so that a negative value is not read as an option; an empty one as its own argument.
            for value in values { cases.append(Case(arguments: command + (value.isEmpty ? [option, value] : ["\(option)=\(value)"]), says: says)) }
        }
        let report = ["report", "--out", "out"]
        for command in [["bench", "warm"], report] {
            bounded(command, "--samples", ["0", "-1", hugeInteger], says: "--samples takes 1...100000000")
            bounded(command, "--warm-up", ["-1", hugeInteger], says: "--warm-up takes 0...1000000")
            bounded(command, "--seconds-per-cell", ["0", "-1", "1e308", "nan", "inf"], says: "--seconds-per-cell takes above zero up to 3600")
            bounded(command, "--minimum-samples", ["0", "-1", hugeInteger], says: "--minimum-samples takes 1...100000000")
            bounded(command, "--pages", ["0", "-1", hugeInteger, "1,,16"], says: "--pages takes page counts 1...1048576")
            bounded(command, "--max-region-mib", ["0", "-1", hugeInteger], says: "--max-region-mib takes 1...1048576")
            bounded(command, "--max-message", ["0", "7", "-1", hugeInteger], says: "--max-message takes 8...1073741824")
            bounded(command, "--samples", [beyondInteger], says: "is invalid for '--samples <samples>'")
        }
        bounded(report, "--perftest-sizes", ["0", "-1", hugeInteger], says: "--perftest-sizes takes sizes in bytes 1...1073741824")
        bounded(report, "--perftest-rounds", ["0", "-1", hugeInteger, "16,8,4"], says: "--perftest-rounds takes one count 1...10000")
        bounded(report, "--parts", ["", "warm,bogus", "warm,warm"], says: "--parts takes coherence, overhead, warm, registration, fault, invalidation")
        bounded(["coherence"], "--repeat", ["0", "-1", hugeInteger], says: "--repeat takes 1...10000")
        bounded(["coherence"], "--repeat", [beyondInteger], says: "is invalid for '--repeat <repeat>'")
        bounded(["bench", "refault"], "--region-mib", ["0", "-1", "1,\(hugeInteger)"], says: "--region-mib takes sizes 1...1048576")
        bounded(["bench", "refault"], "--modes", ["odp,odp", "odp,bogus", ""], says: "--modes takes distinct pinned, odp and mirror")
        bounded(["bench", "retired-key"], "--samples", ["0", "-1", hugeInteger], says: "--samples takes 1...100000000")
        bounded(["peer", "serve"], "--port", ["-1", "65536", hugeInteger], says: "is invalid for '--port <port>'")
        let fault = ["peer", "fault", "--connect", "localhost"]
        bounded(fault, "--port", ["0"], says: "--port takes 1...65535")
        bounded(fault, "--port", ["-1", "65536"], says: "is invalid for '--port <port>'")
        bounded(fault, "--pages", ["0", "-1", "262145"], says: "--pages takes page counts 1...262144")
        bounded(fault, "--samples", ["0", hugeInteger], says: "--samples takes 1...100000000")
        bounded(fault, "--connect-timeout", ["0", "-1", hugeInteger], says: "--connect-timeout takes 1...3600 seconds")
        bounded(fault, "--ack-timeout", ["32"], says: "--ack-timeout takes 0...31")
        bounded(fault, "--min-rnr-timer", ["32"], says: "--min-rnr-timer takes 0...31")
        bounded(fault, "--retry-count", ["8"], says: "--retry-count takes 0...7")
        bounded(fault, "--rnr-retry", ["8"], says: "--rnr-retry takes 0...7")
        bounded(fault, "--ack-timeout", ["-1", "256"], says: "is invalid for '--ack-timeout <ack-timeout>'")
        bounded(fault, "--changes", ["dontneed,munmap", "dontneed,dontneed"], says: "--changes takes distinct dontneed and munmap-mmap")
        bounded(["perftest-partner", "--test", "read"], "--bytes", ["0", "-1", hugeInteger], says: "--bytes takes 1...1073741824")
        let partner = ["perftest-partner", "--test", "read", "--bytes", "8"]
        bounded(partner, "--samples", ["0"], says: "--samples takes 1...100000000")
        bounded(partner, "--warm-up", ["-1"], says: "--warm-up takes 0...1000000")
        bounded(["perftest-partner", "--bytes", "8"], "--test", ["bogus"], says: "--test takes read or write")
        return cases
    }()

    @Test(arguments: usage)
    func usageErrorsExit64BeforeAnythingRuns(_ bad: Case) throws {
        try withTemporaryDirectory("odpkit-usage") { directory in
            let result = try run(bad.arguments, in: directory)
            #expect(result.status == 64, "\(bad.testDescription): exit \(result.status), \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: ") && firstLine(result.stderr).contains(bad.says), "\(bad.testDescription): \(result.stderr)")
            #expect(entries(directory).isEmpty, "\(bad.testDescription) left \(entries(directory))")
        }
    }

    // MARK: outputs that cannot be written

    @Test func anOutputDirectoryThatIsAFileIsRefused() throws {
        try withTemporaryDirectory("odpkit-out-file") { directory in
            try Data("x".utf8).write(to: directory.appendingPathComponent("file"))
            for out in ["file", "file/sub"] {
                try expectRefused(["report", "--out", out], in: directory, says: "mkdir: ENOTDIR — file exists and is not a directory", leaving: ["file"])
            }
            try expectRefused(["report", "--out", ""], in: directory, says: "the output directory's name is empty", leaving: ["file"])
        }
    }

    @Test func anOutputDirectoryThisUserMayNotWriteIsRefusedAndNothingIsMade() throws {
        try withTemporaryDirectory("odpkit-out-readonly") { directory in
            let locked = directory.appendingPathComponent("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
            try expectRefused(withoutFileAccessOverride(["report", "--out", locked.path]), in: directory,
                              says: "EACCES — cannot create \(locked.path)/samples.csv.partial: permission denied", leaving: ["locked"])
            try expectRefused(withoutFileAccessOverride(["report", "--out", locked.path + "/a/b"]), in: directory,
                              says: "EACCES — cannot make the directory \(locked.path)/a: permission denied", leaving: ["locked"])
            try expectRefused(withoutFileAccessOverride(["bench", "warm", "--csv", locked.path + "/samples.csv"]), in: directory,
                              says: "EACCES — cannot create \(locked.path)/samples.csv.partial", leaving: ["locked"])
            try expectRefused(withoutFileAccessOverride(["render", try reportFile(in: directory), "--out", locked.path]), in: directory,
                              says: "EACCES — cannot create \(locked.path)/report.html.partial", leaving: ["locked", "report.json"])
        }
    }

    @Test func aCSVFileThatCannotBeWrittenIsRefusedBeforeAnythingRuns() throws {
        try withTemporaryDirectory("odpkit-csv") { directory in
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("dir"), withIntermediateDirectories: false)
            for command in [["bench", "warm"], ["bench", "refault"], ["bench", "retired-key"], ["peer", "fault", "--connect", "localhost"]] {
                try expectRefused(command + ["--csv", "dir"], in: directory, says: "EISDIR — dir exists and is not a regular file", leaving: ["dir"])
                try expectRefused(command + ["--csv", "missing/samples.csv"], in: directory,
                                  says: "ENOENT — cannot create missing/samples.csv.partial: no such file or directory", leaving: ["dir"])
            }
        }
    }

    // MARK: render

    @Test func renderSaysPlainlyWhatIsWrongWithItsInput() throws {
        try withTemporaryDirectory("odpkit-render-bad") { directory in
            let valid = try String(contentsOfFile: try reportFile(in: directory), encoding: .utf8)
            try FileManager.default.removeItem(at: directory.appendingPathComponent("report.json"))
            let schema2 = valid.replacingOccurrences(of: "\"odpkit.report/1\"", with: "\"odpkit.report/2\"")
            let inputs: [(name: String, text: String, says: String)] = [
                ("truncated.json", String(valid.prefix(valid.count / 2)), "truncated.json is not valid JSON (unexpected end of file"),
                ("empty.json", "", "empty.json is not valid JSON"),
                ("foreign.json", #"{"name": "something else"}"#, #"foreign.json is not an odpkit report (no "schema": "odpkit.report/1")"#),
                ("devices.json", #"{"schema": 1, "devices": []}"#, "devices.json is not an odpkit report"),
                ("array.json", "[1, 2]", "array.json is not an odpkit report"),
                ("later.json", schema2, "later.json is an odpkit report of schema odpkit.report/2; this odpkit reads odpkit.report/1"),
                ("damaged.json", #"{"schema": "odpkit.report/1", "cells": []}"#, "damaged.json is a damaged odpkit report (testbed is missing)"),
            ]
            for input in inputs {
                try Data(input.text.utf8).write(to: directory.appendingPathComponent(input.name))
            }
            let written = inputs.map(\.name)
            for input in inputs {
                try expectRefused(["render", input.name, "--out", "html"], in: directory,
                                  says: "render: \(input.says)", leaving: written)
            }
            try expectRefused(["render", "none.json"], in: directory,
                              says: "open: ENOENT — cannot read none.json: no such file or directory; name a report.json an odpkit run wrote", leaving: written)
            try expectRefused(["render", directory.path], in: directory, says: "open: EISDIR — \(directory.path) is not a regular file", leaving: written)
            try expectRefused(["render", "/dev/zero"], in: directory, says: "open: /dev/zero is not a regular file", leaving: written)
        }
    }

    @Test func renderIntoAFileIsRefused() throws {
        try withTemporaryDirectory("odpkit-render-out") { directory in
            let input = try reportFile(in: directory)
            try expectRefused(["render", input, "--out", input], in: directory, says: "ENOTDIR — \(input) exists and is not a directory", leaving: ["report.json"])
        }
    }

    // MARK: helpers

    /// Runs `odpkit arguments` (or, when the first argument is an absolute path, that program) in `directory`.
    func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        guard let first = arguments.first, first.hasPrefix("/") else { return try TestSupport.run(try product("odpkit"), arguments, in: directory) }
        return try TestSupport.run(URL(fileURLWithPath: first), Array(arguments.dropFirst()), in: directory)
    }

    /// Expects `arguments` to exit 1 with one line on standard error, `odpkit: …` holding `says`, and
    /// `directory` to hold exactly `leaving` (recursively) afterwards.
    func expectRefused(_ arguments: [String], in directory: URL, says: String, leaving: [String],
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try run(arguments, in: directory)
        let command = arguments.joined(separator: " ")
        #expect(result.status == 1, "\(command): exit \(result.status), \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.hasPrefix("odpkit: ") && result.stderr.contains(says),
                "\(command): expected one line saying \"\(says)\", got: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(entries(directory) == Set(leaving), "\(command) left \(entries(directory))", sourceLocation: sourceLocation)
    }

    /// The command line that runs `odpkit arguments` without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH,
    /// so that root too meets file permissions (`setpriv` drops them from the bounding and inheritable sets).
    func withoutFileAccessOverride(_ arguments: [String]) throws -> [String] {
        let drop = "-dac_override,-dac_read_search"
        return ["/usr/bin/setpriv", "--bounding-set", drop, "--inh-caps", drop, "--", try product("odpkit").path] + arguments
    }

    /// A valid report.json in `directory`; its path.
    func reportFile(in directory: URL) throws -> String {
        let testbed = TestbedLabel(kernel: "6.12.0", device: "rxe0", driver: "rdma_rxe", rdmaCore: "56.0", cpu: "QEMU Virtual CPU",
                                   emulated: true, thp: "madvise", memlock: "8192 KiB", forkMode: "disabled", testbed: "rxe-tcg")
        let cell = ReportCell(key: CellKey(probe: .warm, mode: .pinned, operation: .read, bytes: 8, pages: 1), summary: LatencySummary(nanoseconds: [1000, 2000]))
        let path = directory.appendingPathComponent("report.json").path
        try Data(try LatencyReport(testbed: testbed, cells: [cell]).json().utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Every path under `directory`, relative to it.
    func entries(_ directory: URL) -> Set<String> {
        Set(FileManager.default.subpaths(atPath: directory.path) ?? [])
    }

    func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n").first ?? "")
    }
}
