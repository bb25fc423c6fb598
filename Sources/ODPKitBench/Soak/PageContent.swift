/// What the CPU holds in the checked bytes of one page of a soaked region, so that every NIC access
/// to the page has one right answer: zeros (the page was dropped or mapped over, and nothing wrote it
/// since) or the stamp of an epoch.
///
/// A stamp is 8-byte little-endian words: the epoch, the page's number, then a hash of the page, the
/// epoch and the word's position (MurmurHash3's 64-bit finalizer). Bytes of another page, another
/// epoch or another position differ from a stamp's, and an epoch is never 0, so no stamp is zeros.
public enum PageContent: Sendable, Hashable, Codable, CustomStringConvertible {
    case zeros
    case stamp(epoch: UInt64)

    /// `zeros`, `epoch 17`.
    public var description: String {
        switch self {
        case .zeros: "zeros"
        case .stamp(let epoch): "epoch \(epoch)"
        }
    }

    /// Writes the content of `page` into all of `bytes`, whose count is a multiple of 8 of at least 16.
    public func write(page: Int, into bytes: UnsafeMutableRawBufferPointer) {
        precondition(bytes.count >= 16 && bytes.count % 8 == 0, "PageContent: a page's checked bytes are whole words, at least two")
        for word in 0..<(bytes.count / 8) {
            bytes.storeBytes(of: self.word(word, page: page).littleEndian, toByteOffset: word * 8, as: UInt64.self)
        }
    }

    /// The first `length` bytes of `page` holding this content.
    public func bytes(page: Int, length: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: length) { bytes, initialized in
            write(page: page, into: UnsafeMutableRawBufferPointer(bytes))
            initialized = length
        }
    }

    /// What `bytes` are, when they are zeros or a whole stamp of `page`; nil when they are neither.
    public static func identify(_ bytes: [UInt8], page: Int) -> PageContent? {
        guard bytes.count >= 16, bytes.count % 8 == 0 else { return nil }
        if bytes.allSatisfy({ $0 == 0 }) { return .zeros }
        let epoch = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        let candidate = PageContent.stamp(epoch: epoch)
        return epoch != 0 && candidate.bytes(page: page, length: bytes.count) == bytes ? candidate : nil
    }

    /// The content's 8-byte word at `index` of `page`.
    private func word(_ index: Int, page: Int) -> UInt64 {
        guard case .stamp(let epoch) = self else { return 0 }
        switch index {
        case 0: return epoch
        case 1: return UInt64(page)
        default:
            var hash = UInt64(page) &* 0x9E37_79B9_7F4A_7C15 ^ epoch &* 0xC2B2_AE3D_27D4_EB4F ^ UInt64(index)
            hash ^= hash >> 33
            hash &*= 0xff51_afd7_ed55_8ccd
            hash ^= hash >> 33
            hash &*= 0xc4ce_b9fe_1a85_ec53
            hash ^= hash >> 33
            return hash
        }
    }
}
