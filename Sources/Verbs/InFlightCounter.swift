import Synchronization

/// How many posted work requests use a memory region: incremented on post, decremented when the
/// completion is polled, read by `close()` and by a mirror's refresher on another thread.
///
/// Its own object, apart from the region, because the in-flight ring touches it on every completion:
/// a memory region is weakly referenced by its protection domain, and retaining a weakly referenced
/// Swift object takes a 16-byte compare-and-swap on its side table (`lock cmpxchg16b`), which qemu TCG
/// emulates by stopping every other vCPU — among them the one running soft-RoCE's work queue. This
/// object is never weakly referenced, so retaining it is one ordinary atomic add.
final class InFlightCounter: Sendable {
    private let value = Atomic<Int>(0)

    var current: Int { value.load(ordering: .acquiring) }

    func increment() { value.add(1, ordering: .releasing) }

    func decrement() { value.subtract(1, ordering: .releasing) }
}
