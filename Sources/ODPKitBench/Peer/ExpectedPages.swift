import ODPKit
#if canImport(Glibc)
import Glibc
#endif

/// The bytes a region's pages may hold, whole-region long, compared a page at a time with `memcmp`.
struct ExpectedPages {
    let zeros: [UInt8]
    let server: [UInt8]
    /// What the client writes: its pattern, where needed changed to differ from zeros and from the
    /// server's bytes at every position (`distinctBytes`), so a WRITE changes every byte of a page.
    let client: [UInt8]

    init(length: Int) {
        zeros = [UInt8](repeating: 0, count: length)
        server = PeerFaultProbe.serverPattern.bytes(0..<length)
        client = distinctBytes(PeerFaultProbe.clientPattern.bytes(0..<length), avoiding: [server])
    }

    /// What the client's buffer holds before each READ: differs from every outcome (zeros, the server's
    /// and the client's bytes) at every position, so a READ that wrote nothing, or only part of a page,
    /// is not taken for one.
    var canary: [UInt8] {
        distinctBytes([UInt8](repeating: PeerFaultProbe.canaryByte, count: zeros.count), avoiding: [server, client])
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
