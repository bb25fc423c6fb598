public import Histogram
public import ODPKit

/// What it costs to come back after an invalidation: drop `invalidatedBytes` of a `regionBytes` region
/// with `madvise(MADV_DONTNEED)`, then time the first RDMA READ of one page of the dropped range (for
/// ODP a NIC page fault, for the mirror a user-space re-fault of one chunk, then the read), against the
/// same READ on present pages. Modes run interleaved, sample by sample, each on its own region.
public enum RefaultProbe {
    /// One configuration's figures for one mode, in nanoseconds.
    public struct Result: Sendable {
        public var mode: RegistrationMode
        public var regionBytes: Int
        public var invalidatedBytes: Int
        /// `madvise(MADV_DONTNEED)` itself (ODP pays the notifier and the NIC unmap inside it).
        public var invalidation = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        /// The first RDMA READ of one page after the invalidation.
        public var firstRead = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        /// Mirror only: re-establishing the rest of the invalidated range after that first read.
        public var restoreRest = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        /// The same READ on present pages.
        public var warmRead = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)
        /// The mirror region's own measures (invalidation window, re-fault), nil for other modes.
        public var mirror: MirrorStatistics?
    }

    public static func run(
        modes: [RegistrationMode], regionBytes: Int, invalidatedBytes: Int, samples: Int,
        mirrorRefresh: MirrorRegion.Refresh = .eager, on path: LoopbackPath
    ) throws(ODPKitError) -> [Result] {
        guard invalidatedBytes >= pageSize, invalidatedBytes <= regionBytes, samples > 0 else {
            throw ODPKitError(.invalidArgument, function: "odpkit refault probe", reason: "needs 1 page ≤ invalidated ≤ region and samples > 0")
        }
        var setups: [(memory: AnonymousMemory, region: RegisteredRegion)] = []
        defer { for setup in setups { try? setup.region.close() } }
        for mode in modes {
            let memory = try AnonymousMemory(length: regionBytes)
            CoherenceCheck.cpuPattern.fill(memory.bytes)
            setups.append((memory, try path.register(mode, memory, mirrorRefresh: mirrorRefresh)))
        }
        var results = modes.map { Result(mode: $0, regionBytes: regionBytes, invalidatedBytes: invalidatedBytes) }
        let clock = ContinuousClock()
        let slots = max(1, regionBytes / invalidatedBytes)
        for sample in 0..<samples {
            let range = ((sample % slots) * invalidatedBytes)..<((sample % slots) * invalidatedBytes + invalidatedBytes)
            for (index, setup) in setups.enumerated() {
                let warmStart = clock.now
                _ = try path.read(setup.region, offset: range.lowerBound, length: pageSize)
                results[index].warmRead.record((clock.now - warmStart).nanoseconds)
                let dropStart = clock.now
                try setup.memory.dropPages(range)
                results[index].invalidation.record((clock.now - dropStart).nanoseconds)
                let readStart = clock.now
                _ = try path.read(setup.region, offset: range.lowerBound, length: pageSize)
                results[index].firstRead.record((clock.now - readStart).nanoseconds)
                if let mirror = setup.region.mirror {
                    let restoreStart = clock.now
                    try mirror.ensureCoherent(range)
                    results[index].restoreRest.record((clock.now - restoreStart).nanoseconds)
                }
                // Bring every dropped page back, so the next sample's warm read is warm for every mode.
                CoherenceCheck.cpuPattern.fill(UnsafeMutableRawBufferPointer(rebasing: setup.memory.bytes[range]))
            }
        }
        for (index, setup) in setups.enumerated() {
            results[index].mirror = setup.region.mirror?.statistics
        }
        return results
    }
}
