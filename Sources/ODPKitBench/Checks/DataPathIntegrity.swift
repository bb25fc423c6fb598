public import ODPKit
public import ODPKitReport

/// Checks that the NIC reads and writes the right bytes of a region at offsets and lengths that do not
/// line up with pages or packets: the check a coherence verdict rests on.
public enum DataPathIntegrity {
    /// One access that went wrong.
    public struct Failure: Sendable, Hashable, CustomStringConvertible {
        public var mode: RegistrationMode
        public var access: NICAccess
        public var offset: Int
        public var length: Int
        /// How many of the `length` bytes were wrong, and the first wrong position.
        public var wrongBytes: Int
        public var firstWrong: Int
        /// Whether every wrong byte is the byte the access would have moved had it started at its page's
        /// first byte (rdma_rxe's ODP symptom: it ignores the offset within the page).
        public var fromPageStart: Bool

        public var description: String {
            "\(mode) \(access) of \(length) bytes at offset \(offset): \(wrongBytes) bytes wrong, the first at +\(firstWrong)"
                + (fromPageStart ? ", each the byte at the page's start instead" : "")
        }
    }

    /// (offset, length) pairs: page-aligned, inside one page, across a page boundary, whole pages.
    public static let accesses: [(offset: Int, length: Int)] = [
        (0, 4 * pageSize), (0, 1024), (pageSize / 2, 64), (1000, 100), (3 * pageSize / 4, pageSize / 2), (pageSize + 8, 2 * pageSize),
    ]

    /// Reads and writes each access in `accesses` through the NIC on a fresh `mode` region; returns what went wrong.
    public static func run(_ mode: RegistrationMode, on path: LoopbackPath) throws(ODPKitError) -> [Failure] {
        var failures: [Failure] = []
        for (offset, length) in accesses {
            let memory = try AnonymousMemory(length: 4 * pageSize)
            CoherenceCheck.cpuPattern.fill(memory.bytes)
            let region = try path.register(mode, memory)
            defer { try? region.close() }
            let pageStart = offset - offset % pageSize
            let read = try path.read(region, offset: offset, length: length)
            if let failure = compare(read, CoherenceCheck.cpuPattern.bytes(offset..<(offset + length)), mode, .read, offset,
                                     fromPageStart: { read[$0] == CoherenceCheck.cpuPattern.byte(at: pageStart + $0) }) {
                failures.append(failure)
            }
            let written = CoherenceCheck.nicPattern.bytes(0..<length)
            try path.write(written, to: region, offset: offset)
            if let failure = compare(Array(memory.bytes[offset..<(offset + length)]), written, mode, .write, offset,
                                     fromPageStart: { memory.bytes[pageStart + $0] == written[$0] }) {
                failures.append(failure)
            }
        }
        return failures
    }

    /// The failure of an access whose bytes `seen` differ from `expected`, nil when they agree;
    /// `fromPageStart` says whether position `i` holds the byte the access would have moved from its page's start.
    private static func compare(_ seen: [UInt8], _ expected: [UInt8], _ mode: RegistrationMode, _ access: NICAccess, _ offset: Int,
                                fromPageStart: (Int) -> Bool) -> Failure? {
        let wrong = zip(seen, expected).indices { $0.0 != $0.1 }
        guard let first = wrong.first else { return nil }
        return Failure(mode: mode, access: access, offset: offset, length: expected.count, wrongBytes: wrong.count, firstWrong: first,
                       fromPageStart: offset % pageSize != 0 && wrong.allSatisfy(fromPageStart))
    }
}

extension Sequence {
    /// The positions of the elements that satisfy `predicate`.
    fileprivate func indices(where predicate: (Element) -> Bool) -> [Int] {
        enumerated().filter { predicate($0.element) }.map(\.offset)
    }
}
