import CODPKitVerbs
public import ODPKitSystem

#if canImport(Glibc)
import Glibc
#endif

/// A reliable-connected queue pair (`struct ibv_qp`, `IBV_QPT_RC`).
///
/// It keeps its protection domain and completion queues alive. Every work request is signaled and
/// holds its memory region until its completion is polled, so a region is never deregistered under
/// the NIC; the queue keeps the Swift object of each region it posted from a while longer, until
/// other regions take its place (`InFlightRing`). Resetting or closing the queue pair releases them all.
public final class QueuePair: VerbsResource {
    /// Queue sizes asked for at creation (`struct ibv_qp_cap`).
    public struct Capabilities: Sendable, Hashable {
        public var maxSendWorkRequests = 64
        public var maxReceiveWorkRequests = 64
        public var maxInlineData = 0
        public init() {}
    }

    public let pd: ProtectionDomain
    public let sendQueue: CompletionQueue
    public let receiveQueue: CompletionQueue
    /// The queue pair number the NIC assigned.
    public let number: UInt32
    /// How the queue pair was connected, once it is.
    public private(set) var connection: ConnectionOptions?

    // Read and written on every post and completion: no dynamic exclusivity check (see `MemoryRegion.lkey`).
    @exclusivity(unchecked) private(set) var handle: UnsafeMutablePointer<ibv_qp>?
    @exclusivity(unchecked) private var sends: InFlightRing
    @exclusivity(unchecked) private var receives: InFlightRing
    private let initialPSN = UInt32.random(in: 0..<(1 << 24))

    /// Creates a reliable-connected queue pair in the reset state.
    ///
    /// The corresponding C function is `ibv_create_qp`.
    public init(pd: ProtectionDomain, sendQueue: CompletionQueue, receiveQueue: CompletionQueue, capabilities: Capabilities = .init()) throws(ODPKitError) {
        let rawPD = try pd.live("ibv_create_qp")
        var attr = ibv_qp_init_attr()
        attr.send_cq = try sendQueue.live("ibv_create_qp")
        attr.recv_cq = try receiveQueue.live("ibv_create_qp")
        attr.qp_type = IBV_QPT_RC
        attr.sq_sig_all = 1
        attr.cap.max_send_wr = UInt32(capabilities.maxSendWorkRequests)
        attr.cap.max_recv_wr = UInt32(capabilities.maxReceiveWorkRequests)
        attr.cap.max_send_sge = 1
        attr.cap.max_recv_sge = 1
        attr.cap.max_inline_data = UInt32(capabilities.maxInlineData)
        let qp = try nonNull("ibv_create_qp", ibv_create_qp(rawPD, &attr), reason: "cannot create an RC queue pair on \(pd.context.deviceName)")
        handle = qp
        self.pd = pd
        self.sendQueue = sendQueue
        self.receiveQueue = receiveQueue
        number = qp.pointee.qp_num
        sends = InFlightRing(capacity: Int(attr.cap.max_send_wr))
        receives = InFlightRing(capacity: Int(attr.cap.max_recv_wr))
        pd.children.add(self)
        sendQueue.attach(self, number: number)
        receiveQueue.attach(self, number: number)
    }

    deinit {
        try? close()
    }

    private func live(_ function: String) throws(ODPKitError) -> UnsafeMutablePointer<ibv_qp> {
        guard let handle else { throw useAfterClose("queue pair", function: function) }
        return handle
    }

    /// Work requests posted and not yet completed, sends and receives.
    public var outstanding: (sends: Int, receives: Int) { (sends.count, receives.count) }

    // MARK: Connecting

    /// What a peer needs to connect to this queue pair through `options`' port and GID.
    public func endpoint(_ options: ConnectionOptions = .init()) throws(ODPKitError) -> QueuePairEndpoint {
        let port = try pd.context.port(options.port)
        let gid = try localGID(options, port: port)
        return QueuePairEndpoint(gid: gid?.gid.octets ?? Array(repeating: 0, count: 16), lid: port.lid, queuePairNumber: number, packetSequenceNumber: initialPSN)
    }

    /// Connects this queue pair to itself: every work request loops back through the NIC.
    public func connectToSelf(_ options: ConnectionOptions = .init()) throws(ODPKitError) {
        try connect(to: endpoint(options), options)
    }

    /// Connects this queue pair and `other` to each other (on one device or two).
    public func connect(to other: QueuePair, _ options: ConnectionOptions = .init()) throws(ODPKitError) {
        let mine = try endpoint(options)
        let theirs = try other.endpoint(options)
        try connect(to: theirs, options)
        try other.connect(to: mine, options)
    }

