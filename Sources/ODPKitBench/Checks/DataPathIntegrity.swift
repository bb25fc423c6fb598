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
        /// Whether the bytes are exactly what rdma_rxe's defective ODP copy leaves (`RXEODPCopyDefect`).
        public var rxeCopyDefect: Bool

        public var description: String {
            "\(mode) \(access) of \(length) bytes at offset \(offset): \(wrongBytes) bytes wrong, the first at +\(firstWrong)"
                + (rxeCopyDefect ? ", each as rdma_rxe's ODP copy defect predicts" : "")
        }
    }

    /// (offset, length) pairs: page-aligned, inside one page, across a page boundary, whole pages.
    public static let accesses: [(offset: Int, length: Int)] = [
        (0, 4 * pageSize), (0, 1024), (pageSize / 2, 64), (1000, 100), (3 * pageSize / 4, pageSize / 2), (pageSize + 8, 2 * pageSize),
    ]

    /// Reads and writes each access in `accesses` through the NIC on a fresh `mode` region; returns what
    /// went wrong. A wrong access is also compared with what rdma_rxe's ODP copy defect would leave, with
    /// the port's active path MTU: the whole region after a WRITE, the READ's bytes where the defect
    /// copies any.
    public static func run(_ mode: RegistrationMode, on path: LoopbackPath) throws(ODPKitError) -> [Failure] {
        let mtu = try path.context.port(path.options.port).activeMTUBytes
        var failures: [Failure] = []
        for (offset, length) in accesses {
            let memory = try AnonymousMemory(length: 4 * pageSize)
            let original = CoherenceCheck.cpuPattern.bytes(0..<memory.length)
            memory.bytes.copyBytes(from: original)
            let region = try path.register(mode, memory)
            defer { try? region.close() }
            let read = try path.read(region, offset: offset, length: length)
            if let failure = compare(read, Array(original[offset..<(offset + length)]), mode, .read, offset, rxeCopyDefect: {
                zip(read, RXEODPCopyDefect.read(from: original, offset: offset, length: length, mtu: mtu, pageSize: pageSize))
                    .allSatisfy { seen, predicted in predicted.map { $0 == seen } ?? true }
            }) {
                failures.append(failure)
            }
            let written = CoherenceCheck.nicPattern.bytes(0..<length)
            try path.write(written, to: region, offset: offset)
            let after = Array(memory.bytes)
            if let failure = compare(Array(after[offset..<(offset + length)]), written, mode, .write, offset, rxeCopyDefect: {
                after == RXEODPCopyDefect.write(written, into: original, offset: offset, mtu: mtu, pageSize: pageSize)
            }) {
                failures.append(failure)
            }
        }
        return failures
    }

    /// The failure of an access whose bytes `seen` differ from `expected`, nil when they agree;
    /// `rxeCopyDefect` says whether what the access left is what rdma_rxe's ODP copy defect predicts.
    private static func compare(_ seen: [UInt8], _ expected: [UInt8], _ mode: RegistrationMode, _ access: NICAccess, _ offset: Int,
                                rxeCopyDefect: () -> Bool) -> Failure? {
        let wrong = zip(seen, expected).indices { $0.0 != $0.1 }
        guard let first = wrong.first else { return nil }
        return Failure(mode: mode, access: access, offset: offset, length: expected.count, wrongBytes: wrong.count, firstWrong: first,
                       rxeCopyDefect: rxeCopyDefect())
    }
}

extension Sequence {
    /// The positions of the elements that satisfy `predicate`.
    fileprivate func indices(where predicate: (Element) -> Bool) -> [Int] {
        enumerated().filter { predicate($0.element) }.map(\.offset)
    }
}
