import Foundation
import ODPKit

extension Process {
    /// Whether the program, once ended, exited with status 0.
    var succeeded: Bool { terminationReason == .exit && terminationStatus == 0 }

    /// How the program ended, once it has: `ended with status N` or `was killed by signal N`.
    var ending: String {
        terminationReason == .uncaughtSignal ? "was killed by signal \(terminationStatus)" : "ended with status \(terminationStatus)"
    }
}
