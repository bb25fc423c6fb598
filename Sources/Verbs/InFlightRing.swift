/// The posted, not yet completed work requests of one queue, in post order, each holding its memory region.
///
/// Fixed capacity, allocated once: posting and retiring allocate nothing and, in the steady state of
/// a data path, make no runtime call at all. A slot keeps the region of its last work request after
/// that request retires, and a post through the same slot with the same region keeps it as it is:
/// the retain and release per work request (two calls into the Swift runtime, between a post and
/// its poll) happen only when a slot's region changes. So a queue pair keeps each region it posted
/// from alive (not registered: `close()` deregisters it as soon as nothing is in flight) until its
/// slots move on to other regions, the queue pair is reset or it closes.
///
/// A reliable-connected queue completes its work requests in order, so the oldest entry is the one
/// that completes next.
struct InFlightRing: ~Copyable {
    private struct Slot {
        var id: UInt64 = 0
        /// Retained by the slot (released when the slot takes another region, or at `drain()`): an
        /// `Unmanaged` reference, so that reading it to count a retirement retains nothing.
        var region: Unmanaged<MemoryRegion>?
    }

    /// Storage of a power-of-two size, `mask + 1`, so positions wrap with a mask instead of a division.
    private let slots: UnsafeMutablePointer<Slot>
    private let mask: Int
    /// How many work requests the queue takes: the ring is full at this count.
    let capacity: Int
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        var size = 1
        while size < self.capacity { size <<= 1 }
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: Slot(), count: size)
    }

    deinit {
        releaseAll()
        slots.deallocate()
    }

    var isFull: Bool { count == capacity }

    /// Records a posted work request; the region stays alive and counted busy until it retires.
    mutating func push(id: UInt64, region: MemoryRegion) {
        precondition(!isFull, "InFlightRing.push on a full ring: check isFull before posting")
        let slot = slots + ((head + count) & mask)
        slot.pointee.id = id
        if slot.pointee.region?.toOpaque() != Unmanaged.passUnretained(region).toOpaque() {
            slot.pointee.region?.release()
            slot.pointee.region = .passRetained(region)
        }
        region.inFlightCount.add(1, ordering: .releasing)
        count += 1
    }

    /// The id of the oldest work request, nil when none is in flight.
    var oldestID: UInt64? { count > 0 ? slots[head].id : nil }

    /// Retires the oldest work request; its slot keeps the region for the next post through it.
    mutating func popOldest() {
        guard count > 0 else { return }
        slots[head].region?._withUnsafeGuaranteedRef { _ = $0.inFlightCount.subtract(1, ordering: .releasing) }
        head = (head + 1) & mask
        count -= 1
    }

    /// Retires every work request and lets go of every region (the queue pair is reset or gone: the
    /// NIC no longer uses them).
    mutating func drain() {
        releaseAll()
        head = 0
        count = 0
    }

    /// Uncounts every work request still in flight and releases every slot's region; `head` and
    /// `count` are left to the caller.
    private func releaseAll() {
        for position in 0..<count {
            slots[(head + position) & mask].region?._withUnsafeGuaranteedRef { _ = $0.inFlightCount.subtract(1, ordering: .releasing) }
        }
        for position in 0...mask {
            slots[position].region?.release()
            slots[position].region = nil
        }
    }
}
