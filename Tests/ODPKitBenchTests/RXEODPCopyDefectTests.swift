import Testing
import ODPKitBench

/// The model of rdma_rxe's ODP copy defect on small pages (host): what it predicts for the cases the
/// testbed shows, and that page-aligned whole-page packets come out exact.
@Suite("rdma_rxe ODP copy defect model (host)")
struct RXEODPCopyDefectTests {
    /// 4 pages of 16 bytes, each byte its own position.
    let region = (0..<64).map { UInt8($0) }

    @Test func aPacketInsideAPageCopiesFromThePagesFirstByte() {
        let read = RXEODPCopyDefect.read(from: region, offset: 20, length: 8, mtu: 16, pageSize: 16)
        let fromPageStart: [UInt8?] = (16..<24).map { UInt8($0) }
        #expect(read == fromPageStart)
        let written = RXEODPCopyDefect.write([UInt8](repeating: 0xAA, count: 8), into: region, offset: 20, mtu: 16, pageSize: 16)
        #expect(Array(written[16..<24]) == [UInt8](repeating: 0xAA, count: 8) && Array(written[24...]) == Array(region[24...]) && Array(written[..<16]) == Array(region[..<16]))
    }

    @Test func aPacketAcrossAPageCopiesTheNextPageToItsStartAgain() {
        // One packet of 16 bytes at 20: 12 bytes of page 1 from its start, then 4 of page 2 over the packet's first 4.
        let read = RXEODPCopyDefect.read(from: region, offset: 20, length: 16, mtu: 16, pageSize: 16)
        let fromPage2: [UInt8?] = (32..<36).map { UInt8($0) }
        let fromPage1: [UInt8?] = (20..<28).map { UInt8($0) }
        let untouched: [UInt8?] = [nil, nil, nil, nil]
        #expect(read == fromPage2 + fromPage1 + untouched)
        let bytes = (100..<116).map { UInt8($0) }
        let written = RXEODPCopyDefect.write(bytes, into: region, offset: 20, mtu: 16, pageSize: 16)
        #expect(Array(written[16..<28]) == Array(bytes[0..<12]) && Array(written[32..<36]) == Array(bytes[0..<4]))
        #expect(Array(written[28..<32]) == Array(region[28..<32]) && Array(written[36...]) == Array(region[36...]))
    }

    @Test func pageAlignedPacketsOfAPageAreExact() {
        let read = RXEODPCopyDefect.read(from: region, offset: 16, length: 48, mtu: 16, pageSize: 16)
        let exact: [UInt8?] = region[16...].map { $0 }
        #expect(read == exact)
        let bytes = [UInt8](repeating: 7, count: 32)
        #expect(RXEODPCopyDefect.write(bytes, into: region, offset: 0, mtu: 16, pageSize: 16) == bytes + Array(region[32...]))
    }
}
