public import ODPKit
public import ODPKitReport

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
///
/// Its cells, on a one-page READ of a mirror region: the READ with the retired key, post to its error
/// completion (remote fault); the recovery, error polled to the READ again completed, and of it the
/// reset and reconnect (recovery).
public enum RetiredKeyRecovery {
    /// What a run saw besides its latencies.
    public struct Outcome: Sendable {
        /// Rounds that read with a retired key.
        public var samples = 0
        /// The status the retired key earned (the first sample's).
        public var status: WorkCompletion.Status?
        /// The peer's queue pair state after the error (the first sample's).
        public var peerStateAfterError: QueuePair.State?
        /// The region side's queue pair state after the error (the first sample's).
        public var regionSideStateAfterError: QueuePair.State?
        /// Samples whose READ after recovery returned bytes other than the CPU's.
        public var mismatches = 0

        /// The outcome as the report's note.
        public var note: String {
            "retired key: \(samples) rounds; status \(status.map { "\($0)" } ?? "-"); peer queue pair after the error: \(peerStateAfterError?.rawValue ?? "-"), "
                + "region side: \(regionSideStateAfterError?.rawValue ?? "-"); READs after recovery that differed from the CPU: \(mismatches)"
        }
    }

    /// The cell of the READ with a retired key.
    public static let errorCell = CellKey(probe: .remoteFault, mode: .mirror, operation: .retiredKeyRead, bytes: pageSize, pages: 1)
    /// The cell of the whole recovery.
    public static let recoveryCell = CellKey(probe: .recovery, mode: .mirror, operation: .recovery, bytes: pageSize, pages: 1)
    /// The cell of the recovery's reset and reconnect.
    public static let reconnectCell = CellKey(probe: .recovery, mode: .mirror, operation: .reconnect, bytes: pageSize, pages: 1)

    /// `samples` rounds after one unrecorded round on `device` (the first device when nil), into
    /// `results`; returns their report, the outcome in its notes.
    public static func run(samples: Int, device: String?, into results: ProbeResults) throws(ODPKitError) -> LatencyReport {
        let started = monotonicNanoseconds()
        let startedAt = LatencyReport.timestamp()
        let path = try LoopbackPath(device: device)
        defer { try? path.close() }
        _ = try run(samples: 1, on: path, into: ProbeResults(expectedSamples: 1))
        let outcome = try run(samples: samples, on: path, into: results)
        return results.report(device: path.context.deviceName, startedAt: startedAt, since: started,
                              settings: ["samples": String(samples)], notes: [outcome.note])
    }

    /// Runs `samples` rounds on a 4-page mirror region: drop a page, wait for the eager refresher to
    /// re-establish its chunk (new keys), read with the old key, recover, read again. A round that fails
    /// is counted in the cell it failed in.
    public static func run(samples: Int, on path: LoopbackPath, into results: ProbeResults) throws(ODPKitError) -> Outcome {
        guard samples > 0 else {
            throw ODPKitError(.invalidArgument, function: "odpkit retired-key probe", reason: "needs samples > 0")
        }
        let errorLatency = results.recorder(errorCell), recovery = results.recorder(recoveryCell), reconnect = results.recorder(reconnectCell)
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

        var outcome = Outcome()
        for sample in 0..<samples {
            try Interruption.signals.check("the retired-key probe")
            var keys = try mirror.keyTable()
            try memory.dropPages(0..<pageSize)
            try waitForRefresh(of: mirror, after: keys.generation)
            guard let retired = keys.rkey(for: target) else { continue }

            let posted = monotonicNanoseconds()
            var errorPolled: UInt64 = 0
            do throws(ODPKitError) {
                try peer.postRead(into: sink, length: pageSize, from: RemoteBuffer(address: target, rkey: retired, length: pageSize), id: UInt64(sample))
                let failed = try cq.next()
                errorPolled = monotonicNanoseconds()
                guard !failed.status.isSuccess else {
                    throw ODPKitError(.completionError, function: "odpkit retired-key probe", reason: "a READ with retired rkey 0x\(String(retired, radix: 16)) succeeded: the mirror did not retire the key")
                }
                errorLatency.record(errorPolled - posted)
                if sample == 0 {
                    outcome.status = failed.status
                    outcome.peerStateAfterError = try peer.state()
                    outcome.regionSideStateAfterError = try regionSide.state()
                }
            } catch {
                errorLatency.fail(error)
                errorPolled = monotonicNanoseconds()
            }

            do throws(ODPKitError) {
                try peer.reset()
                try regionSide.reset()
                try peer.connect(to: regionSide)
                let reconnected = monotonicNanoseconds()
                keys = try mirror.keyTable()
                guard let current = keys.rkey(for: target) else {
                    throw ODPKitError(.notFound, function: "odpkit retired-key probe", reason: "the key table has no key for the region's first chunk")
                }
                staging.fill(0xEE)
                try peer.postRead(into: sink, length: pageSize, from: RemoteBuffer(address: target, rkey: current, length: pageSize), id: UInt64(sample))
                try cq.next().requireSuccess("RDMA READ after recovering from a retired key")
                let recovered = monotonicNanoseconds()
                reconnect.record(reconnected - errorPolled)
                recovery.record(recovered - errorPolled)
                if !staging.bytes.elementsEqual(memory.bytes[0..<pageSize]) { outcome.mismatches += 1 }
                outcome.samples += 1
            } catch {
                recovery.fail(error)
            }
            // The next round drops the page again; put the CPU's pattern back first.
            CoherenceCheck.cpuPattern.fill(UnsafeMutableRawBufferPointer(rebasing: memory.bytes[0..<pageSize]))
        }
        return outcome
    }

    /// Waits until the region is coherent again after a change that invalidated it (the key table's
    /// generation moved past `generation`), without using the region: the mirror's refresher re-establishes it.
    static func waitForRefresh(of mirror: MirrorRegion, after generation: UInt64, timeout: Duration = .seconds(10)) throws(ODPKitError) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        try mirror.waitUntilCoherent(0..<mirror.length, timeout: timeout)
        guard try mirror.keyTable(timeout: deadline - ContinuousClock.now).generation != generation else {
            throw ODPKitError(.invalidArgument, function: "odpkit retired-key probe", reason: "the region's key table did not move: nothing invalidated it")
        }
    }
}
