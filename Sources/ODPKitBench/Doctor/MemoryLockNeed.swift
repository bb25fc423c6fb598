import ODPKit

/// What a report pins at its peak in each registration mode, against `RLIMIT_MEMLOCK`: the staging
/// buffer in every mode, plus the region when pinned, plus the region and one chunk being re-registered
/// beside its old one when mirrored. ODP pins nothing of the region.
struct MemoryLockNeed: Sendable, Hashable {
    var regionBytes: Int
    var chunkBytes: Int
    var stagingBytes: Int

    /// The bytes `mode` pins at its peak.
    func bytes(_ mode: RegistrationMode) -> UInt64 {
        let staging = UInt64(stagingBytes)
        return switch mode {
        case .pinned: staging + UInt64(regionBytes)
        case .odp: staging
        case .mirror: staging + UInt64(regionBytes) + UInt64(chunkBytes)
        }
    }

    /// The modes whose peak `limit` does not allow.
    func modesBeyond(_ limit: MemoryLockLimit) -> [RegistrationMode] {
        RegistrationMode.allCases.filter { !limit.allows(Int(bytes($0)), alreadyPinned: 0) }
    }

    /// The largest region, in whole MiB, whose pinned and mirror peaks `limit` allows; nil when it
    /// allows any, 0 when not even one MiB fits.
    func largestRegionMiB(under limit: MemoryLockLimit) -> Int? {
        guard let bytes = limit.bytes, !limit.bypassed else { return nil }
        let overhead = UInt64(stagingBytes) + UInt64(chunkBytes)
        return bytes > overhead ? Int((bytes - overhead) >> 20) : 0
    }
}
