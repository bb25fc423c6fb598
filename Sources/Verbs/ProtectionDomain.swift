import CODPKitVerbs
public import ODPKitSystem

/// A protection domain (`struct ibv_pd`): memory regions and queue pairs belong to one.
///
/// It keeps its context alive; `close()` closes its live queue pairs and memory regions first.
public final class ProtectionDomain: VerbsResource {
    public let context: Context
    private(set) var handle: UnsafeMutablePointer<ibv_pd>?
    let children = Children()

    /// Allocates a protection domain on `context`.
    ///
    /// The corresponding C function is `ibv_alloc_pd`.
    public init(context: Context) throws(ODPKitError) {
        let raw = try context.live("ibv_alloc_pd")
        handle = try nonNull("ibv_alloc_pd", ibv_alloc_pd(raw), reason: "cannot allocate a protection domain on \(context.deviceName)")
        self.context = context
        context.children.add(self)
    }

    deinit {
        try? close()
    }

    func live(_ function: String) throws(ODPKitError) -> UnsafeMutablePointer<ibv_pd> {
        guard let handle else { throw useAfterClose("protection domain", function: function) }
        return handle
    }

    /// Registers `length` bytes at `address` with `access`, the region's I/O virtual address equal to `address`.
    ///
    /// Access flags the device lacks are refused before the call, naming what is missing.
    /// The corresponding C function is `ibv_reg_mr_iova2`.
    public func registerMemory(address: UnsafeMutableRawPointer, length: Int, access: AccessFlags) throws(ODPKitError) -> MemoryRegion {
        try MemoryRegion(pd: self, address: address, length: length, access: access)
    }

    /// Closes the live queue pairs, then the memory regions of this domain, then the domain.
    ///
    /// The corresponding C function is `ibv_dealloc_pd`. A second call does nothing.
    public func close() throws(ODPKitError) {
        guard let pd = handle else { return }
        handle = nil
        context.children.remove(self)
        // Queue pairs first: destroying them retires their posted work requests, which frees the regions.
        let live = children.takeAll()
        let ordered = live.filter { $0 is QueuePair } + live.filter { !($0 is QueuePair) }
        try closeChildren(ordered, thenDestroy: "ibv_dealloc_pd") { ibv_dealloc_pd(pd) }
    }
}
