import ODPKit
import ODPKitBench
import ODPKitReport
import Foundation
import Testing
import TestSupport

/// What one scenario must show for a mode, for a NIC READ and a NIC WRITE alike unless `write` differs,
/// and why, from the kernel's semantics: an expectation written from the reason, not copied from a run.
struct CoherenceExpectation: CustomStringConvertible {
    var scenario: String
    var mode: RegistrationMode
    /// The verdict of a NIC READ (and of a WRITE unless `write` is set), as `CoherenceVerdict.description` spells it.
    var read: String
    var write: String?
    var why: String
    /// For a mirror cell: whether the mirror must hear the change (an invalidation event, chunks re-pinned,
    /// a window measured) or must hear nothing (userfaultfd sends no event for it); nil: not checked.
    var mirrorHears: Bool?

    init(_ scenario: String, _ mode: RegistrationMode, _ read: String, write: String? = nil, because why: String, mirrorHears: Bool? = nil) {
        self.scenario = scenario
        self.mode = mode
        self.read = read
        self.write = write
        self.why = why
        self.mirrorHears = mirrorHears
    }

    var description: String { "\(scenario) \(mode)" }

    /// Runs the expectation's cell for both accesses on `path` and expects each verdict, naming the
    /// scenario, mode and reason when it flips. A scenario that leaves pages unmapped runs in a process of
    /// its own (`odpkit coherence --json`): a NIC access that reaches the hole must not land in memory
    /// another test of this process has just mapped there.
    func check(on path: LoopbackPath, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let scenario = try #require(CoherenceScenario.named(self.scenario), "no scenario \(self.scenario)", sourceLocation: sourceLocation)
        let cells: [CoherenceCell]
        if scenario.unmappedPages.isEmpty {
            cells = try CoherenceMatrix.run(scenarios: [scenario], modes: [mode], on: path)
        } else {
            let result = try runProduct("odpkit", ["coherence", "--scenarios", scenario.name, "--modes", mode.rawValue, "--json"])
            try #require(result.status == 0, "odpkit coherence exited \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
            cells = try JSONDecoder().decode([CoherenceCell].self, from: Data(result.stdout.utf8))
        }
        #expect(cells.count == NICAccess.allCases.count, "\(self.scenario) \(mode): \(cells.count) cells", sourceLocation: sourceLocation)
        for cell in cells {
            let expected = cell.access == .write ? (write ?? read) : read
            #expect(cell.verdict == expected, "\(self.scenario), \(mode), NIC \(cell.access): expected \(expected) because \(why); got \(cell.verdict) (\(cell.detail))",
                    sourceLocation: sourceLocation)
            switch mirrorHears {
            case true?:
                #expect(cell.windowNanoseconds?.count == 1 && cell.detail.contains("the mirror heard ") && !cell.detail.contains("heard no invalidation event"),
                        "\(self.scenario), NIC \(cell.access): the mirror must hear the change and re-pin, with its window measured: \(cell.detail)", sourceLocation: sourceLocation)
            case false?:
                #expect(cell.windowNanoseconds == nil && cell.detail.contains("the mirror heard no invalidation event"),
                        "\(self.scenario), NIC \(cell.access): userfaultfd sends no event for this change: \(cell.detail)", sourceLocation: sourceLocation)
            case nil:
                break
            }
        }
    }
}
