import ODPKit
import ODPKitReport

extension LoopbackPath {
    /// How long a coherence check waits for one completion.
    static let coherenceTimeout = Duration.seconds(10)

    /// READs `length` bytes of `region` from `offset` into the staging buffer, which holds `canary`
    /// first (so bytes that did not land show as the canary); returns the staging buffer's bytes, or the
    /// verdict of what failed (the queue pairs are then recovered). `keysReady` hears the monotonic time
    /// at which the region handed out its segments (a mirror region re-pins stale chunks first).
    func coherenceRead(_ region: RegisteredRegion, offset: Int = 0, length: Int, canary: [UInt8],
                       keysReady: (UInt64) -> Void = { _ in }) -> Result<[UInt8], CoherenceFailure> {
        precondition(canary.count == length && length <= staging.length, "coherenceRead: the canary covers the read, which fits the staging buffer")
        staging.bytes.copyBytes(from: canary)
        if let failure = postAndPoll(region, offset: offset, length: length, keysReady: keysReady, { segment, id throws(ODPKitError) in
            try queuePair.postRead(into: stagingRegion, offset: segment.offset - offset, length: segment.length, from: segment.remote, id: id)
        }) {
            return .failure(failure)
        }
        return .success([UInt8](unsafeUninitializedCapacity: length) { copy, initialized in
            copy.baseAddress!.initialize(from: staging.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count: length)
            initialized = length
        })
    }

    /// WRITEs `bytes` over `region` from `offset`; nil when every WRITE completed, else the verdict of
    /// what failed (the queue pairs are then recovered). `keysReady` as for `coherenceRead`.
    func coherenceWrite(_ bytes: [UInt8], to region: RegisteredRegion, offset: Int = 0, keysReady: (UInt64) -> Void = { _ in }) -> CoherenceFailure? {
        precondition(bytes.count <= staging.length, "coherenceWrite: the bytes fit the staging buffer")
        staging.bytes.copyBytes(from: bytes)
        return postAndPoll(region, offset: offset, length: bytes.count, keysReady: keysReady) { segment, id throws(ODPKitError) in
            try queuePair.postWrite(from: stagingRegion, offset: segment.offset - offset, length: segment.length, to: segment.remote, id: id)
        }
    }

    /// Posts one work request per segment covering `length` bytes of `region` from `offset`, at most
    /// `PostWindow.defaultLimit` outstanding, and polls every one: nil when all succeeded, else the first
    /// failure. A refusal before anything was posted leaves the queue pairs as they were; a failed
    /// completion or a timeout recovers them, so the next check starts clean.
    private func postAndPoll(
        _ region: RegisteredRegion, offset: Int, length: Int, keysReady: (UInt64) -> Void, _ post: (RegionSegment, UInt64) throws(ODPKitError) -> Void
    ) -> CoherenceFailure? {
        let segments: [RegionSegment]
        do {
            segments = try region.segments(offset: offset, length: length)
            keysReady(monotonicNanoseconds())
        } catch {
            return CoherenceFailure(refusal: error)
        }
        var failure: CoherenceFailure?
        var start = 0
        while start < segments.count, failure == nil {
            let batch = segments[start..<min(segments.count, start + PostWindow.defaultLimit)]
            start = batch.endIndex
            var posted = 0
            for segment in batch {
                nextID &+= 1
                do {
                    try post(segment, nextID)
                    posted += 1
                } catch {
                    failure = CoherenceFailure(refusal: error)
                    break
                }
            }
            for _ in 0..<posted {
                do {
                    let completion = try completions.next(timeout: Self.coherenceTimeout)
                    if !completion.status.isSuccess, failure == nil {
                        failure = CoherenceFailure(.nicError(status: completion.status.description), recovered: true)
                    }
                } catch {
                    failure = CoherenceFailure(.timedOut(seconds: Double(Self.coherenceTimeout.components.seconds)), recovered: true)
                    break
                }
            }
        }
        guard var failure else { return nil }
        // A mirror region's chunk re-pinned by another thread since `segments` retires the key posted.
        if let mirror = region.mirror {
            failure.keysRetired = segments.contains { !mirror.isCurrent($0.memoryRegion) }
        }
        if failure.recovered {
            do {
                try recover()
            } catch {
                failure.recoveryError = error
            }
        }
        return failure
    }

    /// Resets both queue pairs, drops the completions left (flushed ones), and connects them again.
    func recover() throws(ODPKitError) {
        try queuePair.reset()
        try responder.reset()
        while try completions.poll({ _ in }) > 0 {}
        try queuePair.connect(to: responder, options)
    }
}

/// A NIC access of a coherence check that did not complete: its verdict, the error of a call that
/// refused, whether the queue pairs had to be recovered, the error of a recovery that failed (the matrix
/// cannot go on after it), and whether a mirror chunk's region it posted to had been replaced by a re-pin
/// by the time it failed (its key retired).
struct CoherenceFailure: Error {
    var verdict: CoherenceVerdict
    var refusal: ODPKitError?
    var recovered = false
    var recoveryError: ODPKitError?
    var keysRetired = false

    init(_ verdict: CoherenceVerdict, recovered: Bool = false, recoveryError: ODPKitError? = nil) {
        self.verdict = verdict
        self.recovered = recovered
        self.recoveryError = recoveryError
    }

    /// A call that refused before the NIC moved anything.
    init(refusal error: ODPKitError) {
        self.init(.init(refusal: error))
        refusal = error
    }
}
