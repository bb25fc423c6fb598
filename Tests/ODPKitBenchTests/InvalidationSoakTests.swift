import Foundation
import ODPKit
import ODPKitReport
import Testing
import TestSupport
@testable import ODPKitBench

#if canImport(Glibc)
import Glibc
#endif

/// How long each soak of the rxe suite runs, in seconds: `ODPKIT_SOAK_SECONDS`, 60 when unset.
let soakSeconds = getenv("ODPKIT_SOAK_SECONDS").flatMap { Int(String(cString: $0)) } ?? 60

extension RXEIntegration {
    /// The invalidation-storm soak on the device, `soakSeconds` per soak: under a storm of changes with
    /// READ and WRITE traffic on the region, every checked access of ODP and the mirror is coherent, and
    /// pinned goes stale (which shows that the checker sees staleness).
    @Suite("invalidation soak", .timeLimit(.minutes(Int64(min(max(soakSeconds, 1), SoakSettings.maximumSeconds) / 60 + 3))))
    final class InvalidationSoakTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

        /// At least one checked access and one change a second: far below every mode's rate on rxe in the
        /// testbed (loaded by other boots as well), far above a soak that stalled.
        var minimum: Int { soakSeconds }

        private func soak(_ mode: RegistrationMode, _ changes: [MappingChange]) throws -> SoakResult {
            try #require((1...SoakSettings.maximumSeconds).contains(soakSeconds), "ODPKIT_SOAK_SECONDS takes 1...\(SoakSettings.maximumSeconds) seconds")
            let results = try InvalidationSoak.run([mode], SoakSettings(seconds: soakSeconds, changes: changes), on: path) { _ in }
            return try #require(results.first)
        }

        @Test func pinnedGoesStaleUnderADontNeedStorm() throws {
            let result = try soak(.pinned, [.dontNeed])
            let counts = result.counts
            #expect(counts.accesses >= minimum && counts.changeCount >= minimum, "\(counts.accesses) accesses and \(counts.changeCount) changes in \(result.seconds) s")
            #expect(counts.mismatches > 0, "a pinned region keeps the dropped pages: the checker must see stale bytes in \(counts.accesses) accesses")
            #expect(counts.staleMismatches == counts.mismatches, "each mismatch is an earlier content of its page, the old page: \(counts.firstMismatches)")
            #expect(counts.failedAccesses == 0 && counts.stoppedThreads.isEmpty, "\(counts.failures) \(counts.stoppedThreads)")
            #expect(result.invalidations == nil && result.mirror == nil && result.failure == nil)
        }

