import ODPKit
import ODPKitReport
import Testing
@testable import ODPKitBench

/// The soak's checker without a NIC (host): stand-in NICs that read and write the CPU's memory as it is
/// now (fresh), a copy of it kept from before (stale, as a pinned region's frames), or nothing. One test
/// at a time: the threads' test keeps the CPU busy, and inside the testbed the rxe suites run beside it.
@Suite("invalidation soak: the checker (host)", .serialized, .timeLimit(.minutes(1)))
struct SoakCheckerTests {
    let checkedBytes = 256

    @Test func aStampIsKnownAgainAndDiffersFromEveryOtherPageAndEpoch() {
        let stamp = PageContent.stamp(epoch: 7).bytes(page: 3, length: checkedBytes)
        #expect(PageContent.identify(stamp, page: 3) == .stamp(epoch: 7))
        #expect(PageContent.identify(stamp, page: 4) == nil)
        #expect(PageContent.identify([UInt8](repeating: 0, count: checkedBytes), page: 3) == .zeros)
        for other in [PageContent.stamp(epoch: 8).bytes(page: 3, length: checkedBytes), PageContent.stamp(epoch: 7).bytes(page: 4, length: checkedBytes)] {
            let sameWords = (0..<(checkedBytes / 8)).count { word in stamp[(word * 8)..<(word * 8 + 8)] == other[(word * 8)..<(word * 8 + 8)] }
            #expect(sameWords <= 1, "another page or epoch shares \(sameWords) words with the stamp (only the page's or the epoch's word may)")
        }
    }

    @Test func aFreshReadPassesAndAStaleOneIsFlaggedWithTheOldEpoch() throws {
        let memory = try AnonymousMemory(length: 4 * pageSize)
        let checker = SoakChecker(base: memory.baseAddress, pageSize: pageSize, checkedBytes: checkedBytes)
        checker.store(.stamp(epoch: 1), page: 2)
        let stale = StandInNIC(memory, .copyKeptNow)
        try memory.dropPages()
        checker.store(.stamp(epoch: 2), page: 2)
        #expect(try checker.checkRead(page: 2, holding: .stamp(epoch: 2), through: StandInNIC(memory, .live)) == nil)
        let mismatch = try #require(try checker.checkRead(page: 2, holding: .stamp(epoch: 2), through: stale))
        #expect(mismatch.access == .read && mismatch.page == 2 && mismatch.found == .content(.stamp(epoch: 1)))
        // Dropped and not written since: the CPU holds zeros, the old copy does not.
        #expect(try checker.checkRead(page: 1, holding: .zeros, through: StandInNIC(memory, .live)) == nil)
        try memory.dropPages(pageSize..<(3 * pageSize))
        #expect(try checker.checkRead(page: 2, holding: .zeros, through: stale)?.found == .content(.stamp(epoch: 1)))
    }

    @Test func aFreshWritePassesAndAStaleOneIsFlaggedAndTheCPUStillHoldsTheNewStamp() throws {
        let memory = try AnonymousMemory(length: 2 * pageSize)
        let checker = SoakChecker(base: memory.baseAddress, pageSize: pageSize, checkedBytes: checkedBytes)
        checker.store(.stamp(epoch: 1), page: 1)
        let stale = StandInNIC(memory, .copyKeptNow)
        #expect(try checker.checkWrite(page: 1, epoch: 2, through: StandInNIC(memory, .live)) == nil)
        let mismatch = try #require(try checker.checkWrite(page: 1, epoch: 3, through: stale))
        #expect(mismatch.access == .write && mismatch.expected == .stamp(epoch: 3) && mismatch.found == .content(.stamp(epoch: 2)))
        #expect(PageContent.identify(Array(memory.bytes[pageSize..<(pageSize + checkedBytes)]), page: 1) == .stamp(epoch: 3))
    }

    @Test func aReadThatPlacesNothingOrOtherBytesIsFlagged() throws {
        let memory = try AnonymousMemory(length: pageSize)
        let checker = SoakChecker(base: memory.baseAddress, pageSize: pageSize, checkedBytes: checkedBytes)
        checker.store(.stamp(epoch: 5), page: 0)
        #expect(try checker.checkRead(page: 0, holding: .stamp(epoch: 5), through: StandInNIC(memory, .nothing))?.found == .canary)
        #expect(try checker.checkRead(page: 0, holding: .zeros, through: StandInNIC(memory, .nothing))?.found == .canary)
        let shifted = try #require(try checker.checkRead(page: 0, holding: .stamp(epoch: 5), through: StandInNIC(memory, .shiftedByOne)))
        guard case .otherBytes(let differing) = shifted.found else {
            Issue.record("bytes one place off must be other bytes, not \(shifted.found)")
            return
        }
        #expect(differing > checkedBytes / 2)
    }

