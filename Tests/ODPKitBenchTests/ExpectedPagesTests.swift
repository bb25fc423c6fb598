import ODPKit
import Testing
@testable import ODPKitBench

@Suite("peer fault: the bytes each outcome leaves (host)")
struct ExpectedPagesTests {
    @Test func theWriteAndTheCanaryDifferFromEveryOutcomeAtEveryPosition() {
        let expected = ExpectedPages(length: 16 * pageSize)
        let canary = expected.canary
        var writeMeets: [Int] = [], canaryMeets: [Int] = [], changed: [Int] = []
        for position in expected.zeros.indices {
            let server = expected.server[position], client = expected.client[position]
            if client == 0 || client == server { writeMeets.append(position) }
            if canary[position] == 0 || canary[position] == server || canary[position] == client { canaryMeets.append(position) }
            if client != PeerFaultProbe.clientPattern.byte(at: position) { changed.append(position) }
        }
        #expect(writeMeets.isEmpty, "the WRITE must change every byte the page may hold (zeros, the server's bytes); it does not at \(writeMeets.prefix(5))")
        #expect(canaryMeets.isEmpty, "the canary must differ from every READ outcome; it does not at \(canaryMeets.prefix(5))")
        // The client's pattern is changed only where it met zero (it never meets the server's: another salt).
        #expect(!changed.isEmpty && changed.allSatisfy { PeerFaultProbe.clientPattern.byte(at: $0) == 0 })
    }
}
