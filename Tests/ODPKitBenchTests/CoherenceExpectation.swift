import ODPKit
import ODPKitBench
import ODPKitReport
import Testing

/// What one scenario must show for a mode, for a NIC READ and a NIC WRITE alike unless `write` differs,
/// and why, from the kernel's semantics: an expectation written from the reason, not copied from a run.
struct CoherenceExpectation: CustomStringConvertible {
    var scenario: String
    var mode: RegistrationMode
    /// The verdict of a NIC READ (and of a WRITE unless `write` is set), as `CoherenceVerdict.description` spells it.
    var read: String
    var write: String?
    var why: String

    init(_ scenario: String, _ mode: RegistrationMode, _ read: String, write: String? = nil, because why: String) {
        self.scenario = scenario
        self.mode = mode
        self.read = read
        self.write = write
        self.why = why
    }

    var description: String { "\(scenario) \(mode)" }

    /// Runs the expectation's cell for both accesses on `path` and expects each verdict, naming the
    /// scenario, mode and reason when it flips.
    func check(on path: LoopbackPath, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let scenario = try #require(CoherenceScenario.named(self.scenario), "no scenario \(self.scenario)", sourceLocation: sourceLocation)
        let cells = try CoherenceMatrix.run(scenarios: [scenario], modes: [mode], on: path)
        for cell in cells {
            let expected = cell.access == .write ? (write ?? read) : read
            #expect(cell.verdict == expected, "\(self.scenario), \(mode), NIC \(cell.access): expected \(expected) because \(why); got \(cell.verdict) (\(cell.detail))",
                    sourceLocation: sourceLocation)
        }
    }
}
