import ArgumentParser
import Foundation
import ODPKit

/// `odpkit report`: the whole suite, written as report.json, samples.csv and a self-contained report.html.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Run every probe (modes interleaved) and write report.json, samples.csv and report.html to a directory."
    )

    @OptionGroup var options: SuiteOptions

    @Option(help: "The directory to write to (created if missing; the three files are replaced).")
    var out: String

    @Option(help: "perftest results to show beside odpkit's, one JSON object per line (testbed/perftest-latency writes them).")
    var perftest: String?

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let csvPath = out + "/samples.csv"
        try? FileManager.default.removeItem(atPath: csvPath)
        let writer = try SamplesCSVWriter(path: csvPath)
        defer { try? writer.close() }
        var report = try options.suite(LatencySuite.Part.allCases).run(device: options.device, samples: writer) { line in
            progressLine("odpkit report: " + line)
        }
        if let perftest {
            report.perftest = try PerftestResult.parse(lines: String(contentsOfFile: perftest, encoding: .utf8))
        }
        try report.json().write(toFile: out + "/report.json", atomically: true, encoding: .utf8)
        try ReportHTML.render(report).write(toFile: out + "/report.html", atomically: true, encoding: .utf8)
        print(reportTables(report))
        for note in report.notes { print("note: " + note) }
        print("odpkit report: wrote \(out)/report.json, \(out)/samples.csv and \(out)/report.html in \(Int(report.durationSeconds)) s")
    }
}
