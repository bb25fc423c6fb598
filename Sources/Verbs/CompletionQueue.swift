import CODPKitVerbs
public import ODPKitSystem


/// A completion queue (`struct ibv_cq`), polled without allocating.
///
/// It keeps its context alive; `close()` closes the live queue pairs that use it first.
/// Each completion it polls is handed to its queue pair, which then releases what the work request held.
public final class CompletionQueue: VerbsResource {
    public let context: Context
    public let capacity: Int
    // Read on every poll: no dynamic exclusivity check (see `MemoryRegion.lkey`).
    @exclusivity(unchecked) private(set) var handle: UnsafeMutablePointer<ibv_cq>?
    /// The queue pairs that use this queue, by number: a handful, so a linear search beats hashing.
    @exclusivity(unchecked) private var queuePairs: [(number: UInt32, queuePair: Unmanaged<QueuePair>)] = []
    private let buffer: UnsafeMutableBufferPointer<ibv_wc>
    let children = Children()

    /// Creates a completion queue of at least `capacity` entries.
    ///
    /// The corresponding C function is `ibv_create_cq`.
    public init(context: Context, capacity: Int = 256) throws(ODPKitError) {
        let raw = try context.live("ibv_create_cq")
        guard capacity > 0, capacity <= context.attributes.maxCompletionQueueEntries else {
            throw ODPKitError(.invalidArgument, function: "ibv_create_cq", reason: "capacity \(capacity) is outside 1...\(context.attributes.maxCompletionQueueEntries)")
        }
        handle = try nonNull("ibv_create_cq", ibv_create_cq(raw, Int32(capacity), nil, nil, 0), reason: "cannot create a completion queue of \(capacity) on \(context.deviceName)")
        self.context = context
        self.capacity = capacity
        buffer = .allocate(capacity: 16)
        context.children.add(self)
    }

    deinit {
        try? close()
        buffer.deallocate()
    }

    func live(_ function: String) throws(ODPKitError) -> UnsafeMutablePointer<ibv_cq> {
        guard let handle else { throw useAfterClose("completion queue", function: function) }
        return handle
    }

    func attach(_ qp: QueuePair, number: UInt32) {
        if !queuePairs.contains(where: { $0.number == number }) {
            queuePairs.append((number, Unmanaged.passUnretained(qp)))
        }
        children.add(qp)
    }

    func detach(_ qp: QueuePair, number: UInt32) {
        queuePairs.removeAll { $0.number == number }
        children.remove(qp)
    }

    /// Polls up to `limit` completions into the buffer and hands each to its queue pair to retire.
    private func pollIntoBuffer(limit: Int) throws(ODPKitError) -> Int {
        let count = ibv_poll_cq(try live("ibv_poll_cq"), Int32(min(limit, buffer.count)), buffer.baseAddress)
        guard count >= 0 else {
            throw ODPKitError.call("ibv_poll_cq", errno: lastErrno())
        }
        for index in 0..<Int(count) {
            retire(WorkCompletion(buffer[index]))
        }
        return Int(count)
    }

    /// Hands `completion` to its queue pair, which releases what the work request held.
    @inline(__always)
    private func retire(_ completion: WorkCompletion) {
        // Indices, not an iterator: an iterator would retain and release the array on every completion.
        var position = 0
        while position < queuePairs.count {
            let entry = queuePairs[position]
            if entry.number == completion.queuePairNumber {
                entry.queuePair._withUnsafeGuaranteedRef { $0.retire(completion) }
                return
            }
            position += 1
        }
    }

    /// Polls one completion of `cq` (this queue's handle) into the buffer without handing it to its
    /// queue pair; returns its queue pair's number, nil when there was none. `retireHeld()` hands it
    /// over: `QueuePair.timeBackToBack` posts in between.
    @inline(__always)
    func pollHeld(_ cq: UnsafeMutablePointer<ibv_cq>) throws(ODPKitError) -> UInt32? {
        let count = ibv_poll_cq(cq, 1, buffer.baseAddress)
        guard count >= 0 else {
            throw ODPKitError.call("ibv_poll_cq", errno: lastErrno())
        }
        return count == 1 ? buffer[0].qp_num : nil
    }

    /// The completion `pollHeld` left in the buffer, handed to its queue pair now.
    @inline(__always)
    func retireHeld() -> WorkCompletion {
        let completion = WorkCompletion(buffer[0])
        retire(completion)
        return completion
    }

    /// Polls up to 16 completions and hands each to `body`; returns how many there were.
    ///
    /// The corresponding C function is `ibv_poll_cq`.
    @discardableResult
    public func poll(_ body: (WorkCompletion) throws(ODPKitError) -> Void) throws(ODPKitError) -> Int {
        let count = try pollIntoBuffer(limit: buffer.count)
        for index in 0..<count {
            try body(WorkCompletion(buffer[index]))
        }
        return count
    }

    /// Busy-polls until one completion arrives or `timeout` passes; others stay queued.
    ///
    /// The clock is read once per 256 empty polls (`SpinDeadline`).
    public func next(timeout: Duration = .seconds(10)) throws(ODPKitError) -> WorkCompletion {
        var deadline = SpinDeadline(timeout: timeout, clockEvery: 256)
        while try pollIntoBuffer(limit: 1) == 0 {
            if deadline.hasPassed() {
                throw ODPKitError(.timedOut, function: "ibv_poll_cq", reason: "no completion within \(timeout) on \(context.deviceName)")
            }
        }
        return WorkCompletion(buffer[0])
    }

    /// Closes the queue pairs that use this queue, then the queue.
    ///
    /// The corresponding C function is `ibv_destroy_cq`. A second call does nothing.
    public func close() throws(ODPKitError) {
        guard let cq = handle else { return }
        handle = nil
        context.children.remove(self)
        try closeChildren(children.takeAll(), thenDestroy: "ibv_destroy_cq") { ibv_destroy_cq(cq) }
    }
}
