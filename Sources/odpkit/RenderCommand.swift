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
        let input = URL(fileURLWithPath: report)
        let directory = out.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? input.deletingLastPathComponent()
        let page: String
        do {
            page = ReportHTML.render(try LatencyReport(json: try String(contentsOf: input, encoding: .utf8)))
        } catch {
            FileHandle.standardError.write(Data("odpkit: \(report): \(error)\n".utf8))
            throw ExitCode(1)
        }
        let output = directory.appendingPathComponent("report.html")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(page.utf8).write(to: output)
        print(output.path)
    }
}
