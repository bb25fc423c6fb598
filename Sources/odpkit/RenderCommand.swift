import ArgumentParser
import Foundation
import ODPKit
import ODPKitReport

/// `odpkit render REPORT.json --out DIR`: the HTML page of a saved report, so it can be drawn again.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a saved report.json as one self-contained HTML page (DIR/report.html)."
    )

    @Argument(help: "The report.json an odpkit run wrote.")
    var report: String

    @Option(help: "The directory to write report.html into, created if missing (default: the report's directory).")
    var out: String?

    /// The largest report.json read: far above any run's, and a device or a wrong file is refused, not read to its end.
    static let maximumBytes = 256 << 20

    func run() throws {
        try reportingErrors {
            let bytes = try contents(ofFile: report, atMost: Self.maximumBytes, remedy: "name a report.json an odpkit run wrote")
            let parsed: LatencyReport
            do throws(ODPKitError) {
                parsed = try LatencyReport(json: String(decoding: bytes, as: UTF8.self))
            } catch {
                throw ODPKitError(error.code, function: "render", reason: "\(report) is \(error.reason); name a report.json an odpkit run wrote")
            }
            let directory = try OutputDirectory(path: out ?? URL(fileURLWithPath: report).deletingLastPathComponent().path)
            do {
                try OutputFile.write(ReportHTML.render(parsed), to: directory.file("report.html"))
            } catch {
                directory.removeIfMade()
                throw error
            }
            print(directory.file("report.html"))
        }
    }
}
