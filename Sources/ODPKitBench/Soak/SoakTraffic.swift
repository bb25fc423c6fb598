import ODPKit

#if canImport(Glibc)
import Glibc
#endif

/// A traffic thread of the soak: until the deadline, it claims a random page, checks one NIC READ or
/// WRITE of it (`SoakChecker`), and releases it with what it then holds. An access that fails is
/// counted and the next one tried; after `failuresInARow` failures in a row the thread stops.
struct SoakTraffic<NIC: SoakNIC> {
    let checker: SoakChecker
    let ledger: SoakLedger
    let nic: NIC

    static var failuresInARow: Int { 20 }

    /// Checks accesses until `deadline`; `name` says which thread in what it reports.
    func run(until deadline: SoakDeadline, name: String) -> SoakCounts {
        var counts = SoakCounts()
        var random = SystemRandomNumberGenerator()
        var failedInARow = 0
        var lastFailure: ODPKitError?
        while !deadline.hasPassed() {
            let page = Int.random(in: 0..<ledger.pageCount, using: &random)
            guard let held = ledger.claim(page..<(page + 1))?.first else {
                sched_yield()
                continue
            }
            var holds = held
            let started = monotonicNanoseconds()
            do throws(ODPKitError) {
                if Bool.random(using: &random) {
                    let mismatch = try checker.checkRead(page: page, holding: held, through: nic)
                    counts.reads += 1
                    if let mismatch { counts.record(mismatch) }
                } else {
                    let epoch = ledger.nextEpoch()
                    holds = .stamp(epoch: epoch)
                    let mismatch = try checker.checkWrite(page: page, epoch: epoch, through: nic)
                    counts.writes += 1
                    if let mismatch { counts.record(mismatch) }
                }
                failedInARow = 0
                counts.recordDuration(monotonicNanoseconds() - started)
            } catch {
                counts.recordFailure(error, after: monotonicNanoseconds() - started)
                failedInARow += 1
                lastFailure = error
            }
            ledger.release(page..<(page + 1), holding: [holds])
            if failedInARow >= Self.failuresInARow {
                counts.stoppedThreads.append("\(name): \(failedInARow) accesses in a row failed, the last: \(lastFailure.map { "\($0)" } ?? "")")
                break
            }
        }
        return counts
    }
}

/// Each traffic thread has a NIC of its own (its own loopback path); the region they share hands out
/// its segments under its own locks, and the CPU touches only the page its thread claimed.
extension SoakTraffic: @unchecked Sendable {}
