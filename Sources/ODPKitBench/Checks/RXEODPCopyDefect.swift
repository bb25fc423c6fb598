/// A defect in rdma_rxe's ODP copy, as a prediction: what an access that
/// starts inside a page moves, byte by byte, so a test can tell that one symptom from any other wrong
/// byte.
///
/// In `drivers/infiniband/sw/rxe/rxe_odp.c` (`__rxe_odp_mr_copy`, since its copy maps each page with
/// `kmap_local_page`), each packet's copy maps the page of the packet's address and copies from (READ)
/// or to (WRITE) the page's first byte instead of the address's offset in it; when the packet crosses
/// into the next page, that page's bytes are copied from or to the packet's first byte again, because
/// the packet's pointer is never advanced. Packets split the message every path-MTU bytes. A
/// page-aligned packet of at most a page is therefore exact.
public enum RXEODPCopyDefect {
    /// What a READ of `length` bytes at `offset` returns from a region holding `region`: per byte the
    /// region's byte the defect copies there, nil where it copies nothing (the packet's own bytes, whatever
    /// they were, arrive there).
    public static func read(from region: [UInt8], offset: Int, length: Int, mtu: Int, pageSize: Int) -> [UInt8?] {
        var result = [UInt8?](repeating: nil, count: length)
        forEachCopy(offset: offset, length: length, mtu: mtu, pageSize: pageSize) { packetStart, regionStart, count in
            for index in 0..<count { result[packetStart + index] = region[regionStart + index] }
        }
        return result
    }

    /// The region's bytes after a WRITE of `bytes` at `offset` into a region holding `region`.
    public static func write(_ bytes: [UInt8], into region: [UInt8], offset: Int, mtu: Int, pageSize: Int) -> [UInt8] {
        var result = region
        forEachCopy(offset: offset, length: bytes.count, mtu: mtu, pageSize: pageSize) { packetStart, regionStart, count in
            for index in 0..<count { result[regionStart + index] = bytes[packetStart + index] }
        }
        return result
    }

    /// Each memcpy of the defective copy, in order: where in the message its packet bytes start, where in
    /// the region its page bytes start, and how many.
    private static func forEachCopy(offset: Int, length: Int, mtu: Int, pageSize: Int, _ copy: (Int, Int, Int) -> Void) {
        precondition(mtu > 0 && pageSize > 0 && offset >= 0 && length >= 0, "RXEODPCopyDefect: sizes above zero")
        var packet = 0
        while packet < length {
            let packetLength = min(mtu, length - packet)
            var page = (offset + packet) / pageSize
            var pageOffset = (offset + packet) % pageSize
            var remaining = packetLength
            while remaining > 0 {
                let count = min(pageSize - pageOffset, remaining)
                // The defect: the page's first byte, not `pageOffset`; the packet's first byte, not the next one.
                copy(packet, page * pageSize, count)
                remaining -= count
                page += 1
                pageOffset = 0
            }
            packet += packetLength
        }
    }
}