    /// Moves this queue pair through INIT and RTR to RTS, connected to `remote`.
    ///
    /// The corresponding C function is `ibv_modify_qp`.
    public func connect(to remote: QueuePairEndpoint, _ options: ConnectionOptions = .init()) throws(ODPKitError) {
        let qp = try live("ibv_modify_qp")
        let port = try pd.context.port(options.port)
        guard port.state == .active else {
            throw ODPKitError(.unsupported, function: "ibv_modify_qp", reason: "port \(options.port) of \(pd.context.deviceName) is \(port.state.rawValue), not ACTIVE")
        }
        let local = try localGID(options, port: port)
        let reads = UInt8(clamping: min(Int(options.maxOutstandingReads), pd.context.attributes.maxOutstandingReads))

        var attr = ibv_qp_attr()
        attr.qp_state = IBV_QPS_INIT
        attr.pkey_index = 0
        attr.port_num = options.port
        attr.qp_access_flags = UInt32(AccessFlags([.localWrite, .remoteRead, .remoteWrite, .remoteAtomic]).rawValue)
        try modify(qp, &attr, [IBV_QP_STATE, IBV_QP_PKEY_INDEX, IBV_QP_PORT, IBV_QP_ACCESS_FLAGS], "INIT")

        attr = ibv_qp_attr()
        attr.qp_state = IBV_QPS_RTR
        attr.path_mtu = port.activeMTU
        attr.dest_qp_num = remote.queuePairNumber
        attr.rq_psn = remote.packetSequenceNumber
        attr.max_dest_rd_atomic = reads
        attr.min_rnr_timer = options.minRNRTimer
        attr.ah_attr.port_num = options.port
        attr.ah_attr.dlid = remote.lid
        if let local {
            attr.ah_attr.is_global = 1
            attr.ah_attr.grh.dgid = remote.rawGID
            attr.ah_attr.grh.sgid_index = UInt8(local.index)
            attr.ah_attr.grh.hop_limit = 64
        }
        try modify(qp, &attr, [IBV_QP_STATE, IBV_QP_AV, IBV_QP_PATH_MTU, IBV_QP_DEST_QPN, IBV_QP_RQ_PSN, IBV_QP_MAX_DEST_RD_ATOMIC, IBV_QP_MIN_RNR_TIMER], "RTR")

        attr = ibv_qp_attr()
        attr.qp_state = IBV_QPS_RTS
        attr.timeout = options.timeout
        attr.retry_cnt = options.retryCount
        attr.rnr_retry = options.rnrRetry
        attr.sq_psn = initialPSN
        attr.max_rd_atomic = reads
        try modify(qp, &attr, [IBV_QP_STATE, IBV_QP_TIMEOUT, IBV_QP_RETRY_CNT, IBV_QP_RNR_RETRY, IBV_QP_SQ_PSN, IBV_QP_MAX_QP_RD_ATOMIC], "RTS")
        connection = options
    }

    /// Where a queue pair is in its life (`enum ibv_qp_state`).
    public enum State: String, Sendable {
        case reset, initialized, readyToReceive, readyToSend, sendQueueDrained, sendQueueError, error, unknown
    }

    /// The queue pair's state as the device reports it now.
    ///
    /// The corresponding C function is `ibv_query_qp` with `IBV_QP_STATE`.
    public func state() throws(ODPKitError) -> State {
        let qp = try live("ibv_query_qp")
        var attr = ibv_qp_attr()
        var initAttr = ibv_qp_init_attr()
        try checkVerbs("ibv_query_qp", ibv_query_qp(qp, &attr, Int32(IBV_QP_STATE.rawValue), &initAttr), reason: "cannot query QP \(number)")
        switch attr.qp_state {
        case IBV_QPS_RESET: return .reset
        case IBV_QPS_INIT: return .initialized
        case IBV_QPS_RTR: return .readyToReceive
        case IBV_QPS_RTS: return .readyToSend
        case IBV_QPS_SQD: return .sendQueueDrained
        case IBV_QPS_SQE: return .sendQueueError
        case IBV_QPS_ERR: return .error
        default: return .unknown
        }
    }

