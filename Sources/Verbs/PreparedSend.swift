import CODPKitShim

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
        request.initialize(to: ibv_send_wr())
        request.pointee.sg_list = self.entry
        request.pointee.num_sge = 1
        request.pointee.opcode = opcode
        request.pointee.send_flags = UInt32(IBV_SEND_SIGNALED.rawValue)
        request.pointee.wr.rdma.remote_addr = remote.address
        request.pointee.wr.rdma.rkey = remote.rkey
        self.region = region
        self.queuePair = ObjectIdentifier(queuePair)
    }

    deinit {
        request.deallocate()
        entry.deallocate()
    }
}
