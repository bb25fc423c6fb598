#if canImport(Glibc)
import Glibc
#endif

/// The clock odpkit reads, for every probe's samples and every completion wait's deadline:
/// `CLOCK_MONOTONIC` in nanoseconds (one vDSO call, no allocation, no runtime call).
///
/// The corresponding C function is `clock_gettime`.
@inline(__always)
public func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
}
