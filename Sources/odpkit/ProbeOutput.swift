import ArgumentParser
import ODPKit
import ODPKitBench
import ODPKitReport

/// How a probe command prints what it measured: the report's tables, or its JSON; and its raw samples
/// appended to a CSV file when asked.
struct ProbeOutput: ParsableArguments {
    @Flag(help: "Print the report as JSON (schema odpkit.report/1, docs/report-format.md) instead of the table.")
    var json = false

    @Option(help: "Append every raw sample to this CSV file (probe,mode,operation,bytes,pages,conditions,sample,nanoseconds).")
    var csv: String?

    /// Runs `parts` of the suite with `options`, progress on stderr, then prints the report.
    func run(_ parts: [LatencySuite.Part], _ options: SuiteOptions) throws {
        try reportingErrors {
            let writer = try csv.map { path throws(ODPKitError) in try SamplesCSVWriter(path: path) }
            defer { try? writer?.close() }
            let report = try options.suite(parts).run(device: options.device.device, samples: writer) { line in progressLine(line) }
            print(json ? try report.json() : text(report))
        }
    }

    /// Runs `measure` into fresh results of `samples` samples a cell, appends its raw samples to the
    /// CSV file when asked, then prints the report `measure` returned.
    func run(samples: Int, _ measure: (ProbeResults) throws(ODPKitError) -> LatencyReport) throws {
        try reportingErrors {
            let results = ProbeResults(expectedSamples: samples)
            let report = try measure(results)
            if let csv {
                let writer = try SamplesCSVWriter(path: csv)
                defer { try? writer.close() }
                try results.appendSamples(to: writer)
            }
            print(json ? try report.json() : text(report))
        }
    }

    /// The tables (headed by the testbed line), then the notes.
    private func text(_ report: LatencyReport) -> String {
        ([reportTables(report)] + report.notes.map { "note: " + $0 }).joined(separator: "\n")
    }
}
