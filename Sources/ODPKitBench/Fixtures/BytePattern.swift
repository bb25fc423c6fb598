/// Position-dependent test bytes: every byte differs from its neighbours and from the same offset in the
/// next page, so a NIC that reads or writes the wrong offset or the wrong page is caught, not just one
/// that sees the wrong value. `salt` tells apart the CPU's data from the NIC's.
public struct BytePattern: Sendable, Hashable {
    public var salt: UInt8

    public init(salt: UInt8) { self.salt = salt }

    /// The pattern's byte at `position`.
    @inline(__always)
    public func byte(at position: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: (position &* 131) ^ (position >> 12) &* 7) &+ salt
    }

    /// The pattern's bytes for `range`.
    public func bytes(_ range: Range<Int>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: range.count) { bytes, initialized in
            for position in range { bytes[position - range.lowerBound] = byte(at: position) }
            initialized = range.count
        }
    }

    /// Writes the pattern into all of `memory`.
    public func fill(_ memory: UnsafeMutableRawBufferPointer) {
        for position in 0..<memory.count { memory[position] = byte(at: position) }
    }
}