        @Test func odpStaysCoherentUnderEveryChange() throws {
            let result = try soak(.odp, SoakSettings.soakChanges)
            let counts = result.counts
            #expect(counts.accesses >= minimum && counts.changeCount >= minimum, "\(counts.accesses) accesses and \(counts.changeCount) changes in \(result.seconds) s")
            #expect(SoakSettings.soakChanges.allSatisfy { counts.changes[$0.rawValue, default: 0] > 0 }, "\(counts.changes)")
            #expect(counts.mismatches == 0, "\(counts.firstMismatches)")
            #expect(counts.stoppedThreads.isEmpty, "\(counts.stoppedThreads)")
            #expect(Set(counts.failureKinds.keys).isSubset(of: [Self.nicError]) && counts.failures.allSatisfy { $0.contains("remote access error") },
                    "\(counts.failureKinds): \(counts.failures)")
            withKnownIssue("an ODP fault on rxe gives up under the storm (remote access error after about a second): ib_umem_odp_map_dma_and_lock stops retrying hmm_range_fault's -EBUSY after HMM_RANGE_DEFAULT_TIMEOUT", isIntermittent: true) {
                #expect(counts.failedAccesses == 0, "\(counts.failures)")
            }
        }

        /// Every madvise waits for the mirror's monitor to read its event, so the storm leaves time for
        /// re-pins: the mirror hears every change and re-establishes its chunks.
        @Test func mirrorStaysCoherentUnderADontNeedStorm() throws {
            let result = try soak(.mirror, [.dontNeed])
            let counts = result.counts
            #expect(counts.accesses >= minimum && counts.changeCount >= minimum, "\(counts.accesses) accesses and \(counts.changeCount) changes in \(result.seconds) s")
            #expect(counts.mismatches == 0, "\(counts.firstMismatches)")
            #expect((result.invalidations ?? 0) >= counts.changeCount, "a REMOVE event per madvise: \(result.invalidations ?? -1) heard of \(counts.changeCount)")
            let mirror = try #require(result.mirror)
            #expect(mirror.refaults > 0 && mirror.window.samples == mirror.refaults)
            #expect(counts.stoppedThreads.isEmpty, "\(counts.stoppedThreads)")
            // On a loaded host a re-pin can race with the storm until its 10 s deadline here too (seen once
            // with three testbeds sharing two CPUs): a known issue of its own kind, never a mismatch.
            expectOnlyKnownMirrorFailures(counts, known: [Self.retiredKey, Self.refreshTimedOut])
            withKnownIssue("under a DONTNEED storm on a loaded host a chunk's re-pin can race with changes until its deadline", isIntermittent: true) {
                #expect(counts.failureKinds[Self.refreshTimedOut, default: 0] == 0, "\(counts.failureKinds)")
            }
        }

        /// `mmap(MAP_FIXED)` and `mremap` do not wait for the monitor (once a range is mapped anew it sends
        /// no event until the mirror registers it again), so changes come faster than a chunk's re-pin.
        @Test func mirrorStaysCoherentUnderTheWholeStorm() throws {
            let result = try soak(.mirror, SoakSettings.soakChanges)
            let counts = result.counts
            #expect(counts.changeCount >= minimum, "\(counts.changeCount) changes in \(result.seconds) s")
            #expect(counts.mismatches == 0, "\(counts.firstMismatches)")
            #expect(counts.stoppedThreads.isEmpty, "\(counts.stoppedThreads)")
            expectOnlyKnownMirrorFailures(counts, known: [Self.retiredKey, Self.refreshTimedOut])
            withKnownIssue("the mirror stalls: while changes keep coming faster than a chunk's re-pin, every re-pin races (read-retry) and an access waits 10 s for its chunk, then fails", isIntermittent: true) {
                #expect(counts.accesses >= minimum, "\(counts.accesses) accesses in \(result.seconds) s")
                #expect(counts.failureKinds[Self.refreshTimedOut, default: 0] == 0, "\(counts.failureKinds)")
            }
        }

        @Test func theSoakCommandPrintsItsReportAsJSON() throws {
            let result = try runProduct("odpkit", ["soak", "--seconds", "2", "--modes", "pinned,odp", "--threads", "1,1", "--pages", "32", "--json"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let report = try JSONDecoder().decode(SoakReport.self, from: Data(result.stdout.utf8))
            #expect(report.results.map(\.mode) == [.pinned, .odp] && report.settings.pages == 32)
            #expect(report.results.allSatisfy { $0.counts.accesses > 0 && $0.counts.changeCount > 0 })
            #expect(report.results.last?.counts.mismatches == 0)
        }

        static let nicError = "completion-error (odpkit soak)"
        static let retiredKey = "retired-key (odpkit soak)"
        static let refreshTimedOut = "timed-out (odpkit mirror refresh)"

        /// A failed mirror access may only be of the `known` kinds, and then only as a known issue: another
        /// thread's re-pin retired the key an access had taken from `segments()` before the NIC used it
        /// (remote access error), or a chunk's re-pin raced with changes until its deadline.
        private func expectOnlyKnownMirrorFailures(_ counts: SoakCounts, known: Set<String>) {
            #expect(Set(counts.failureKinds.keys).isSubset(of: known), "\(counts.failureKinds): \(counts.failures)")
            withKnownIssue("a mirror access fails when another thread's re-pin retires its key between segments() and the NIC's access", isIntermittent: true) {
                #expect(counts.failureKinds[Self.retiredKey, default: 0] == 0, "\(counts.failures)")
            }
        }
    }
}
