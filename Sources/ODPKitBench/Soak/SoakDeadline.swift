import ODPKit
import Synchronization

/// When the soak's threads stop: at the end of the mode's time, or earlier once one of them has asked
/// every thread to (a change that failed leaves pages nobody may touch).
final class SoakDeadline: Sendable {
    /// `monotonicNanoseconds()` at the end.
    let end: UInt64
    private let stopped = Atomic<Bool>(false)

    init(seconds: Int) {
        end = monotonicNanoseconds() + UInt64(seconds) * 1_000_000_000
    }

    /// Whether the threads should stop now.
    func hasPassed() -> Bool {
        stopped.load(ordering: .relaxed) || monotonicNanoseconds() >= end
    }

    /// Stops every thread at its next look.
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }
}
