import ArgumentParser
import Foundation
import ODPKit
import ODPKitBench
import ODPKitReport

/// `odpkit soak`: the invalidation-storm soak, every NIC access checked against the CPU's latest write.
struct SoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Change the mappings under a registered region (madvise, mmap over, mremap) while other threads READ and WRITE it through the NIC, checking every access, per mode.",
        discussion: "Exits 1 when ODP or the mirror mismatched, failed an access or checked nothing; pinned is expected to mismatch. The checker's protocol: docs/soak.md."
    )

    @Option(help: "Seconds per mode (1...\(SoakSettings.maximumSeconds)).")
    var seconds = SoakSettings().seconds

    @Option(help: "Changer threads and traffic threads, comma-separated (each 1...\(SoakSettings.maximumThreads)).")
    var threads = "\(SoakSettings().changerThreads),\(SoakSettings().trafficThreads)"

    @Option(help: "The region's size in pages (1...\(SoakSettings.maximumPages)).")
    var pages = SoakSettings().pages

    @Option(help: "The changes, comma-separated and distinct: \(SoakSettings.soakChanges.map(\.rawValue).joined(separator: ", ")).")
    var changes = SoakSettings.soakChanges.map(\.rawValue).joined(separator: ",")

    @Flag(help: "Print the soak as JSON instead of the table.")
    var json = false

    @OptionGroup var modes: ModesOption
    @OptionGroup var device: DeviceOption

    /// The settings the options give; nil when one is outside its bounds.
    var settings: SoakSettings? {
        guard let counts = positiveIntegers(threads, upTo: SoakSettings.maximumThreads), counts.count == 2 else { return nil }
        let named = changes.split(separator: ",", omittingEmptySubsequences: false).map { MappingChange(rawValue: String($0)) }
        let chosen = named.compactMap { $0 }
        guard chosen.count == named.count else { return nil }
        let settings = SoakSettings(seconds: seconds, pages: pages, changerThreads: counts[0], trafficThreads: counts[1], changes: chosen)
        return (try? settings.validate()) != nil ? settings : nil
    }

    func validate() throws {
        guard (1...SoakSettings.maximumSeconds).contains(seconds) else { throw ValidationError("--seconds takes 1...\(SoakSettings.maximumSeconds)") }
        guard (1...SoakSettings.maximumPages).contains(pages) else { throw ValidationError("--pages takes 1...\(SoakSettings.maximumPages)") }
        guard let counts = positiveIntegers(threads, upTo: SoakSettings.maximumThreads), counts.count == 2 else {
            throw ValidationError("--threads takes two counts, changer and traffic threads, each 1...\(SoakSettings.maximumThreads), e.g. 2,2")
        }
        guard settings != nil else {
            throw ValidationError("--changes takes distinct \(SoakSettings.soakChanges.map(\.rawValue).joined(separator: ", ")), comma-separated")
        }
    }

    func run() throws {
        try reportingErrors {
            guard let settings else { throw ExitCode.validationFailure }
            let path = try LoopbackPath(device: device.device)
            defer { try? path.close() }
            let results = try InvalidationSoak.run(modes.chosen(default: RegistrationMode.allCases), settings, on: path) { line in
                progressLine("odpkit " + line)
            }
            let report = SoakReport(testbed: TestbedLabel.current(device: path.context.deviceName), settings: settings, results: results)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(report.text)
            }
            if let failure = report.failure {
                throw ODPKitError(.incoherent, function: "odpkit soak", reason: "\(failure); the first mismatches and failures are listed above (docs/soak.md)")
            }
        }
    }
}
