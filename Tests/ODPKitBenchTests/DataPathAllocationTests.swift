import MallocInterposerSwift
import Testing
import TestSupport
@testable import ODPKit
@testable import ODPKitBench
@testable import ODPKitReport
import Verbs

#if canImport(Glibc)
import Glibc
#endif

/// Ordo-one's malloc interposer, linked into the test bundle: it counts every allocation of the process.
enum MallocCounter {
    /// Set by `make test` for a run of this suite alone, in an optimized build: the interposer counts
    /// every thread's allocations, so other suites running alongside would be counted too, and an
    /// unoptimized build allocates coroutine frames for the standard library's accessors.
    static let requested = getenv("ODPKIT_COUNT_ALLOCATIONS").map { String(cString: $0) == "1" } ?? false

    static let active: Bool = {
        MallocInterposerSwift.initialize()
        MallocInterposerSwift.hook()
        let probe = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        MallocInterposerSwift.unhook()
        probe.deallocate()
        return MallocInterposerSwift.getStatistics().mallocCount > 0
    }()

    /// The heap allocations (by every thread) while `body` runs.
    static func allocations(_ body: () -> Void) -> Int {
        MallocInterposerSwift.initialize()
        MallocInterposerSwift.hook()
        body()
        MallocInterposerSwift.unhook()
        return MallocInterposerSwift.getStatistics().mallocCount
    }
}

/// The warm data path allocates nothing per post and poll: issue 5's "zero heap allocations per
/// post-and-poll", counted by the malloc interposer around 1000 work requests (and 1000 write ping-pongs, and
/// 1000 back-to-back timed transfers) after a warm-up.
@Suite("rxe integration: allocations", .serialized,
       .enabled(if: RXE.present, "no RDMA device: run inside the testbed (make test does)"),
       .enabled(if: MallocCounter.requested, "allocations are counted in a run of this suite alone, optimized (make test runs one)"),
       .enabled(if: MallocCounter.active, "the malloc interposer does not count in this process"))
struct DataPathAllocationTests {
    @Test(arguments: [RegistrationMode.pinned, .odp], [8, 65536])
    func postAndPollAllocateNothing(mode: RegistrationMode, bytes: Int) throws {
        let path = try LoopbackPath(stagingBytes: 1 << 17)
        defer { try? path.close() }
        let memory = try AnonymousMemory(length: 1 << 17)
        memory.fill(0x42)
        let region = try path.register(mode, memory)
        for access in NICAccess.allCases {
            for _ in 0..<100 { try path.transfer(access, region, length: bytes) }
            var failure: ODPKitError?
            let count = MallocCounter.allocations {
                for _ in 0..<1000 {
                    do throws(ODPKitError) { try path.transfer(access, region, length: bytes) } catch { failure = error; return }
                }
            }
            #expect(failure == nil)
            #expect(count == 0, "\(count) heap allocations in 1000 \(access) work requests of \(bytes) B on a \(mode) region")
        }
        // Back-to-back timing (the warm probe's READ and WRITE): one prepared work request per call, nothing per transfer.
        let samples = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 1000)
        defer { samples.deallocate() }
        for access in NICAccess.allCases {
            var measured = 0
            var timingFailure: ODPKitError?
            func timed(_ count: Int) -> Int {
                MallocCounter.allocations {
                    do throws(ODPKitError) {
                        try path.timeTransfers(access, region, length: bytes, into: UnsafeMutableBufferPointer(rebasing: samples[0..<count]), measured: &measured)
                    } catch { timingFailure = error }
                }
            }
            _ = timed(100)
            let few = timed(10), many = timed(1000)
            #expect(timingFailure == nil && measured == 1000)
            #expect(many == few && many <= 2, "\(few) heap allocations timing 10 \(access) transfers, \(many) timing 1000, of \(bytes) B on a \(mode) region")
        }
        var failure: ODPKitError?
        for _ in 0..<100 where failure == nil {
            do throws(ODPKitError) { try path.writePingPong(region, length: bytes) } catch { failure = error }
        }
        let count = failure != nil ? 0 : MallocCounter.allocations {
            for _ in 0..<1000 {
                do throws(ODPKitError) { try path.writePingPong(region, length: bytes) } catch { failure = error; return }
            }
        }
        #expect(failure == nil)
        #expect(count == 0, "\(count) heap allocations in 1000 write ping-pongs of \(bytes) B on a \(mode) region")
    }
}
