import ArgumentParser
import ODPKit
import ODPKitBench
import ODPKitReport

/// How a probe command prints what it measured: the report's tables, or its JSON; and its raw samples
/// appended to a CSV file when asked, all or none.
struct ProbeOutput: ParsableArguments {
    @Flag(help: "Print the report as JSON (schema odpkit.report/1, docs/report-format.md) instead of the table.")
    var json = false

    @Option(help: "Append every raw sample to this CSV file (probe,mode,operation,bytes,pages,conditions,sample,nanoseconds) once the run is complete.")
    var csv: String?

    /// Runs `parts` of the suite with `options`, progress on stderr, then prints the report. Interrupted
    /// (SIGINT, SIGTERM), it prints the partial report and leaves the CSV file as it was.
    func run(_ parts: [LatencySuite.Part], _ options: SuiteOptions) throws {
        try reportingErrors(interruptible: true) {
            let suite = options.suite(parts)
            let writer = try csvWriter()
            try options.check(suite)
            let report = try suite.run(device: options.device.device, samples: writer) { line in progressLine(line) }
            if !report.partial { try writer?.commit() }
            print(json ? try report.json() : text(report))
        }
    }

    /// Runs `measure` into fresh results of `samples` samples a cell, after `check` (what the run needs
    /// of the host), appends its raw samples to the CSV file when asked, then prints the report `measure` returned.
    func run(samples: Int, check: () throws(ODPKitError) -> Void, _ measure: (ProbeResults) throws(ODPKitError) -> LatencyReport) throws {
        try reportingErrors(interruptible: true) {
            let writer = try csvWriter()
            try check()
            let results = ProbeResults(expectedSamples: samples)
            let report = try measure(results)
            if let writer {
                try results.appendSamples(to: writer)
                try writer.commit()
            }
            print(json ? try report.json() : text(report))
        }
    }

    /// The writer of the CSV file when one was asked for: the file gains the run's rows after those it
    /// holds once the run is complete (it is rewritten under a temporary name and renamed), or none.
    private func csvWriter() throws(ODPKitError) -> SamplesCSVWriter? {
        try csv.map { path throws(ODPKitError) in try SamplesCSVWriter(path: path, appending: true) }
    }

    /// The tables (headed by the testbed line), then the notes.
    private func text(_ report: LatencyReport) -> String {
        ([reportTables(report)] + report.notes.map { "note: " + $0 }).joined(separator: "\n")
    }
}
