import ODPKit
import ODPKitReport

/// What a mirror region did about a coherence cell's change: the invalidation events it heard, the
/// chunks it re-pinned, and its window — from the change's return until the region handed out
/// coherent keys again. Empty for pinned and ODP regions.
struct MirrorObservation {
    private var region: MirrorRegion?
    private var before: MirrorStatistics?
    private var changed: UInt64?
    private var ready: UInt64?
    private var after: MirrorStatistics?

    /// Notes the mirror's counts before the change (nothing for another mode).
    mutating func beforeChange(_ registered: RegisteredRegion) {
        region = try? MirrorRegion.of(registered)
        before = region?.statistics
    }

    /// Notes the time the change returned.
    mutating func changeReturned() {
        changed = monotonicNanoseconds()
    }

    /// Notes the time the region's segments were ready for the NIC after the change, and its counts then.
    mutating func keysReady(at time: UInt64) {
        guard let region, changed != nil, ready == nil else { return }
        ready = time
        after = region.statistics
    }

    /// `outcome` with the mirror's events in its detail and its window, where it re-pinned chunks.
    func annotated(_ outcome: CoherenceMatrix.Outcome) -> CoherenceMatrix.Outcome {
        guard let before, changed != nil else { return outcome }
        let now = after ?? region?.statistics ?? before
        let heard = now.invalidations - before.invalidations
        let repinned = now.refaults - before.refaults
        var annotated = outcome
        let events = heard == 0 ? "heard no invalidation event" : "heard \(heard) invalidation event\(heard == 1 ? "" : "s")"
        annotated.detail += (annotated.detail.isEmpty ? "" : "; ") + "the mirror \(events) and re-pinned \(repinned) chunk\(repinned == 1 ? "" : "s")"
        if repinned > 0, let changed, let ready, ready >= changed {
            annotated.window = ready - changed
            annotated.detail += " in \(ReportFormat.microseconds(Double(ready - changed) / 1000)) µs"
        }
        return annotated
    }
}
