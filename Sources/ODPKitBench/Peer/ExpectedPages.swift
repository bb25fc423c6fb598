import ODPKit
#if canImport(Glibc)
import Glibc
#endif

/// The bytes a region's pages may hold, whole-region long, compared a page at a time with `memcmp`.
struct ExpectedPages {
    let zeros: [UInt8]
    let server: [UInt8]
    let client: [UInt8]

    init(length: Int) {
        zeros = [UInt8](repeating: 0, count: length)
        server = PeerFaultProbe.serverPattern.bytes(0..<length)
        client = PeerFaultProbe.clientPattern.bytes(0..<length)
    }

    /// Sorts each of the first `pages` pages of `bytes`: equal to `coherent`'s page, to one of `stale`'s, or neither.
    func tally(_ bytes: UnsafeRawBufferPointer, pages: Int, coherent: [UInt8], stale: [[UInt8]]) -> PageTally {
        var tally = PageTally()
        for page in 0..<pages {
            let offset = page * pageSize
            if equal(bytes, coherent, at: offset) {
                tally.coherent += 1
            } else if stale.contains(where: { equal(bytes, $0, at: offset) }) {
                tally.stale += 1
            } else {
                tally.other += 1
            }
        }
        return tally
    }

    private func equal(_ bytes: UnsafeRawBufferPointer, _ expected: [UInt8], at offset: Int) -> Bool {
        expected.withUnsafeBytes { memcmp(bytes.baseAddress! + offset, $0.baseAddress! + offset, pageSize) == 0 }
    }
}
