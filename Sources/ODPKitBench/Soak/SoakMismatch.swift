public import ODPKitReport

/// One checked access whose bytes were not the CPU's: for a READ, the NIC read other bytes than the CPU
/// holds; for a WRITE, the CPU does not see what the NIC wrote.
public struct SoakMismatch: Sendable, Hashable, Codable, CustomStringConvertible {
    public var page: Int
    public var access: NICAccess
    /// What the CPU holds (READ) or what the NIC wrote (WRITE).
    public var expected: PageContent
    /// What the NIC read (READ) or what the CPU sees afterwards (WRITE).
    public var found: Found

    /// What came instead of the expected bytes.
    public enum Found: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Another content the page held: zeros or another epoch's stamp, the old page (stale).
        case content(PageContent)
        /// Nothing the READ placed: the buffer still holds the canary, byte for byte.
        case canary
        /// Other bytes: `differing` of the checked bytes are not the expected ones.
        case otherBytes(differing: Int)

        public var description: String {
            switch self {
            case .content(let content): "\(content) (stale)"
            case .canary: "the canary (nothing landed)"
            case .otherBytes(let differing): "other bytes (\(differing) differ)"
            }
        }
    }

    public init(page: Int, access: NICAccess, expected: PageContent, found: Found) {
        self.page = page
        self.access = access
        self.expected = expected
        self.found = found
    }

    /// `READ page 17: the CPU holds epoch 120, the NIC read epoch 3 (stale)`.
    public var description: String {
        switch access {
        case .read: "READ page \(page): the CPU holds \(expected), the NIC read \(found)"
        case .write: "WRITE page \(page): the NIC wrote \(expected), the CPU sees \(found)"
        }
    }
}