    @Test func aClaimedPageCannotBeClaimedAgainUntilReleased() {
        let ledger = SoakLedger(pages: 8)
        #expect(ledger.claim(2..<5) == [.zeros, .zeros, .zeros])
        #expect(ledger.claim(4..<6) == nil && ledger.claim(0..<3) == nil)
        #expect(ledger.claim(5..<6) == [.zeros])
        ledger.release(2..<5, holding: [.stamp(epoch: 1), .zeros, .stamp(epoch: 2)])
        #expect(ledger.claim(0..<5) == [.zeros, .zeros, .stamp(epoch: 1), .zeros, .stamp(epoch: 2)])
        let epochs = (0..<100).map { _ in ledger.nextEpoch() }
        #expect(epochs.first == 1 && zip(epochs, epochs.dropFirst()).allSatisfy { $0 < $1 })
    }

    /// The soak's threads on the CPU alone: changers drop, map over and remap pages for real while traffic
    /// threads check every access through stand-in NICs. Through the live memory nothing mismatches;
    /// through a copy kept from before (what a pinned region keeps), the changed pages do.
    @Test(arguments: [false, true])
    func theThreadsCountEveryAccessAndFlagOnlyAStaleNIC(stale: Bool) throws {
        let settings = SoakSettings(seconds: 1, pages: 64, changerThreads: 2, trafficThreads: 2)
        let memory = try AnonymousMemory(length: settings.pages * pageSize)
        let checker = SoakChecker(base: memory.baseAddress, pageSize: pageSize, checkedBytes: pageSize)
        let ledger = SoakLedger(pages: settings.pages)
        InvalidationSoak.stampEveryPage(checker, ledger)
        let nic = StandInNIC(memory, stale ? .copyKeptNow : .live)
        let counts = try #require(InvalidationSoak.storm(memory, checker: checker, ledger: ledger, settings: settings, nics: [nic, nic]))
        #expect(counts.reads > 0 && counts.writes > 0 && counts.changeCount > 0 && counts.failedAccesses == 0 && counts.stoppedThreads.isEmpty)
        #expect(Set(counts.changes.keys) == Set(SoakSettings.soakChanges.map(\.rawValue)))
        if stale {
            #expect(counts.mismatches > 0 && counts.staleMismatches == counts.mismatches, "\(counts.firstMismatches)")
        } else {
            #expect(counts.mismatches == 0, "\(counts.firstMismatches)")
        }
    }
}

/// A NIC standing in for a real one on the host: it reads and writes the CPU's memory as it is now, a
/// copy of it kept from when it was made, or nothing; or it reads the live bytes one place off.
private final class StandInNIC: SoakNIC, @unchecked Sendable {
    enum Behaviour { case live, copyKeptNow, nothing, shiftedByOne }

    let memory: AnonymousMemory
    let behaviour: Behaviour
    /// The copy a `.copyKeptNow` NIC reads and writes; each page is only touched by the thread that claimed it.
    let copy: UnsafeMutableRawBufferPointer

    init(_ memory: AnonymousMemory, _ behaviour: Behaviour) {
        self.memory = memory
        self.behaviour = behaviour
        copy = .allocate(byteCount: memory.length, alignment: 8)
        copy.copyMemory(from: UnsafeRawBufferPointer(memory.bytes))
    }

    deinit { copy.deallocate() }

    func read(offset: Int, canary: [UInt8]) throws(ODPKitError) -> [UInt8] {
        let range = offset..<(offset + canary.count)
        switch behaviour {
        case .live: return Array(memory.bytes[range])
        case .copyKeptNow: return Array(copy[range])
        case .nothing: return canary
        case .shiftedByOne: return Array(memory.bytes[(offset + 1)..<(offset + 1 + canary.count)])
        }
    }

    func write(_ bytes: [UInt8], offset: Int) throws(ODPKitError) {
        switch behaviour {
        case .live: UnsafeMutableRawBufferPointer(rebasing: memory.bytes[offset..<(offset + bytes.count)]).copyBytes(from: bytes)
        case .copyKeptNow: UnsafeMutableRawBufferPointer(rebasing: copy[offset..<(offset + bytes.count)]).copyBytes(from: bytes)
        case .nothing, .shiftedByOne: break
        }
    }
}
