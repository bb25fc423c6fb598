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

    func run() throws {
        try reportingErrors {
            let input = URL(fileURLWithPath: report)
            let directory = out.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? input.deletingLastPathComponent()
            let text: String
            do {
                text = try String(contentsOf: input, encoding: .utf8)
            } catch {
                throw ODPKitError(.notFound, function: "odpkit render", reason: "cannot read \(report): \(error.localizedDescription); name a report.json an odpkit run wrote")
            }
            let page = ReportHTML.render(try LatencyReport(json: text))
            let output = directory.appendingPathComponent("report.html")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(page.utf8).write(to: output, options: .atomic)
            print(output.path)
        }
    }
}
