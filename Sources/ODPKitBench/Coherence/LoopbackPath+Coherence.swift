import ODPKit
import ODPKitReport

extension LoopbackPath {
    /// How long a coherence check waits for one completion.
    static let coherenceTimeout = Duration.seconds(10)

    /// READs `length` bytes of `region` from its start into the staging buffer, which holds `canary`
    /// first (so bytes that did not land show as the canary); returns the staging buffer's bytes, or the
    /// verdict of what failed (the queue pairs are then recovered). `keysReady` hears the monotonic time
    /// at which the region handed out its segments (a mirror region re-pins stale chunks first).
    func coherenceRead(_ region: RegisteredRegion, length: Int, canary: [UInt8], keysReady: (UInt64) -> Void = { _ in }) -> Result<[UInt8], CoherenceFailure> {
        precondition(canary.count == length && length <= staging.length, "coherenceRead: the canary covers the read, which fits the staging buffer")
        staging.bytes.copyBytes(from: canary)
        if let failure = postAndPoll(region, length: length, keysReady: keysReady, { segment, id throws(ODPKitError) in
            try queuePair.postRead(into: stagingRegion, offset: segment.offset, length: segment.length, from: segment.remote, id: id)
        }) {
            return .failure(failure)
        }
        return .success([UInt8](unsafeUninitializedCapacity: length) { copy, initialized in
            copy.baseAddress!.initialize(from: staging.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count: length)
            initialized = length
        })
    }

    /// WRITEs `bytes` over `region` from its start; nil when every WRITE completed, else the verdict of
    /// what failed (the queue pairs are then recovered). `keysReady` as for `coherenceRead`.
    func coherenceWrite(_ bytes: [UInt8], to region: RegisteredRegion, keysReady: (UInt64) -> Void = { _ in }) -> CoherenceFailure? {
        precondition(bytes.count <= staging.length, "coherenceWrite: the bytes fit the staging buffer")
        staging.bytes.copyBytes(from: bytes)
        return postAndPoll(region, length: bytes.count, keysReady: keysReady) { segment, id throws(ODPKitError) in
            try queuePair.postWrite(from: stagingRegion, offset: segment.offset, length: segment.length, to: segment.remote, id: id)
        }
    }

    /// Posts one work request per segment covering `length` bytes of `region`, at most
    /// `PostWindow.defaultLimit` outstanding, and polls every one: nil when all succeeded, else the first
    /// failure. A refusal before anything was posted leaves the queue pairs as they were; a failed
    /// completion or a timeout recovers them, so the next check starts clean.
    private func postAndPoll(
        _ region: RegisteredRegion, length: Int, keysReady: (UInt64) -> Void, _ post: (RegionSegment, UInt64) throws(ODPKitError) -> Void
    ) -> CoherenceFailure? {
        let segments: [RegionSegment]
        do {
            segments = try region.segments(offset: 0, length: length)
            keysReady(monotonicNanoseconds())
        } catch {
            return CoherenceFailure(.init(refusal: error))
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
                    failure = CoherenceFailure(.init(refusal: error))
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
        if let failure, failure.recovered {
            do {
                try recover()
            } catch {
                return CoherenceFailure(failure.verdict, recovered: true, recoveryError: error)
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

/// A NIC access of a coherence check that did not complete: its verdict, whether the queue pairs had to
/// be recovered, and the error of a recovery that failed (the matrix cannot go on after it).
struct CoherenceFailure: Error {
    var verdict: CoherenceVerdict
    var recovered = false
    var recoveryError: ODPKitError?

    init(_ verdict: CoherenceVerdict, recovered: Bool = false, recoveryError: ODPKitError? = nil) {
        self.verdict = verdict
        self.recovered = recovered
        self.recoveryError = recoveryError
    }
}
