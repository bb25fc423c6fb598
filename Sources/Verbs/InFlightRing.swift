/// The posted, not yet completed work requests of one queue, in post order, each holding its memory region.
///
/// Fixed capacity, allocated once: posting and retiring allocate nothing. A reliable-connected
/// queue completes its work requests in order, so the oldest entry is the one that completes next.
struct InFlightRing {
    private struct Slot {
        var id: UInt64 = 0
        var region: MemoryRegion?
    }

    private var slots: [Slot]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        slots = Array(repeating: Slot(), count: max(1, capacity))
    }

    var capacity: Int { slots.count }
    var isFull: Bool { count == slots.count }

    /// Records a posted work request; the region stays alive and counted busy until it retires.
    mutating func push(id: UInt64, region: MemoryRegion) {
        precondition(!isFull, "InFlightRing.push on a full ring: check isFull before posting")
        slots[(head + count) % slots.count] = Slot(id: id, region: region)
        region.inFlightCount.add(1, ordering: .releasing)
        count += 1
    }

    /// The id of the oldest work request, nil when none is in flight.
    var oldestID: UInt64? { count > 0 ? slots[head].id : nil }

    /// Retires the oldest work request.
    mutating func popOldest() {
        guard count > 0 else { return }
        slots[head].region?.inFlightCount.subtract(1, ordering: .releasing)
        slots[head] = Slot()
        head = (head + 1) % slots.count
        count -= 1
    }

    /// Retires every work request (the queue pair is gone, the NIC no longer uses them).
    mutating func drain() {
        while count > 0 { popOldest() }
    }
}
