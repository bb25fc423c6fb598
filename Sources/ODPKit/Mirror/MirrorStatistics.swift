public import Histogram

/// What a mirror region measured of itself: how often it was invalidated and re-faulted, and how long
/// the invalidation window (event read → translation coherent again) and each re-fault took.
public struct MirrorStatistics: Sendable {
    /// Invalidation events (remove, unmap, remap) that touched the region.
    public var invalidations = 0
    /// Chunks re-established after an invalidation (unpinned, re-pinned, re-registered).
    public var refaults = 0
    /// Re-faults thrown away because an invalidation raced with them (read-retry).
    public var retries = 0
    /// Re-faults done in place (`ibv_rereg_mr` changed the translation, keys kept).
    public var changedInPlace = 0
    /// Re-faults done with a new memory region (new keys), where the device cannot change a translation.
    public var reregistered = 0
    /// Why the device could not change a translation in place, once a re-fault asked it.
    public var inPlaceUnsupported: String?
    /// Pinned pages found zapped after their chunk was committed — a REMOVE's zap that came after a
    /// zero page had shown another one's — whose chunk was invalidated and pinned again.
    public var orphansRepinned = 0
    /// Pages that stayed present `ChunkTable.settle` after a REMOVE (`MADV_FREE` zaps nothing): the
    /// zap was taken as never coming.
    public var zapsNeverSeen = 0
    /// Eager refreshes that could not pin a chunk (its range unmapped, say): the next use tries again.
    public var eagerFailures = 0
    /// Event read → the chunk's translation coherent again, in nanoseconds.
    public var invalidationWindow = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    /// One chunk's re-fault after an invalidation (deregister the old, register the new), in nanoseconds;
    /// the first registration of each chunk is not counted.
    public var refaultTime = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    /// Records a chunk's refresh; `window` is nil for its first registration, which is not a re-fault.
    mutating func recordRefault(_ duration: Duration, window: Duration?, inPlace: Bool) {
        guard let window else { return }
        refaults += 1
        if inPlace { changedInPlace += 1 } else { reregistered += 1 }
        refaultTime.record(duration.nanoseconds)
        invalidationWindow.record(window.nanoseconds)
    }
}
