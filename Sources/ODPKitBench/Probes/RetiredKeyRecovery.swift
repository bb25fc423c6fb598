public import Histogram
public import ODPKit

#if canImport(Glibc)
import Glibc
#endif

/// A remote peer that reads a mirror region with a key the mirror has since retired (rxe cannot change
/// a translation in place, so a re-fault means a new memory region and new keys): the READ completes
/// with a remote access error and both queue pairs go to the error state. The peer recovers as an
/// application must: reset and reconnect both queue pairs, fetch the key table again, post again.
///
/// Two queue pairs on one device stand for the two hosts (a remote peer and the region's side); in a
/// real deployment fetching the key table is a round trip on the application's control channel, which
/// this leaves out. Every sample checks that the READ after recovery returns what the CPU holds.
public enum RetiredKeyRecovery {
    public struct Result: Sendable {
        public var samples = 0
        /// Posting the READ with the retired key → its error completion polled.
        public var errorLatency = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        /// Error polled → queue pairs reconnected, keys fetched again, the READ again completed.
        public var recovery = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        /// Of the recovery: resetting both queue pairs and connecting them again.
        public var reconnect = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        /// The status the retired key earned (the first sample's).
        public var status: WorkCompletion.Status?
        /// The peer's queue pair state after the error (the first sample's).
        public var peerStateAfterError: QueuePair.State?
        /// The region side's queue pair state after the error (the first sample's).
        public var regionSideStateAfterError: QueuePair.State?
        /// Samples whose READ after recovery returned bytes other than the CPU's.
        public var mismatches = 0
    }

    /// Runs `samples` rounds on a 4-page mirror region: drop a page, wait for the eager refresher to
    /// re-establish its chunk (new keys), read with the old key, recover, read again.
    public static func run(samples: Int, on path: LoopbackPath) throws(ODPKitError) -> Result {
        guard samples > 0 else {
            throw ODPKitError(.invalidArgument, function: "odpkit retired-key probe", reason: "needs samples > 0")
        }
        let memory = try AnonymousMemory(length: 4 * pageSize)
        CoherenceCheck.cpuPattern.fill(memory.bytes)
        let region = try path.register(.mirror, memory)
        defer { try? region.close() }
        let mirror = try MirrorRegion.of(region)
        let cq = try CompletionQueue(context: path.context)
        let peer = try QueuePair(pd: path.pd, sendQueue: cq, receiveQueue: cq)
        let regionSide = try QueuePair(pd: path.pd, sendQueue: cq, receiveQueue: cq)
        defer { try? peer.close(); try? regionSide.close(); try? cq.close() }
        try peer.connect(to: regionSide)
        let staging = try AnonymousMemory(length: pageSize)
        let sink = try path.pd.registerMemory(address: staging.baseAddress, length: staging.length, access: .readWrite)
        defer { try? sink.close() }
        let target = UInt64(UInt(bitPattern: memory.baseAddress))

        var result = Result()
        let clock = ContinuousClock()
        for sample in 0..<samples {
            var keys = mirror.keyTable
            try memory.dropPages(0..<pageSize)
            try waitForRefresh(of: mirror, after: keys.generation)
            guard let retired = keys.rkey(for: target) else { continue }

            let posted = clock.now
            try peer.postRead(into: sink, length: pageSize, from: RemoteBuffer(address: target, rkey: retired, length: pageSize), id: UInt64(sample))
            let failed = try cq.next()
            let errorPolled = clock.now
            guard !failed.status.isSuccess else {
                throw ODPKitError(.completionError, function: "odpkit retired-key probe", reason: "a READ with retired rkey 0x\(String(retired, radix: 16)) succeeded: the mirror did not retire the key")
            }
            result.errorLatency.record((errorPolled - posted).nanoseconds)
            if sample == 0 {
                result.status = failed.status
                result.peerStateAfterError = try peer.state()
                result.regionSideStateAfterError = try regionSide.state()
            }

            try peer.reset()
            try regionSide.reset()
            try peer.connect(to: regionSide)
            let reconnected = clock.now
            keys = mirror.keyTable
            guard let current = keys.rkey(for: target) else {
                throw ODPKitError(.notFound, function: "odpkit retired-key probe", reason: "the key table has no key for the region's first chunk")
            }
            staging.fill(0xEE)
            try peer.postRead(into: sink, length: pageSize, from: RemoteBuffer(address: target, rkey: current, length: pageSize), id: UInt64(sample))
            try cq.next().requireSuccess("RDMA READ after recovering from a retired key")
            let recovered = clock.now
            result.reconnect.record((reconnected - errorPolled).nanoseconds)
            result.recovery.record((recovered - errorPolled).nanoseconds)
            if !staging.bytes.elementsEqual(memory.bytes[0..<pageSize]) { result.mismatches += 1 }
            result.samples += 1
            // The next round drops the page again; put the CPU's pattern back first.
            CoherenceCheck.cpuPattern.fill(UnsafeMutableRawBufferPointer(rebasing: memory.bytes[0..<pageSize]))
        }
        return result
    }

    /// Waits until the mirror's refresher has given a chunk new keys (the generation moved) and the
    /// region is coherent again, without using the region.
    static func waitForRefresh(of mirror: MirrorRegion, after generation: UInt64, timeout: Duration = .seconds(10)) throws(ODPKitError) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while mirror.keyTable.generation == generation {
            guard ContinuousClock.now < deadline else {
                throw ODPKitError(.timedOut, function: "odpkit retired-key probe", reason: "the mirror's refresher did not re-establish the region within \(timeout)")
            }
            sched_yield()
        }
        try mirror.waitUntilCoherent(0..<mirror.length, timeout: deadline - ContinuousClock.now)
    }
}
