public import ODPKit

/// The soak's checker: one NIC access to one page the caller has claimed (`SoakLedger`), compared byte
/// for byte with what the CPU holds. Every access starts at the page's first byte and covers its first
/// `checkedBytes`.
///
/// READ: the buffer the NIC reads into holds a canary first, the complement of every expected byte, so
/// a READ that placed nothing (or not everything) cannot pass. WRITE: the NIC writes a new epoch's stamp,
/// then the CPU reads the page.
public struct SoakChecker {
    /// The region's first byte, as the CPU sees it.
    public let base: UnsafeMutableRawPointer
    public let pageSize: Int
    /// Bytes checked from each page's start: a multiple of 8 from 16 to `pageSize`.
    public let checkedBytes: Int

    public init(base: UnsafeMutableRawPointer, pageSize: Int, checkedBytes: Int) {
        precondition(checkedBytes >= 16 && checkedBytes % 8 == 0 && checkedBytes <= pageSize, "SoakChecker: 16...pageSize checked bytes, whole words")
        self.base = base
        self.pageSize = pageSize
        self.checkedBytes = checkedBytes
    }

    /// The checked bytes of `page`, as the CPU sees them.
    private func cpuBytes(of page: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: base + page * pageSize, count: checkedBytes)
    }

    /// The CPU writes `content` into `page` (a stamp; zeros are what a drop leaves, not written).
    public func store(_ content: PageContent, page: Int) {
        content.write(page: page, into: cpuBytes(of: page))
    }

    /// The NIC READs `page`, which holds `content`; nil when it read exactly that.
    public func checkRead(page: Int, holding content: PageContent, through nic: some SoakNIC) throws(ODPKitError) -> SoakMismatch? {
        let expected = content.bytes(page: page, length: checkedBytes)
        let canary = expected.map { ~$0 }
        let read = try nic.read(offset: page * pageSize, canary: canary)
        if read == expected { return nil }
        let found: SoakMismatch.Found = read == canary ? .canary : found(read, page: page, expected: expected)
        return SoakMismatch(page: page, access: .read, expected: content, found: found)
    }

    /// The NIC WRITEs the stamp of `epoch` into `page`, then the CPU reads it; nil when the CPU sees
    /// exactly that. Afterwards the CPU sees the stamp whatever the NIC did: where the WRITE failed or did
    /// not land, the CPU writes it itself (so the page's content stays known).
    public func checkWrite(page: Int, epoch: UInt64, through nic: some SoakNIC) throws(ODPKitError) -> SoakMismatch? {
        let content = PageContent.stamp(epoch: epoch)
        let written = content.bytes(page: page, length: checkedBytes)
        do {
            try nic.write(written, offset: page * pageSize)
        } catch {
            store(content, page: page)
            throw error
        }
        let seen = Array(cpuBytes(of: page))
        if seen == written { return nil }
        store(content, page: page)
        return SoakMismatch(page: page, access: .write, expected: content, found: found(seen, page: page, expected: written))
    }

    /// What `bytes` are, against the `expected` bytes of `page`.
    private func found(_ bytes: [UInt8], page: Int, expected: [UInt8]) -> SoakMismatch.Found {
        if let content = PageContent.identify(bytes, page: page) { return .content(content) }
        return .otherBytes(differing: zip(bytes, expected).count { $0 != $1 })
    }
}
