public import ODPKit
public import ODPKitReport

extension MappingChange {
    /// The changes a coherence check makes: each leaves the range mapped, so the CPU has bytes to compare.
    public static let coherenceChanges: [MappingChange] = [.dontNeed, .mapOver, .remapOnto]

    /// The bytes another buffer brings in with `.remapOnto`.
    static let movedInPattern = BytePattern(salt: 0x77)

    /// Makes the change to all of `memory`; `.unmap` is refused (it leaves nothing for the CPU to compare).
    func apply(to memory: AnonymousMemory) throws(ODPKitError) {
        switch self {
        case .dontNeed:
            try memory.dropPages()
        case .mapOver:
            try memory.replaceWithFreshMapping()
        case .remapOnto:
            let other = try AnonymousMemory(length: memory.length)
            Self.movedInPattern.fill(other.bytes)
            try memory.takePages(of: other)
        case .unmap:
            throw ODPKitError(.unsupported, function: "odpkit coherence check", reason: "munmap leaves no bytes for the CPU to compare; check one of \(Self.coherenceChanges.map(\.rawValue).joined(separator: ", "))")
        }
    }
}

/// What the CPU and the NIC saw in one coherence check, page by page and byte for byte.
public struct CoherenceObservation: Sendable, Codable, CustomStringConvertible {
    public var mode: RegistrationMode
    public var invalidation: MappingChange
    public var access: NICAccess
    public var pages: Int
    /// Pages the NIC read exactly as the CPU had written them, before the invalidation.
    public var pagesReadBefore: Int
    /// After the invalidation, pages where the NIC and the CPU agree byte for byte.
    public var coherentPages: Int
    /// After the invalidation, pages where the NIC used the old, pre-invalidation page: for a read it
    /// returned the old data; for a write the CPU's page kept its post-invalidation bytes.
    public var stalePages: Int
    /// What the CPU sees after the invalidation (and after the NIC's write).
    public var cpuAfter: ByteSummary

    /// Whether the NIC and the CPU agree on every page after the invalidation.
    public var coherent: Bool { coherentPages == pages }

    public var description: String {
        let verdict = coherent ? "coherent" : "STALE"
        let what = switch access {
        case .read: "CPU sees \(cpuAfter); NIC reads the same in \(coherentPages)/\(pages) pages, the old data in \(stalePages)/\(pages)"
        case .write: "NIC writes \(pages) pages; the CPU sees the write in \(coherentPages)/\(pages), it went to the old pages in \(stalePages)/\(pages)"
        }
        return "\(padded(mode.rawValue, to: 6)) \(padded(access.rawValue, to: 5)) after \(invalidation): \(what) — \(verdict)"
    }
}

/// Runs one coherence check: fill a fresh buffer with a position-dependent pattern, register it, read it
/// through the NIC, invalidate it, then read through the NIC (or write through it) and compare page by
/// page with what the CPU sees. All NIC accesses are page-aligned and cover whole pages.
public enum CoherenceCheck {
    /// The CPU's data before the invalidation.
    public static let cpuPattern = BytePattern(salt: 0x11)
    /// What the NIC writes after the invalidation.
    public static let nicPattern = BytePattern(salt: 0x5A)

    public static func run(
        _ mode: RegistrationMode, _ invalidation: MappingChange = .dontNeed, access: NICAccess = .read,
        on path: LoopbackPath, pages: Int = 4
    ) throws(ODPKitError) -> CoherenceObservation {
        let memory = try AnonymousMemory(length: pages * pageSize)
        let original = cpuPattern.bytes(0..<memory.length)
        memory.bytes.copyBytes(from: original)
        let region = try path.register(mode, memory)
        defer { try? region.close() }
        let before = try path.read(region, length: memory.length)
        try invalidation.apply(to: memory)
        let afterInvalidation = Array(memory.bytes)
        let nicView: [UInt8]
        switch access {
        case .read:
            nicView = try path.read(region, length: memory.length)
        case .write:
            nicView = nicPattern.bytes(0..<memory.length)
            try path.write(nicView, to: region)
        }
        let cpuView = Array(memory.bytes)
        let stale = access == .read ? original : afterInvalidation
        let staleSide = access == .read ? nicView : cpuView
        func pagesWhere(_ a: [UInt8], _ b: [UInt8]) -> Int {
            (0..<pages).count { page in
                let range = (page * pageSize)..<((page + 1) * pageSize)
                return a[range].elementsEqual(b[range])
            }
        }
        return CoherenceObservation(
            mode: mode, invalidation: invalidation, access: access, pages: pages,
            pagesReadBefore: pagesWhere(before, original),
            coherentPages: pagesWhere(cpuView, nicView),
            stalePages: pagesWhere(staleSide, stale),
            cpuAfter: ByteSummary(cpuView)
        )
    }
}
