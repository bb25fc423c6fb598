import CODPKitLinux
public import ODPKit
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The memory one coherence cell registers: a fresh mapping of one kind, which the scenario's change
/// then acts on. `unmap()` is idempotent; `deinit` unmaps what is still mapped and closes the file.
/// Pages a scenario unmapped are left alone from then on: another thread's mapping may have taken their place.
public final class ScenarioMemory {
    /// How the mapping is made.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        /// `MAP_PRIVATE | MAP_ANONYMOUS`: ordinary process memory.
        case privateAnonymous = "private-anonymous"
        /// `MAP_SHARED | MAP_ANONYMOUS`: shmem shared with children across `fork`.
        case sharedAnonymous = "shared-anonymous"
        /// `MAP_SHARED` of a memfd (tmpfs): a file other descriptors can change.
        case memfd
        /// `MAP_PRIVATE | MAP_ANONYMOUS` aligned to 2 MiB, `MADV_HUGEPAGE`, backed by transparent huge
        /// pages (the initializer checks /proc/self/smaps, and throws `.unsupported` when it is not).
        case transparentHuge = "transparent-huge"
        /// `MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB` of 2 MiB pages from the hugetlbfs pool: the
        /// scenario's pages are the start of the first one (the mapping is rounded up to whole huge pages).
        case hugetlb
    }

    public let kind: Kind
    /// Where the mapping starts now (a scenario that moves it updates it).
    public internal(set) var base: UnsafeMutableRawPointer
    /// Its length in bytes now.
    public internal(set) var length: Int
    /// The memfd behind a `.memfd` mapping, -1 otherwise.
    public let descriptor: Int32
    public private(set) var isMapped = true
    /// Pages (indices from `base`) a scenario unmapped while the rest stays mapped.
    private var unmappedPages: Set<Int> = []
    /// Bytes after the mapping held as a `PROT_NONE` reservation until `releaseGrowthRoom()`.
    public private(set) var growthRoom = 0

    /// Maps `pages` pages of `kind`, read-write, and holds `growthRoom` pages after them free for a change
    /// that grows the mapping in place (a `PROT_NONE` reservation; the mapping is placed at its start).
    ///
    /// The corresponding C functions are `mmap`, and for a memfd `memfd_create` and `ftruncate`.
    public init(_ kind: Kind, pages: Int, growthRoom: Int = 0) throws(ODPKitError) {
        guard pages > 0, growthRoom >= 0 else {
            throw ODPKitError(.invalidArgument, function: "odpkit scenario memory", reason: "a mapping needs at least one page")
        }
        guard kind != .transparentHuge || (pages * pageSize % Self.hugePageSize == 0 && growthRoom == 0) else {
            throw ODPKitError(.invalidArgument, function: "odpkit scenario memory", reason: "transparent huge memory takes whole 2 MiB pages and no growth room")
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
        case .transparentHuge:
            descriptor = -1
            base = try Self.mapTransparentHuge(length: length)
        case .hugetlb:
            descriptor = -1
            try Self.checkFreeHugePages(for: Self.wholeHugePages(length))
            base = try system_mmap(length: Self.wholeHugePages(length), flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | Self.mapHuge2MB)
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
        }
        if growthRoom > 0 { try holdGrowthRoom(growthRoom * pageSize) }
    }

    /// `MAP_HUGE_2MB`: log2 of the page size in the bits above `MAP_HUGE_SHIFT` (Glibc does not export the macro).
    private static let mapHuge2MB: Int32 = 21 << 26

    /// Where the kernel counts the free pages of the 2 MiB hugetlbfs pool.
    static let freeHugePagesFile = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

    /// The free 2 MiB pages a `.hugetlb` mapping of `pages` pages needs: twice its huge pages, since a
    /// change that drops a pinned huge page leaves the pin holding it while the CPU faults in another.
    static func freeHugePagesNeeded(pages: Int) -> Int {
        2 * wholeHugePages(pages * pageSize) / hugePageSize
    }

    /// Throws unless the pool of 2 MiB pages has `freeHugePagesNeeded` free for `length` bytes.
    private static func checkFreeHugePages(for length: Int) throws(ODPKitError) {
        let pool = freeHugePagesFile
        let needed = freeHugePagesNeeded(pages: length / pageSize)
        let free = firstLine(of: pool, startingWith: "").flatMap { line in Int(line.filter { !$0.isWhitespace }) } ?? 0
        guard free >= needed else {
            throw ODPKitError(.unsupported, function: "hugetlb", reason: "\(free) free 2 MiB huge pages (\(pool)), \(needed) needed")
        }
    }

    /// The length of the whole mapping: `length`, rounded up to whole huge pages for `.hugetlb`.
    public var mappedLength: Int { kind == .hugetlb ? Self.wholeHugePages(length) : length }

    /// `length` rounded up to a multiple of `hugePageSize`.
    private static func wholeHugePages(_ length: Int) -> Int {
        (length + hugePageSize - 1) / hugePageSize * hugePageSize
    }

    deinit {
        try? unmap()
        if descriptor >= 0 { close(descriptor) }
    }

    /// The bytes as the CPU sees them now.
    public var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: length) }

    /// Unmaps the whole mapping (but the pages a scenario unmapped) and its growth room. A second call does nothing.
    public func unmap() throws(ODPKitError) {
        guard isMapped else { return }
        try releaseGrowthRoom()
        if kind == .hugetlb {
            try system_munmap(base, mappedLength)
            isMapped = false
            return
        }
        var page = 0
        let pages = length / pageSize
        while page < pages {
            guard !unmappedPages.contains(page) else { page += 1; continue }
            let run = page..<((page..<pages).first { unmappedPages.contains($0) } ?? pages)
            try system_munmap(base + run.lowerBound * pageSize, run.count * pageSize)
            page = run.upperBound
        }
        isMapped = false
    }

    /// Unmaps the pages `pages` (indices from `base`) and leaves the rest mapped.
    func unmap(pages: Range<Int>) throws(ODPKitError) {
        try system_munmap(base + pages.lowerBound * pageSize, pages.count * pageSize)
        unmappedPages.formUnion(pages)
    }

    /// Moves the mapping to the start of a `PROT_NONE` reservation `room` bytes longer, whose rest is the
    /// growth room (the kernel places a fresh mapping right below the last one, so none follows it free).
    private func holdGrowthRoom(_ room: Int) throws(ODPKitError) {
        let reservation = try system_mmap(length: length + room, protection: PROT_NONE, flags: MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)
        do {
            try system_mremapFixed(base, length, to: reservation)
        } catch {
            try? system_munmap(reservation, length + room)
            throw error
        }
        base = reservation
        growthRoom = room
    }

    /// Unmaps the growth room, so the mapping can grow in place into it. A second call does nothing.
    func releaseGrowthRoom() throws(ODPKitError) {
        guard growthRoom > 0 else { return }
        try system_munmap(base + length, growthRoom)
        growthRoom = 0
    }

    /// Marks the mapping unmapped: a scenario unmapped it, or moved it away, itself.
    func forget() {
        isMapped = false
    }
}
