import CODPKitVerbs

/// A send work request (`struct ibv_send_wr` and its one `struct ibv_sge`) built and checked once by
/// `QueuePair.prepareRead` or `prepareWrite`, then posted again and again with `QueuePair.post(_:id:)`,
/// as perftest's latency loops repost one request: a post then only sets the id, checks that the queue
/// pair and the region are open and the queue has room, and calls `ibv_post_send`. It keeps its
/// region alive; it belongs to the queue pair that built it.
public struct PreparedSend: ~Copyable {
    let request: UnsafeMutablePointer<ibv_send_wr>
    let entry: UnsafeMutablePointer<ibv_sge>
    let region: MemoryRegion
    let queuePair: ObjectIdentifier

    init(_ opcode: ibv_wr_opcode, _ entry: ibv_sge, region: MemoryRegion, remote: RemoteBuffer, queuePair: QueuePair) {
        self.entry = .allocate(capacity: 1)
        self.entry.initialize(to: entry)
        request = .allocate(capacity: 1)
        request.initialize(to: ibv_send_wr(signaled: opcode, id: 0, entry: self.entry, remote: remote))
        self.region = region
        self.queuePair = ObjectIdentifier(queuePair)
    }

    deinit {
        request.deallocate()
        entry.deallocate()
    }
}

extension ibv_send_wr {
    /// A signaled work request of `opcode` over the one scatter/gather entry at `entry`, to or from
    /// `remote` for an RDMA READ or WRITE (nil for a SEND): what every post of a queue pair sends.
    @inline(__always)
    init(signaled opcode: ibv_wr_opcode, id: UInt64, entry: UnsafeMutablePointer<ibv_sge>, remote: RemoteBuffer?) {
        self.init()
        wr_id = id
        sg_list = entry
        num_sge = 1
        self.opcode = opcode
        send_flags = UInt32(IBV_SEND_SIGNALED.rawValue)
        if let remote {
            wr.rdma.remote_addr = remote.address
            wr.rdma.rkey = remote.rkey
        }
    }
}
