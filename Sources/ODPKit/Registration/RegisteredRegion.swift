public import Verbs

/// A range of this process's memory registered with the NIC in one of the registration modes.
///
/// Every precondition is checked before any verb is called: a zero length, a range that is not mapped,
/// ODP capability bits the device or transport lacks, a pinned region beyond `RLIMIT_MEMLOCK`.
public final class RegisteredRegion {
    public let mode: RegistrationMode
    public let address: UnsafeMutableRawPointer
    public let length: Int
    private let backing: Backing

    private enum Backing {
        case single(MemoryRegion)
        case mirror(MirrorRegion)
    }

    /// The one memory region of a pinned or ODP region; nil for a mirror region (see `mirror`).
    public var memoryRegion: MemoryRegion? {
        if case .single(let region) = backing { return region }
        return nil
    }

    /// The mirror of a mirror-emulated region, nil otherwise.
    public var mirror: MirrorRegion? {
        if case .mirror(let mirror) = backing { return mirror }
        return nil
    }

    /// Registers `length` bytes at `address` in `mode`, for use over `transport`; `mirrorRefresh` says
    /// when a mirror region re-establishes an invalidated chunk.
    public init(
        _ mode: RegistrationMode, pd: ProtectionDomain, address: UnsafeMutableRawPointer, length: Int,
        access: AccessFlags = .readWrite, transport: Transport = .rc, mirrorRefresh: MirrorRegion.Refresh = .eager
    ) throws(ODPKitError) {
        let device = pd.context.deviceName
        guard length > 0 else {
            throw ODPKitError(.invalidArgument, function: "odpkit register", reason: "a region needs a length above zero")
        }
        guard try system_rangeIsMapped(address, length) else {
            throw ODPKitError(.notMapped, function: "odpkit register", reason: "the range \(address)+\(length) is not (wholly) mapped in this process")
        }
        var flags = access
        switch mode {
        case .pinned, .mirror:
            let limit = MemoryLockLimit.current
            if let pinned = PinnedPages.current(), !limit.allows(length, alreadyPinned: pinned) {
                throw ODPKitError(
                    .memoryLockLimit, function: "odpkit register",
                    reason: "pinning \(length) bytes on top of \(pinned) already pinned exceeds RLIMIT_MEMLOCK (\(limit)); raise it with `ulimit -l unlimited` or grant CAP_IPC_LOCK"
                )
            }
        case .odp:
            try ODPRequirement.check(pd.context.attributes, device: device, access: access, transport: transport)
            flags.insert(.onDemand)
        }
        switch mode {
        case .pinned, .odp:
            backing = .single(try pd.registerMemory(address: address, length: length, access: flags))
        case .mirror:
            backing = .mirror(try MirrorRegion(pd: pd, address: address, length: length, access: flags, refresh: mirrorRefresh))
        }
        self.mode = mode
        self.address = address
        self.length = length
    }

    /// Registers the whole of `memory` in `mode`.
    public convenience init(_ mode: RegistrationMode, pd: ProtectionDomain, memory: AnonymousMemory, access: AccessFlags = .readWrite,
                            transport: Transport = .rc, mirrorRefresh: MirrorRegion.Refresh = .eager) throws(ODPKitError) {
        try self.init(mode, pd: pd, address: memory.baseAddress, length: memory.length, access: access, transport: transport, mirrorRefresh: mirrorRefresh)
    }

    /// The segments that cover `length` bytes from `offset`, each reachable by one work request.
    public func segments(offset: Int, length: Int) throws(ODPKitError) -> [RegionSegment] {
        guard offset >= 0, length > 0, offset + length <= self.length else {
            throw ODPKitError(.invalidArgument, function: "odpkit segments", reason: "bytes \(offset)..<\(offset + length) are outside the region of \(self.length) bytes")
        }
        switch backing {
        case .single(let region):
            return [RegionSegment(memoryRegion: region, offset: offset, length: length, offsetInMemoryRegion: offset)]
        case .mirror(let mirror):
            return try mirror.segments(offset: offset, length: length)
        }
    }

    /// Calls `body` with each segment covering `length` bytes from `offset`; for a pinned or ODP region
    /// that is one segment and no allocation (the warm data path's probes rely on it).
    public func forEachSegment(offset: Int, length: Int, _ body: (RegionSegment) throws(ODPKitError) -> Void) throws(ODPKitError) {
        if case .single(let region) = backing, offset >= 0, length > 0, offset + length <= self.length {
            try body(RegionSegment(memoryRegion: region, offset: offset, length: length, offsetInMemoryRegion: offset))
            return
        }
        for segment in try segments(offset: offset, length: length) { try body(segment) }
    }

    /// Deregisters the region; a second call does nothing.
    public func close() throws(ODPKitError) {
        switch backing {
        case .single(let region): try region.close()
        case .mirror(let mirror): try mirror.close()
        }
    }
}
