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

        public var description: String {
            "\(mode) \(access) of \(length) bytes at offset \(offset): \(wrongBytes) bytes wrong, the first at +\(firstWrong)"
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
            let read = try path.read(region, offset: offset, length: length)
            if let failure = compare(read, CoherenceCheck.cpuPattern.bytes(offset..<(offset + length)), mode, .read, offset) {
                failures.append(failure)
            }
            let written = CoherenceCheck.nicPattern.bytes(0..<length)
            try path.write(written, to: region, offset: offset)
            if let failure = compare(Array(memory.bytes[offset..<(offset + length)]), written, mode, .write, offset) {
                failures.append(failure)
            }
        }
        return failures
    }

    private static func compare(_ seen: [UInt8], _ expected: [UInt8], _ mode: RegistrationMode, _ access: NICAccess, _ offset: Int) -> Failure? {
        let wrong = zip(seen, expected).indices { $0.0 != $0.1 }
        guard let first = wrong.first else { return nil }
        return Failure(mode: mode, access: access, offset: offset, length: expected.count, wrongBytes: wrong.count, firstWrong: first)
    }
}

extension Sequence {
    /// The positions of the elements that satisfy `predicate`.
    fileprivate func indices(where predicate: (Element) -> Bool) -> [Int] {
        enumerated().filter { predicate($0.element) }.map(\.offset)
    }
}