    /// Moves the queue pair back to RESET (from any state, the error state included), ready to be
    /// connected again. Work requests still posted are gone: poll the completions already flushed to the
    /// completion queue first, since their ids can no longer be matched afterwards.
    ///
    /// The corresponding C function is `ibv_modify_qp` with `IBV_QPS_RESET`.
    public func reset() throws(ODPKitError) {
        let qp = try live("ibv_modify_qp")
        var attr = ibv_qp_attr()
        attr.qp_state = IBV_QPS_RESET
        try modify(qp, &attr, [IBV_QP_STATE], "RESET")
        sends.drain()
        receives.drain()
        connection = nil
    }

    /// The GID entry this side sends from: none on InfiniBand without a GID index, else the chosen one.
    private func localGID(_ options: ConnectionOptions, port: PortAttributes) throws(ODPKitError) -> GIDEntry? {
        let table = try pd.context.gidTable(port: options.port)
        if let index = options.gidIndex {
            guard let entry = table.first(where: { $0.index == index }) else {
                throw ODPKitError(.notFound, function: "ibv_query_gid_ex", reason: "port \(options.port) of \(pd.context.deviceName) has no valid GID at index \(index); valid: \(table.map(\.index))")
            }
            return entry
        }
        if port.linkLayer == .infiniband { return nil }
        guard let entry = table.first(where: { $0.kind == .roceV2 }) ?? table.first else {
            throw ODPKitError(.notFound, function: "ibv_query_gid_ex", reason: "port \(options.port) of \(pd.context.deviceName) has no GID; is its network interface up?")
        }
        return entry
    }

    private func modify(_ qp: UnsafeMutablePointer<ibv_qp>, _ attr: inout ibv_qp_attr, _ mask: [ibv_qp_attr_mask], _ state: String) throws(ODPKitError) {
        let bits = mask.reduce(Int32(0)) { $0 | Int32($1.rawValue) }
        try checkVerbs("ibv_modify_qp", ibv_modify_qp(qp, &attr, bits), reason: "cannot move QP \(number) to \(state)")
    }

    // MARK: Posting

    /// Posts an RDMA READ of `length` bytes from `remote` into `local` at `offset`.
    ///
    /// The corresponding C function is `ibv_post_send` with `IBV_WR_RDMA_READ`.
    public func postRead(into local: MemoryRegion, offset: Int = 0, length: Int, from remote: RemoteBuffer, id: UInt64) throws(ODPKitError) {
        try postSend(IBV_WR_RDMA_READ, local, offset, length, remote, id)
    }

    /// Posts an RDMA WRITE of `length` bytes of `local` at `offset` to `remote`.
    ///
    /// The corresponding C function is `ibv_post_send` with `IBV_WR_RDMA_WRITE`.
    public func postWrite(from local: MemoryRegion, offset: Int = 0, length: Int, to remote: RemoteBuffer, id: UInt64) throws(ODPKitError) {
        try postSend(IBV_WR_RDMA_WRITE, local, offset, length, remote, id)
    }

    /// Posts a SEND of `length` bytes of `local` at `offset`.
    ///
    /// The corresponding C function is `ibv_post_send` with `IBV_WR_SEND`.
    public func postSend(from local: MemoryRegion, offset: Int = 0, length: Int, id: UInt64) throws(ODPKitError) {
        try postSend(IBV_WR_SEND, local, offset, length, nil, id)
    }

    /// An RDMA READ of `length` bytes from `remote` into `local` at `offset`, checked now and posted
    /// later, any number of times, with `post(_:id:)`.
    public func prepareRead(into local: MemoryRegion, offset: Int = 0, length: Int, from remote: RemoteBuffer) throws(ODPKitError) -> PreparedSend {
        try prepare(IBV_WR_RDMA_READ, local, offset, length, remote)
    }

    /// An RDMA WRITE of `length` bytes of `local` at `offset` to `remote`, checked now and posted
    /// later, any number of times, with `post(_:id:)`.
    public func prepareWrite(from local: MemoryRegion, offset: Int = 0, length: Int, to remote: RemoteBuffer) throws(ODPKitError) -> PreparedSend {
        try prepare(IBV_WR_RDMA_WRITE, local, offset, length, remote)
    }

    /// Posts a prepared work request under `id`.
    ///
    /// The corresponding C function is `ibv_post_send`.
    @inline(__always)
    public func post(_ prepared: borrowing PreparedSend, id: UInt64) throws(ODPKitError) {
        let qp = try postable(prepared)
        guard !sends.isFull else { throw queueFull(sends.capacity, "ibv_post_send") }
        prepared.request.pointee.wr_id = id
        try submit(qp, prepared.request, id: id, region: prepared.region)
    }

