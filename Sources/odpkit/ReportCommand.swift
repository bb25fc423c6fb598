import ArgumentParser
import Foundation
import ODPKit
import ODPKitReport
import ODPKitBench

/// `odpkit report`: the whole suite, written as report.json, samples.csv and a self-contained report.html.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Run every probe (modes interleaved) and write report.json, samples.csv and report.html to a directory."
    )

    @OptionGroup var options: SuiteOptions

    @Option(help: "The directory to write to (created if missing; the three files are replaced).")
    var out: String

    @Option(help: ArgumentHelp("perftest's wrapper (testbed/perftest-latency) to run in rounds beside odpkit's pinned cells before the probes.",
                               discussion: "perftest's own output goes to DIR/perftest.log."))
    var perftest: String?

    @Option(name: .customLong("perftest-rounds"), help: ArgumentHelp(
        "Rounds of perftest and odpkit at each of --perftest-sizes, comma-separated (one count serves every size).",
        discussion: "Each round runs perftest and a fresh odpkit on the same measure, one right after the other: perftest first in odd rounds, odpkit in even ones. 16 rounds a side give the ratio a 90.6 % interval."))
    var perftestRounds = "16,12"

    @Option(name: .customLong("perftest-sizes"), help: "Message sizes of the perftest rounds, comma-separated.")
    var perftestSizes = "8,65536"

    /// Every probe's name, in the suite's order.
    private static let partNames = LatencySuite.Part.allCases.map(\.rawValue)

    @Option(help: "Probes to run, comma-separated, in the suite's order: \(partNames.joined(separator: ",")).")
    var parts = partNames.joined(separator: ",")

    func validate() throws {
        guard let sizes = positiveIntegers(perftestSizes, upTo: SuiteOptions.maximumMessage) else {
            throw ValidationError("--perftest-sizes takes sizes in bytes 1...\(SuiteOptions.maximumMessage), e.g. 8,65536")
        }
        guard let rounds = positiveIntegers(perftestRounds, upTo: Self.maximumRounds), rounds.count == 1 || rounds.count == sizes.count else {
            throw ValidationError("--perftest-rounds takes one count 1...\(Self.maximumRounds), or one per size of --perftest-sizes, e.g. 16,12")
        }
        guard !chosenParts.isEmpty, chosenParts.count == parts.split(separator: ",").count else {
            throw ValidationError("--parts takes \(Self.partNames.joined(separator: ", "))")
        }
    }

    /// The parts asked for, in the suite's order.
    private var chosenParts: [LatencySuite.Part] {
        let named = Set(parts.split(separator: ",").compactMap { LatencySuite.Part(rawValue: String($0)) })
        return LatencySuite.Part.allCases.filter(named.contains)
    }

    private var sizes: [Int] { positiveIntegers(perftestSizes, upTo: SuiteOptions.maximumMessage) ?? [] }

    /// The most rounds of one size.
    private static let maximumRounds = 10_000

    func run() throws {
        try reportingErrors(interruptible: true) {
            var suite = options.suite(chosenParts)
            let directory = try OutputDirectory(path: out)
            do {
                // Every file is written under a temporary name and renamed once all are complete.
                let samples = try SamplesCSVWriter(path: directory.file("samples.csv"))
                let log = try perftest.map { _ throws(ODPKitError) in try OutputFile(path: directory.file("perftest.log")) }
                if let perftest, let log {
                    suite.perftest = PerftestProgram(path: perftest, log: log.temporaryPath)
                    suite.perftestRounds = positiveIntegers(perftestRounds, upTo: Self.maximumRounds) ?? []
                    suite.perftestSizes = sizes
                }
                try options.check(suite)
                let report = try suite.run(device: options.device.device, samples: samples) { line in
                    progressLine("odpkit report: " + line)
                }
                let json = try OutputFile(path: directory.file("report.json"))
                try json.write(try report.json())
                let html = try OutputFile(path: directory.file("report.html"))
                try html.write(ReportHTML.render(report))
                try samples.commit()
                try json.commit()
                try html.commit()
                try log?.commit()
                print(reportTables(report))
                for note in report.notes { print("note: " + note) }
                let written = "\(directory.file("report.json")), \(directory.file("samples.csv")) and \(directory.file("report.html"))"
                if report.partial {
                    print("odpkit report: interrupted: wrote the partial report (the cells measured until then) to \(written)")
                } else {
                    print("odpkit report: wrote \(written) in \(Int(report.durationSeconds)) s")
                }
            } catch {
                directory.removeIfMade()
                throw error
            }
        }
    }
}
