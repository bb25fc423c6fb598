import CODPKitLinux
public import ODPKit
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The memory one coherence cell registers: a fresh mapping of one kind, which the scenario's change
/// then acts on. `unmap()` is idempotent; `deinit` unmaps what is still mapped and closes the file.
public final class ScenarioMemory {
    /// How the mapping is made.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        /// `MAP_PRIVATE | MAP_ANONYMOUS`: ordinary process memory.
        case privateAnonymous = "private-anonymous"
        /// `MAP_SHARED | MAP_ANONYMOUS`: shmem shared with children across `fork`.
        case sharedAnonymous = "shared-anonymous"
        /// `MAP_SHARED` of a memfd (tmpfs): a file other descriptors can change.
        case memfd
        /// `MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB` of 2 MiB pages from the hugetlbfs pool: the
        /// scenario's pages are the start of the first one (the mapping is rounded up to whole huge pages).
        case hugetlb
    }

    /// The size of a `.hugetlb` mapping's pages.
    public static let hugePageSize = 2 << 20

    public let kind: Kind
    /// Where the mapping starts now (a scenario that moves it updates it).
    public internal(set) var base: UnsafeMutableRawPointer
    /// Its length in bytes now.
    public internal(set) var length: Int
    /// The memfd behind a `.memfd` mapping, -1 otherwise.
    public let descriptor: Int32
    public private(set) var isMapped = true

    /// Maps `pages` pages of `kind`, read-write.
    ///
    /// The corresponding C functions are `mmap`, and for a memfd `memfd_create` and `ftruncate`.
    public init(_ kind: Kind, pages: Int) throws(ODPKitError) {
        guard pages > 0 else {
            throw ODPKitError(.invalidArgument, function: "odpkit scenario memory", reason: "a mapping needs at least one page")
        }
        self.kind = kind
        length = pages * pageSize
        switch kind {
        case .privateAnonymous:
            descriptor = -1
            base = try system_mmap(length: length, flags: MAP_PRIVATE | MAP_ANONYMOUS)
        case .sharedAnonymous:
            descriptor = -1
            base = try system_mmap(length: length, flags: MAP_SHARED | MAP_ANONYMOUS)
        case .memfd:
            let fd = odpkit_memfd_create("odpkit-coherence", odpkit_MFD_CLOEXEC)
            guard fd >= 0 else { throw ODPKitError.call("memfd_create", errno: Errno(rawValue: errno), reason: "cannot create a memfd") }
            guard ftruncate(fd, off_t(length)) == 0 else {
                let error = ODPKitError.call("ftruncate", errno: Errno(rawValue: errno), reason: "cannot size the memfd to \(length) bytes")
                close(fd)
                throw error
            }
            descriptor = fd
            do {
                base = try system_mmap(length: length, flags: MAP_SHARED, descriptor: fd)
            } catch {
                close(fd)
                throw error
            }
        case .hugetlb:
            descriptor = -1
            try Self.checkFreeHugePages(for: Self.wholeHugePages(length))
            base = try system_mmap(length: Self.wholeHugePages(length), flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | Self.mapHuge2MB)
        }
    }

    /// `MAP_HUGE_2MB`: log2 of the page size in the bits above `MAP_HUGE_SHIFT` (Glibc does not export the macro).
    private static let mapHuge2MB: Int32 = 21 << 26

    /// Throws unless the pool of 2 MiB pages has twice `length` free: a change that drops a pinned huge
    /// page leaves the pin holding it while the CPU faults in another.
    private static func checkFreeHugePages(for length: Int) throws(ODPKitError) {
        let pool = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
        let free = firstLine(of: pool, startingWith: "").flatMap { line in Int(line.filter { !$0.isWhitespace }) } ?? 0
        guard free >= 2 * length / hugePageSize else {
            throw ODPKitError(.unsupported, function: "hugetlb", reason: "\(free) free 2 MiB huge pages (\(pool)), \(2 * length / hugePageSize) needed")
        }
    }

    deinit {
        try? unmap()
        if descriptor >= 0 { close(descriptor) }
    }

    /// The bytes as the CPU sees them now.
    public var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: length) }

    /// The length of the whole mapping: `length`, rounded up to whole huge pages for `.hugetlb`.
    public var mappedLength: Int { kind == .hugetlb ? Self.wholeHugePages(length) : length }

    /// `length` rounded up to a multiple of `hugePageSize`.
    private static func wholeHugePages(_ length: Int) -> Int {
        (length + hugePageSize - 1) / hugePageSize * hugePageSize
    }

    /// Unmaps the whole mapping. A second call does nothing.
    public func unmap() throws(ODPKitError) {
        guard isMapped else { return }
        try system_munmap(base, mappedLength)
        isMapped = false
    }

    /// Marks the mapping unmapped: a scenario unmapped it, or moved it away, itself.
    func forget() {
        isMapped = false
    }
}
