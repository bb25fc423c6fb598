/// The posted, not yet completed work requests of one queue, in post order, each holding its memory region.
///
/// Fixed capacity, allocated once: posting and retiring allocate nothing. A reliable-connected
/// queue completes its work requests in order, so the oldest entry is the one that completes next.
///
/// A slot keeps its region referenced after the work request retires, until the slot is reused for
/// another region or the queue is drained: a loop that posts on the same regions again and again then
/// retains no region (see `InFlightCounter` for why that matters) and only counts on its counter.
struct InFlightRing {
    private struct Slot {
        var id: UInt64 = 0
        var region: MemoryRegion?
        var counter: InFlightCounter?
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
        let index = (head + count) % slots.count
        slots[index].id = id
        if slots[index].region !== region {
            slots[index].region = region
            slots[index].counter = region.inFlightCounter
        }
        slots[index].counter?.increment()
        count += 1
    }

    /// The id of the oldest work request, nil when none is in flight.
    var oldestID: UInt64? { count > 0 ? slots[head].id : nil }

    /// Retires the oldest work request (its slot keeps the region referenced until reused or drained).
    mutating func popOldest() {
        guard count > 0 else { return }
        slots[head].counter?.decrement()
        head = (head + 1) % slots.count
        count -= 1
    }

    /// Retires every work request and lets go of every region (the queue pair is gone or reset).
    mutating func drain() {
        while count > 0 { popOldest() }
        for index in slots.indices { slots[index] = Slot() }
    }
}
