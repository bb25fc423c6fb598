import Synchronization

/// How many copy and zeroPage calls on a userfaultfd ended each way.
public struct ResolveTally: Hashable, Sendable, CustomStringConvertible {
    /// Calls that mapped pages (`.resolved`).
    public var resolved = 0
    /// Calls that found a page already mapped (`.exists`).
    public var exists = 0
    /// Calls the kernel asked to retry (`.retry`).
    public var retries = 0

    public var description: String { "resolved \(resolved), exists \(exists), retry \(retries)" }
}

/// The counters behind a `ResolveTally`, updated by whichever thread resolves and read by any.
final class ResolveCounts: Sendable {
    private let resolved = Atomic(0)
    private let exists = Atomic(0)
    private let retries = Atomic(0)

    func record(_ result: UserFaultFD.ResolveResult) {
        switch result {
        case .resolved: resolved.add(1, ordering: .relaxed)
        case .exists: exists.add(1, ordering: .relaxed)
        case .retry: retries.add(1, ordering: .relaxed)
        }
    }

    var tally: ResolveTally {
        ResolveTally(resolved: resolved.load(ordering: .relaxed), exists: exists.load(ordering: .relaxed),
                     retries: retries.load(ordering: .relaxed))
    }
}
