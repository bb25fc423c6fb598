import CODPKitLinux
import CODPKitVerbs

#if canImport(Glibc)
import Glibc
#endif

/// `RLIMIT_MEMLOCK` and `CAP_IPC_LOCK`: what bounds how much memory this process may pin.
public struct MemoryLockLimit: Sendable, CustomStringConvertible {
    /// The soft limit in bytes, nil for unlimited.
    public var bytes: UInt64?
    /// Whether the calling thread may pin beyond the limit (`CAP_IPC_LOCK` in its effective set).
    public var bypassed: Bool
    /// The hard limit in bytes, nil for unlimited: how far the process may raise `bytes` itself (`ulimit -l`).
    public var hardBytes: UInt64?

    public init(bytes: UInt64?, bypassed: Bool, hardBytes: UInt64? = nil) {
        self.bytes = bytes
        self.bypassed = bypassed
        self.hardBytes = hardBytes
    }

    /// The limit now in force for the calling thread.
    ///
    /// The corresponding C functions are `getrlimit` and `capget`.
    public static var current: MemoryLockLimit {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &limit)
        let bytes: UInt64? = limit.rlim_cur == rlim_t.max ? nil : UInt64(limit.rlim_cur)
        let hardBytes: UInt64? = limit.rlim_max == rlim_t.max ? nil : UInt64(limit.rlim_max)
        return MemoryLockLimit(bytes: bytes, bypassed: odpkit_thread_has_effective_capability(odpkit_CAP_IPC_LOCK) == 1, hardBytes: hardBytes)
    }

    /// Whether pinning `length` more bytes, on top of `alreadyPinned`, stays within the limit.
    public func allows(_ length: Int, alreadyPinned: UInt64) -> Bool {
        guard let bytes, !bypassed else { return true }
        return alreadyPinned + UInt64(length) <= bytes
    }

    public var description: String {
        let limit = bytes.map { "\($0 / 1024) KiB" } ?? "unlimited"
        return bypassed ? "\(limit), bypassed by CAP_IPC_LOCK" : limit
    }
}
