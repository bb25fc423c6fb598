/// A change the CPU makes to a range's mappings under a registration: what the kernel must tell the NIC
/// about (or, for a pinned region, does not), and after which the NIC should see what the CPU sees.
public enum MappingChange: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// `madvise(MADV_DONTNEED)`: the pages are dropped; the next touch maps zeros.
    case dontNeed = "dontneed"
    /// `munmap`: the range is no longer mapped.
    case unmap = "munmap"
    /// `mmap(MAP_FIXED)` over the range: the kernel unmaps it and maps new zero-filled pages at the same
    /// address in one step (`AnonymousMemory.replaceWithFreshMapping`).
    case mapOver = "munmap-mmap"
    /// `mremap(MREMAP_FIXED)` of another buffer, holding other bytes, onto the range.
    case remapOnto = "mremap"

    public var description: String {
        switch self {
        case .dontNeed: "madvise(MADV_DONTNEED)"
        case .unmap: "munmap"
        case .mapOver: "mmap(MAP_FIXED) over it"
        case .remapOnto: "mremap(MREMAP_FIXED) onto it"
        }
    }
}
