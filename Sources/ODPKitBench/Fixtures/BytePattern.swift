/// Position-dependent test bytes that look random: each byte is a hash of its position, so bytes moved
/// from any other position (another offset in the page, another page, a shift by any distance) differ
/// from the expected ones in about 255 of 256 places, and a NIC that reads or writes the wrong place is
/// caught, not just one that sees the wrong value. `salt` is added to every byte: two patterns with
/// different salts differ at every position, which tells the CPU's data from the NIC's.
public struct BytePattern: Sendable, Hashable {
    public var salt: UInt8

    public init(salt: UInt8) { self.salt = salt }

    /// The pattern's byte at `position`: the low byte of MurmurHash3's 64-bit finalizer of the position,
    /// plus the salt.
    @inline(__always)
    public func byte(at position: Int) -> UInt8 {
        var hash = UInt64(bitPattern: Int64(position))
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return UInt8(truncatingIfNeeded: hash) &+ salt
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
