import Verbs

#if canImport(Glibc)
import Glibc
#endif

/// A private anonymous mapping this object owns: what the CPU sees, and what the coherence checks drop.
///
/// `unmap()` is idempotent; `deinit` unmaps what is still mapped.
public final class AnonymousMemory {
    public let baseAddress: UnsafeMutableRawPointer
    public let length: Int
    public private(set) var isMapped = true

    /// Maps `length` bytes (rounded up to whole pages), zero-filled by the kernel on first touch.
    public init(length: Int) throws(ODPKitError) {
        guard length > 0 else {
            throw ODPKitError(.invalidArgument, function: "mmap", reason: "a mapping needs a length above zero")
        }
        let rounded = (length + pageSize - 1) / pageSize * pageSize
        baseAddress = try system_mmapAnonymous(length: rounded)
        self.length = rounded
    }

    deinit {
        try? unmap()
    }

    /// The bytes as the CPU sees them now.
    public var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: baseAddress, count: length) }

    /// Writes `byte` into every byte of `range` (all of it by default), faulting the pages in.
    public func fill(_ byte: UInt8, range: Range<Int>? = nil) {
        let range = range ?? 0..<length
        memset(baseAddress + range.lowerBound, Int32(byte), range.count)
    }

    /// Drops the pages of `range` (`madvise(MADV_DONTNEED)`): the next CPU read sees zeros.
    public func dropPages(_ range: Range<Int>? = nil) throws(ODPKitError) {
        let range = range ?? 0..<length
        try system_madvise(baseAddress + range.lowerBound, range.count, MADV_DONTNEED)
    }

    /// Advises transparent huge pages on (`MADV_HUGEPAGE`) or off (`MADV_NOHUGEPAGE`) for the mapping;
    /// "on" takes effect where the system's THP setting is `always` or `madvise`.
    public func adviseHugePages(_ on: Bool) throws(ODPKitError) {
        try system_madvise(baseAddress, length, on ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)
    }

    /// Replaces the pages of `range` (all of them by default; page-aligned) with a fresh mapping at the
    /// same address (`mmap(MAP_FIXED)` over it: the kernel unmaps the old pages and maps new zero-filled
    /// ones in one step). Not `munmap` and then `mmap`: another thread's mapping could land in the hole
    /// between the two and be replaced, then unmapped with this one (a test running alongside once lost
    /// its fresh mapping that way).
    public func replaceWithFreshMapping(_ range: Range<Int>? = nil) throws(ODPKitError) {
        let range = range ?? 0..<length
        _ = try system_mmapAnonymous(length: range.count, at: baseAddress + range.lowerBound)
    }

    /// Moves `other`'s pages onto this mapping's addresses from `offset` (`mremap(MREMAP_FIXED)`),
    /// replacing what was mapped there; `other` is left unmapped.
    public func takePages(of other: AnonymousMemory, onto offset: Int = 0) throws(ODPKitError) {
        guard other.isMapped, isMapped, offset >= 0, offset % pageSize == 0, offset + other.length <= length else {
            throw ODPKitError(.invalidArgument, function: "mremap", reason: "both mappings must be mapped, and \(other.length) bytes must fit at page-aligned offset \(offset) of \(length)")
        }
        try system_mremapFixed(other.baseAddress, other.length, to: baseAddress + offset)
        other.isMapped = false
    }

    /// Unmaps the whole mapping. A second call does nothing.
    public func unmap() throws(ODPKitError) {
        guard isMapped else { return }
        try system_munmap(baseAddress, length)
        isMapped = false
    }
}
