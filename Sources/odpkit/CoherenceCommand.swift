import ArgumentParser
import ODPKit
import ODPKitBench
import ODPKitReport

/// `odpkit coherence`: the coherence matrix, what the NIC sees after each change the CPU makes, per mode.
struct CoherenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coherence",
        abstract: "Print the coherence matrix: after each change the CPU makes to registered memory, does the NIC see what the CPU sees, per mode?"
    )

    /// The most repetitions of each cell.
    static let maximumRepeats = 10_000

    @Option(help: "Scenarios, comma-separated (default: all): \(CoherenceScenario.all.map(\.name).joined(separator: ", ")).")
    var scenarios: String?

    @Option(name: .customLong("repeat"), help: "Repetitions of every cell, modes interleaved (1...\(Self.maximumRepeats)).")
    var repeats = 1

    @Flag(help: "Print the cells as JSON (docs/report-format.md, `coherence`) instead of the table.")
    var json = false

    @OptionGroup var modes: ModesOption
    @OptionGroup var device: DeviceOption

    func validate() throws {
        guard (1...Self.maximumRepeats).contains(repeats) else { throw ValidationError("--repeat takes 1...\(Self.maximumRepeats)") }
        if let scenarios {
            let names = scenarios.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !names.isEmpty, names.allSatisfy({ CoherenceScenario.named($0) != nil }), Set(names).count == names.count else {
                throw ValidationError("--scenarios takes distinct names of \(CoherenceScenario.all.map(\.name).joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        try reportingErrors(interruptible: true) {
            let chosen = scenarios.map { $0.split(separator: ",").compactMap { CoherenceScenario.named(String($0)) } } ?? CoherenceScenario.all
            let chosenModes = modes.chosen(default: RegistrationMode.allCases)
            try Preflight.checkDevice(device.device, modes: chosenModes)
            let path = try LoopbackPath(device: device.device, stagingBytes: CoherenceMatrix.stagingBytes)
            defer { try? path.close() }
            let cells = try CoherenceMatrix.run(scenarios: chosen, modes: chosenModes, repeats: repeats, on: path) { line in
                progressLine("odpkit " + line)
            }
            if json {
                try printJSON(cells)
            } else {
                print("testbed: \(TestbedLabel.current(device: path.context.deviceName).summary)")
                print(CoherenceTable.render(cells) ?? "no cells")
            }
        }
    }
}
