import CODPKitVerbs
import Synchronization
import SystemPackage
public import ODPKitSystem

#if canImport(Glibc)
import Glibc
#endif

/// A registered memory region (`struct ibv_mr`).
///
/// It keeps its protection domain alive. While posted work requests use it, `close()` refuses
/// with `.busy`: the NIC may still read or write its pages.
public final class MemoryRegion: VerbsResource {
    public let pd: ProtectionDomain
    public let address: UnsafeMutableRawPointer
    public let length: Int
    public let access: AccessFlags
    /// The local key, for scatter/gather entries; `changeTranslation()` may change it.
    ///
    /// The stored properties the data path reads on every post skip Swift's dynamic exclusivity check
    /// (`@exclusivity(unchecked)`): it only guards against overlapping accesses within one thread, which
    /// these plain loads and stores never make, and it costs two runtime calls per access.
    @exclusivity(unchecked) public private(set) var lkey: UInt32
    /// The remote key, for a peer's RDMA READ and WRITE; `changeTranslation()` may change it.
    @exclusivity(unchecked) public private(set) var rkey: UInt32
    /// Posted work requests that use this region and have not completed.
    public var inFlight: Int { inFlightCount.load(ordering: .acquiring) }
    /// Atomic: a mirror region's refresher checks it while the owning thread posts and polls.
    let inFlightCount = Atomic<Int>(0)

    @exclusivity(unchecked) private(set) var handle: UnsafeMutablePointer<ibv_mr>?

    init(pd: ProtectionDomain, address: UnsafeMutableRawPointer, length: Int, access: AccessFlags) throws(ODPKitError) {
        let raw = try pd.live("ibv_reg_mr_iova2")
        let device = pd.context.deviceName
        guard length > 0 else {
            throw ODPKitError(.invalidArgument, function: "ibv_reg_mr_iova2", reason: "a memory region needs a length above zero")
        }
        if let reason = access.unsupportedReason(on: pd.context.attributes, device: device) {
            throw ODPKitError(.unsupported, function: "ibv_reg_mr_iova2", reason: reason)
        }
        guard let mr = ibv_reg_mr_iova2(raw, address, length, UInt64(UInt(bitPattern: address)), UInt32(access.rawValue)) else {
            throw Self.registrationError(lastErrno(), length: length, access: access, device: device)
        }
        handle = mr
        self.pd = pd
        self.address = address
        self.length = length
        self.access = access
        lkey = mr.pointee.lkey
        rkey = mr.pointee.rkey
        pd.children.add(self)
    }

    deinit {
        try? close()
    }

    /// The errors of `ibv_reg_mr` in words: ENOMEM on a pinned region is the memlock limit.
    static func registrationError(_ errno: Errno, length: Int, access: AccessFlags, device: String) -> ODPKitError {
        if errno == .noMemory && !access.contains(.onDemand) {
            return ODPKitError(
                .memoryLockLimit, function: "ibv_reg_mr_iova2", errno: errno,
                reason: "pinning \(length) bytes on \(device) exceeds RLIMIT_MEMLOCK (\(MemoryLockLimit.current)); raise it with `ulimit -l unlimited` or grant CAP_IPC_LOCK"
            )
        }
        if errno == .badAddress {
            return ODPKitError(.notMapped, function: "ibv_reg_mr_iova2", errno: errno, reason: "the range of \(length) bytes is not mapped in this process, or not writable while the registration asks for write access (\(access))")
        }
        return .call("ibv_reg_mr_iova2", errno: errno, reason: "cannot register \(length) bytes (\(access)) on \(device)")
    }

    /// Makes the NIC drop the region's translation and take the pages mapped at its range now, keeping
    /// the region (and usually its keys): how a mirror re-establishes a chunk where the device can.
    ///
    /// The corresponding C function is `ibv_rereg_mr` with `IBV_REREG_MR_CHANGE_TRANSLATION`. A device
    /// without it (rxe answers `EOPNOTSUPP`) throws `.unsupported` and leaves the region as it was.
    /// Refuses with `.busy` while posted work requests use the region.
    public func changeTranslation() throws(ODPKitError) {
        guard let mr = handle else { throw useAfterClose("memory region", function: "ibv_rereg_mr") }
        guard inFlight == 0 else {
            throw ODPKitError(.busy, function: "ibv_rereg_mr", reason: "\(inFlight) posted work request(s) still use this memory region")
        }
        let result = ibv_rereg_mr(mr, Int32(IBV_REREG_MR_CHANGE_TRANSLATION.rawValue), nil, address, length, 0)
        guard result == 0 else {
            let error = lastErrno()
            if error == .notSupported || error == .noFunction {
                throw ODPKitError(.unsupported, function: "ibv_rereg_mr", errno: error, reason: "\(pd.context.deviceName) cannot change a memory region's translation; register a new region (new keys) instead")
            }
            throw ODPKitError.call("ibv_rereg_mr", errno: error, reason: "cannot change the translation of \(length) bytes on \(pd.context.deviceName) (rereg code \(result))")
        }
        lkey = mr.pointee.lkey
        rkey = mr.pointee.rkey
    }

    /// Where a peer reaches `length` bytes of this region from `offset` with RDMA READ or WRITE.
    public func remote(offset: Int = 0, length: Int? = nil) -> RemoteBuffer {
        RemoteBuffer(address: UInt64(UInt(bitPattern: address)) + UInt64(offset), rkey: rkey, length: length ?? (self.length - offset))
    }

    /// Whether the region was deregistered (by `close()` or by closing its protection domain or context).
    public var isClosed: Bool { handle == nil }

    /// Deregisters the region.
    ///
    /// The corresponding C function is `ibv_dereg_mr`. A second call does nothing; a call while posted
    /// work requests still use the region throws `.busy` and leaves it registered.
    public func close() throws(ODPKitError) {
        guard let mr = handle else { return }
        guard inFlight == 0 else {
            throw ODPKitError(.busy, function: "ibv_dereg_mr", reason: "\(inFlight) posted work request(s) still use this memory region; poll their completions or close the queue pair first")
        }
        let rc = ibv_dereg_mr(mr)
        guard rc == 0 else {
            throw ODPKitError.call("ibv_dereg_mr", errno: .init(rawValue: rc))
        }
        handle = nil
        pd.children.remove(self)
    }
}

/// A peer's view of registered memory: address, remote key and length.
public struct RemoteBuffer: Sendable, Hashable, Codable {
    public var address: UInt64
    public var rkey: UInt32
    public var length: Int

    public init(address: UInt64, rkey: UInt32, length: Int) {
        self.address = address
        self.rkey = rkey
        self.length = length
    }
}
