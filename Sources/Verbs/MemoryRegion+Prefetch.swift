import CODPKitVerbs
public import ODPKitSystem

extension MemoryRegion {
    /// What an ODP region's pages are prefetched for (`enum ibv_advise_mr_advice`).
    public enum Prefetch: String, Sendable, CaseIterable {
        /// `IBV_ADVISE_MR_ADVICE_PREFETCH`: map the pages for NIC reads.
        case read
        /// `IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE`: map them writable, for NIC writes.
        case write
    }

    /// Asks the device to map `length` bytes of this ODP region from `offset` before the NIC touches
    /// them. With `wait` the call returns once they are mapped (`IBV_ADVISE_MR_FLAG_FLUSH`), else at once.
    ///
    /// The corresponding C function is `ibv_advise_mr`; rxe has it from rdma-core 59 on (older
    /// libraries answer `EOPNOTSUPP`).
    public func prefetch(_ advice: Prefetch, offset: Int = 0, length: Int? = nil, wait: Bool) throws(ODPKitError) {
        let length = length ?? (self.length - offset)
        guard let mr = handle, let pdHandle = pd.handle else { throw useAfterClose("memory region", function: "ibv_advise_mr") }
        guard offset >= 0, length > 0, offset + length <= self.length else {
            throw ODPKitError(.invalidArgument, function: "ibv_advise_mr", reason: "bytes \(offset)..<\(offset + length) are outside the memory region of \(self.length) bytes")
        }
        var sge = ibv_sge(addr: UInt64(UInt(bitPattern: address)) + UInt64(offset), length: UInt32(length), lkey: mr.pointee.lkey)
        // IBV_ADVISE_MR_* are macros over the kernel's IB_UVERBS_ADVISE_MR_* enumerators.
        let kind = advice == .read ? IB_UVERBS_ADVISE_MR_ADVICE_PREFETCH : IB_UVERBS_ADVISE_MR_ADVICE_PREFETCH_WRITE
        let flags = wait ? UInt32(IB_UVERBS_ADVISE_MR_FLAG_FLUSH.rawValue) : 0
        try checkVerbs("ibv_advise_mr", ibv_advise_mr(pdHandle, kind, flags, &sge, 1), reason: "cannot prefetch \(length) bytes of an ODP region on \(pd.context.deviceName)")
    }
}