    /// perftest's latency loop (`ib_read_lat`): posts `prepared` under ids from `firstID` on, each time
    /// as soon as the previous post's completion arrives on the send queue, `samples.count` times, and
    /// stores the time from one completion to the next (the first from just before the first post) in `samples`;
    /// `measured` counts the samples stored, also when it throws.
    ///
    /// Between a completion and the next post there is one clock read and nothing else: the
    /// completion's status is checked, and it and the new post are accounted in the in-flight ring,
    /// after the next request is on its way, so that nothing delays the next sample. A failed
    /// completion throws once the next
    /// request is posted (it completes flushed, to be polled as usual). A completion of another queue
    /// pair that shares the queue is handed to it and polling goes on.
    public func timeBackToBack(_ prepared: borrowing PreparedSend, firstID: UInt64, into samples: UnsafeMutableBufferPointer<UInt64>,
                               measured: inout Int, timeout: Duration = .seconds(10)) throws(ODPKitError) {
        measured = 0
        guard !samples.isEmpty else { return }
        let qp = try postable(prepared)
        let cq = try sendQueue.live("ibv_poll_cq")
        // RC completes in order: with nothing else in flight, this queue pair's next completion is the last post's.
        guard sends.count == 0 else {
            throw ODPKitError(.busy, function: "ibv_post_send", reason: "QP \(number) has \(sends.count) work request(s) in flight; a back-to-back loop starts with none")
        }
        var id = firstID
        prepared.request.pointee.wr_id = id
        // Read before the first post, as perftest's first time stamp is: on rxe the post may carry the
        // whole transfer out before it returns.
        var previous = monotonicNanoseconds()
        try submit(qp, prepared.request, id: id, region: prepared.region)
        for index in samples.indices {
            var deadline = SpinDeadline(timeout: timeout, clockEvery: 256)
            while true {
                guard let owner = try sendQueue.pollHeld(cq) else {
                    if deadline.hasPassed() {
                        throw ODPKitError(.timedOut, function: "ibv_poll_cq", reason: "no completion within \(timeout) on QP \(number)")
                    }
                    continue
                }
                if owner == number { break }
                _ = sendQueue.retireHeld()
            }
            let now = monotonicNanoseconds()
            var posted: Int32?
            if index + 1 < samples.count {
                id &+= 1
                prepared.request.pointee.wr_id = id
                var bad: UnsafeMutablePointer<ibv_send_wr>?
                posted = ibv_post_send(qp, prepared.request, &bad)
            }
            let completion = sendQueue.retireHeld()
            if posted == 0 { sends.push(id: id, region: prepared.region) }
            try completion.requireSuccess("work request \(completion.id) of a back-to-back loop")
            if let posted { try checkVerbs("ibv_post_send", posted, reason: "cannot post on QP \(number)") }
            samples[index] = now &- previous
            previous = now
            measured = index + 1
        }
    }

    /// This queue pair's handle, once `prepared` is known to be its own and its region open.
    @inline(__always)
    private func postable(_ prepared: borrowing PreparedSend) throws(ODPKitError) -> UnsafeMutablePointer<ibv_qp> {
        let qp = try live("ibv_post_send")
        guard prepared.queuePair == ObjectIdentifier(self) else {
            throw ODPKitError(.invalidArgument, function: "ibv_post_send", reason: "the prepared work request belongs to another queue pair than QP \(number)")
        }
        guard !prepared.region.isClosed else { throw useAfterClose("memory region", function: "ibv_post_send") }
        return qp
    }

    private func prepare(_ opcode: ibv_wr_opcode, _ local: MemoryRegion, _ offset: Int, _ length: Int, _ remote: RemoteBuffer) throws(ODPKitError) -> PreparedSend {
        _ = try live("ibv_post_send")
        try requireWithin(remote, length)
        return PreparedSend(opcode, try scatterGatherEntry(local, offset, length, "ibv_post_send"), region: local, remote: remote, queuePair: self)
    }

    /// `.invalidArgument` when `length` bytes exceed `remote`.
    private func requireWithin(_ remote: RemoteBuffer, _ length: Int) throws(ODPKitError) {
        if length > remote.length {
            throw ODPKitError(.invalidArgument, function: "ibv_post_send", reason: "\(length) bytes exceed the remote buffer's \(remote.length)")
        }
    }

