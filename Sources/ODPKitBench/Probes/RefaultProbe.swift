public import ODPKit
public import ODPKitReport

/// What it costs to come back after an invalidation: drop one page or the whole of a region with
/// `madvise(MADV_DONTNEED)`, then time the first RDMA READ of one page of the dropped range (for ODP a
/// NIC page fault, for the mirror a user-space re-fault of one chunk, then the read), against the same
/// READ on present pages. Modes run interleaved, sample by sample, each on its own region.
///
/// Its cells, per mode, region size (`bytes`) and dropped pages (`pages`): the `madvise` itself
/// (invalidation), the first READ (fault, pages absent), the warm READ (warm, pages present); for a
/// mirror region also the rest of the range made coherent after the first READ (fault), and the
/// region's own measures: its invalidation window (window) and each chunk's re-fault (fault).
public enum RefaultProbe {
    /// What is dropped before the first READ.
    public enum Dropped: String, Sendable, CaseIterable {
        /// One page.
        case page
        /// The whole region.
        case all
    }

    /// Measures every region size of `regionSizes` (bytes) with every choice of `dropped`, `samples`
    /// samples each after one unrecorded round, on `device` (the first device when nil), into `results`;
    /// returns the report of them, with the mirror regions' counts in its notes.
    public static func run(
        regionSizes: [Int], dropped: [Dropped], modes: [RegistrationMode], samples: Int, mirrorRefresh: MirrorRegion.Refresh = .eager,
        device: String?, into results: ProbeResults
    ) throws(ODPKitError) -> LatencyReport {
        let started = monotonicNanoseconds()
        let startedAt = LatencyReport.timestamp()
        let path = try LoopbackPath(device: device)
        defer { try? path.close() }
        var notes: [String] = []
        for regionBytes in regionSizes {
            for choice in dropped {
                let invalidated = choice == .page ? pageSize : regionBytes
                _ = try measure(modes: modes, regionBytes: regionBytes, invalidatedBytes: invalidated, samples: 1, mirrorRefresh: mirrorRefresh,
                                on: path, into: ProbeResults(expectedSamples: 1))
                notes += try measure(modes: modes, regionBytes: regionBytes, invalidatedBytes: invalidated, samples: samples, mirrorRefresh: mirrorRefresh,
                                     on: path, into: results)
            }
        }
        let settings = [
            "region-bytes": regionSizes.map(String.init).joined(separator: ","),
            "dropped": dropped.map(\.rawValue).joined(separator: ","),
            "modes": modes.map(\.rawValue).joined(separator: ","),
            "samples": String(samples),
            "mirror-refresh": mirrorRefresh.rawValue,
            "mirror-chunk-bytes": String(MirrorRegion.defaultChunkSize),
        ]
        return results.report(device: path.context.deviceName, startedAt: startedAt, since: started, settings: settings, notes: notes)
    }

    /// One region size and dropped range: `samples` samples per mode into `results`; returns a note per
    /// mirror region with its counts.
    static func measure(
        modes: [RegistrationMode], regionBytes: Int, invalidatedBytes: Int, samples: Int, mirrorRefresh: MirrorRegion.Refresh,
        on path: LoopbackPath, into results: ProbeResults
    ) throws(ODPKitError) -> [String] {
        guard invalidatedBytes >= pageSize, invalidatedBytes <= regionBytes, samples > 0 else {
            throw ODPKitError(.invalidArgument, function: "odpkit refault probe", reason: "needs 1 page ≤ invalidated ≤ region and samples > 0")
        }
        let pages = invalidatedBytes / pageSize
        var setups: [(memory: AnonymousMemory, region: RegisteredRegion, cells: Cells)] = []
        defer { for setup in setups { try? setup.region.close() } }
        for mode in modes {
            let memory = try AnonymousMemory(length: regionBytes)
            CoherenceCheck.cpuPattern.fill(memory.bytes)
            let cells = Cells(mode: mode, regionBytes: regionBytes, pages: pages, refresh: mirrorRefresh, into: results)
            setups.append((memory, try path.register(mode, memory, mirrorRefresh: mirrorRefresh), cells))
        }
        let slots = max(1, regionBytes / invalidatedBytes)
        for sample in 0..<samples {
            try Interruption.signals.check("the refault probe")
            let range = ((sample % slots) * invalidatedBytes)..<((sample % slots) * invalidatedBytes + invalidatedBytes)
            for setup in setups {
                let cells = setup.cells
                // Warm means the translation is in place: one untimed READ first (an ODP region has none for a
                // page the NIC has not read since the CPU last wrote it, and the previous sample's refill wrote it).
                do throws(ODPKitError) {
                    try path.transfer(.read, setup.region, offset: range.lowerBound, length: pageSize)
                    cells.warmRead.measure(true) { () throws(ODPKitError) in _ = try path.read(setup.region, offset: range.lowerBound, length: pageSize) }
                } catch {
                    cells.warmRead.fail(error)
                }
                cells.drop.measure(true) { () throws(ODPKitError) in try setup.memory.dropPages(range) }
                cells.firstRead.measure(true) { () throws(ODPKitError) in _ = try path.read(setup.region, offset: range.lowerBound, length: pageSize) }
                if let mirror = setup.region.mirror {
                    cells.restoreRest?.measure(true) { () throws(ODPKitError) in try mirror.ensureCoherent(range) }
                }
                // Bring every dropped page back: the next sample reads the CPU's pattern again.
                CoherenceCheck.cpuPattern.fill(UnsafeMutableRawBufferPointer(rebasing: setup.memory.bytes[range]))
            }
        }
        return setups.compactMap { setup in
            guard let statistics = setup.region.mirror?.statistics else { return nil }
            setup.cells.window?.record(histogram: statistics.invalidationWindow)
            setup.cells.chunkRefault?.record(histogram: statistics.refaultTime)
            return "mirror, \(regionBytes) B region, \(pages) page(s) dropped per sample: \(statistics.invalidations) invalidations, "
                + "\(statistics.refaults) chunk re-faults (\(statistics.changedInPlace) in place, \(statistics.reregistered) with new keys), "
                + "\(statistics.retries) retries, \(statistics.eagerFailures) eager refreshes that failed"
                + (statistics.inPlaceUnsupported.map { "; no change in place: \($0)" } ?? "")
        }
    }

    /// The cells of one mode at one region size and dropped range.
    struct Cells {
        var drop, firstRead, warmRead: CellRecorder
        /// A mirror region's only.
        var restoreRest, window, chunkRefault: CellRecorder?

        init(mode: RegistrationMode, regionBytes: Int, pages: Int, refresh: MirrorRegion.Refresh, into results: ProbeResults) {
            let conditions = mode == .mirror ? CellConditions(refresh: refresh) : CellConditions()
            func cell(_ probe: Probe, _ operation: CellOperation, pagesPresent: CellConditions.Pages? = nil) -> CellRecorder {
                var conditions = conditions
                conditions.pages = pagesPresent
                return results.recorder(CellKey(probe: probe, mode: mode, operation: operation, bytes: regionBytes, pages: pages, conditions: conditions))
            }
            drop = cell(.invalidation, .dontNeed)
            firstRead = cell(.fault, .read, pagesPresent: .absent)
            warmRead = cell(.warm, .read, pagesPresent: .present)
            if mode == .mirror {
                restoreRest = cell(.fault, .restoreRest)
                window = cell(.window, .dontNeed)
                chunkRefault = cell(.fault, .chunkRefault)
            }
        }
    }
}