    /// Posts a receive buffer of `length` bytes of `local` at `offset`.
    ///
    /// The corresponding C function is `ibv_post_recv`.
    public func postReceive(into local: MemoryRegion, offset: Int = 0, length: Int, id: UInt64) throws(ODPKitError) {
        let qp = try live("ibv_post_recv")
        guard !receives.isFull else { throw queueFull(receives.capacity, "ibv_post_recv") }
        var sge = try scatterGatherEntry(local, offset, length, "ibv_post_recv")
        try withUnsafeMutablePointer(to: &sge) { sgePointer throws(ODPKitError) in
            var wr = ibv_recv_wr()
            wr.wr_id = id
            wr.sg_list = sgePointer
            wr.num_sge = 1
            var bad: UnsafeMutablePointer<ibv_recv_wr>?
            try checkVerbs("ibv_post_recv", ibv_post_recv(qp, &wr, &bad), reason: "cannot post a receive on QP \(number)")
        }
        receives.push(id: id, region: local)
    }

    private func postSend(_ opcode: ibv_wr_opcode, _ local: MemoryRegion, _ offset: Int, _ length: Int, _ remote: RemoteBuffer?, _ id: UInt64) throws(ODPKitError) {
        let qp = try live("ibv_post_send")
        if let remote { try requireWithin(remote, length) }
        guard !sends.isFull else { throw queueFull(sends.capacity, "ibv_post_send") }
        var sge = try scatterGatherEntry(local, offset, length, "ibv_post_send")
        try withUnsafeMutablePointer(to: &sge) { sgePointer throws(ODPKitError) in
            var wr = ibv_send_wr(signaled: opcode, id: id, entry: sgePointer, remote: remote)
            try submit(qp, &wr, id: id, region: local)
        }
    }

    /// Posts `request` and holds `region` in flight under `id` (the queue is known to have room).
    @inline(__always)
    private func submit(_ qp: UnsafeMutablePointer<ibv_qp>, _ request: UnsafeMutablePointer<ibv_send_wr>, id: UInt64, region: MemoryRegion) throws(ODPKitError) {
        var bad: UnsafeMutablePointer<ibv_send_wr>?
        try checkVerbs("ibv_post_send", ibv_post_send(qp, request, &bad), reason: "cannot post on QP \(number)")
        sends.push(id: id, region: region)
    }

    /// The scatter/gather entry for `length` bytes of `local` at `offset`, after checking the region is
    /// open, in this queue pair's domain and large enough.
    @inline(__always)
    private func scatterGatherEntry(_ local: MemoryRegion, _ offset: Int, _ length: Int, _ function: String) throws(ODPKitError) -> ibv_sge {
        guard !local.isClosed else { throw useAfterClose("memory region", function: function) }
        guard local.pd === pd else {
            throw ODPKitError(.invalidArgument, function: function, reason: "the memory region belongs to another protection domain than QP \(number)")
        }
        guard offset >= 0, length > 0, offset + length <= local.length else {
            throw ODPKitError(.invalidArgument, function: function, reason: "bytes \(offset)..<\(offset + length) are outside the memory region of \(local.length) bytes")
        }
        return ibv_sge(addr: UInt64(UInt(bitPattern: local.address)) + UInt64(offset), length: UInt32(length), lkey: local.lkey)
    }

    /// `.busy`: one of this queue pair's queues holds `capacity` posted work requests.
    private func queueFull(_ capacity: Int, _ function: String) -> ODPKitError {
        ODPKitError(.busy, function: function, reason: "a queue of QP \(number) holds \(capacity) posted work requests; poll completions first")
    }

    /// Releases what a completed work request held; called by the completion queue that polled it.
    ///
    /// A failed completion's opcode is undefined, so it is matched by its id against the oldest of each queue.
    func retire(_ completion: WorkCompletion) {
        if completion.status.isSuccess {
            if completion.isReceive { receives.popOldest() } else { sends.popOldest() }
        } else if sends.oldestID == completion.id {
            sends.popOldest()
        } else if receives.oldestID == completion.id {
            receives.popOldest()
        }
    }

    /// Destroys the queue pair; its posted work requests are gone and release their memory regions.
    ///
    /// The corresponding C function is `ibv_destroy_qp`. A second call does nothing.
    public func close() throws(ODPKitError) {
        guard let qp = handle else { return }
        let rc = ibv_destroy_qp(qp)
        guard rc == 0 else {
            throw ODPKitError.call("ibv_destroy_qp", errno: .init(rawValue: rc))
        }
        handle = nil
        sends.drain()
        receives.drain()
        sendQueue.detach(self, number: number)
        receiveQueue.detach(self, number: number)
        pd.children.remove(self)
    }
}
