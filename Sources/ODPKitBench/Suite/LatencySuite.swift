public import ODPKit
public import ODPKitReport

/// The whole measurement: the coherence matrix, registration, NIC page faults, invalidations and the
/// warm data path, every registration mode interleaved sample by sample, into one report labelled with
/// its testbed; with a perftest wrapper, first perftest's rounds beside odpkit's (`PerftestRounds`).
public struct LatencySuite: Sendable {
    /// The probes a suite can run, in the order it runs them (after any perftest rounds): the coherence
    /// matrix (`CoherenceMatrix`, every scenario once per mode), then the warm data path, before the large
    /// registrations have churned the guest's memory.
    public enum Part: String, Sendable, CaseIterable {
        case coherence, overhead, warm, registration, fault, invalidation
    }

    public var parts: [Part] = Part.allCases
    public var modes: [RegistrationMode] = RegistrationMode.allCases
    public var budget = ProbeBudget()
    /// The largest region the registration probe registers (capped by the memory available).
    public var registrationMaximum = 1 << 30
    /// Page counts the fault and invalidation probes drop.
    public var pageCounts = [1, 16, 256, 4096]
    /// Whether ODP faults are also measured after `ibv_advise_mr` prefetch.
    public var prefetch = true
    /// The largest message of the warm probe.
    public var warmMaximum = 1 << 20
    /// perftest's wrapper, run in rounds against odpkit's pinned cells before the parts
    /// (`PerftestRounds`); nil runs no perftest.
    public var perftest: PerftestProgram?
    /// The rounds of each of `perftestSizes` (one count serves every size): more of the small sizes,
    /// whose pairs are short.
    public var perftestRounds = [16, 12]
    /// odpkit's executable, which the perftest rounds start for odpkit's side of each pair
    /// (`PerftestPartner`): by default the running program's.
    public var odpkitExecutable = PerftestPartner.runningExecutable
    /// The message sizes of the perftest rounds.
    public var perftestSizes = [8, 65536]

    public init() {}

    /// What the suite was asked to do, for the report.
    public var settings: [String: String] {
        [
            "parts": parts.map(\.rawValue).joined(separator: ","),
            "modes": modes.map(\.rawValue).joined(separator: ","),
            "samples": "\(budget.samples)",
            "warm-up": "\(budget.warmUp)",
            "seconds-per-cell": "\(budget.secondsPerCell)",
            "minimum-samples": "\(budget.minimumSamples)",
            "registration-max-bytes": "\(registrationMaximum)",
            "pages": pageCounts.map(String.init).joined(separator: ","),
            "prefetch": "\(prefetch)",
            "warm-max-bytes": "\(warmMaximum)",
            "mirror-chunk-bytes": "\(MirrorRegion.defaultChunkSize)",
        ].merging(perftest == nil ? [:] : [
            "perftest-rounds": perftestRounds.map(String.init).joined(separator: ","),
            "perftest-sizes": perftestSizes.map(String.init).joined(separator: ","),
        ]) { first, _ in first }
    }

    /// Runs the parts in order on `device` (the first device when nil). `progress` hears a line per
    /// step; `samples` (when given) gets each part's raw samples as soon as the part is done.
    ///
    /// When `budget.interruption` is set (SIGINT or SIGTERM), the run stops at the next round or check,
    /// closes what the probe had opened, and returns the cells measured until then as a `partial`
    /// report whose notes say where it stopped; `samples` gets their raw samples too.
    public func run(device: String?, samples: SamplesCSVWriter? = nil, progress: @escaping (String) -> Void) throws(ODPKitError) -> LatencyReport {
        let started = monotonicNanoseconds()
        let startedAt = LatencyReport.timestamp()
        let clocksourceAtStart = TestbedLabel.currentClocksource()
        let path = try LoopbackPath(device: device, stagingBytes: stagingBytes)
        defer { try? path.close() }
        let results = ProbeResults(expectedSamples: budget.samples)
        var notes: [String] = []
        #if DEBUG
        notes.append("odpkit was built without optimization (debug): every sample includes unoptimized Swift. Measure with `swift build -c release` (make run does).")
        #endif
        var written = 0
        let maximum = Self.registrationCap(registrationMaximum)
        if parts.contains(.registration), maximum < registrationMaximum {
            notes.append("Registration sizes stop at \(maximum) bytes: a quarter of the memory available (MemAvailable) at the start.")
        }
        var estimate = ProgressEstimate(weights: stepWeights(registrationSizes: RegistrationProbe.sizes(upTo: maximum),
                                                             hugePagesFrom: TransparentHugePages.smallestAdvised() ?? 0))
        var step = "the start"
        let say: (String) -> Void = { line in
            step = line
            estimate.beginStep()
            progress(estimate.line(line, elapsedSeconds: Double(monotonicNanoseconds() - started) / 1e9))
        }
        var perftestResults: [PerftestResult] = []
        var coherence: [CoherenceCell] = []
        var interrupted: ODPKitError?
        do throws(ODPKitError) {
            if let perftest {
                perftestResults = try PerftestRounds.run(program: perftest, odpkit: odpkitExecutable, rounds: perftestRounds, sizes: perftestSizes,
                                                         budget: budget, device: path.context.deviceName, into: results, progress: say)
            }
            for part in parts {
                try measure(part, registrationMaximum: maximum, coherence: &coherence, notes: &notes, on: path, into: results, progress: say)
                if let samples {
                    try Self.write(results.recorders[written...], to: samples)
                }
                written = results.recorders.count
            }
        } catch where error.code == .interrupted {
            interrupted = error
        }
        // Nothing after this needs the device: an interrupted run has deregistered everything before it
        // summarises and writes what it measured.
        let deviceName = path.context.deviceName
        try? path.close()
        // Every cell's summary is worked out from its histogram once, for the note and the report.
        var cells = results.cells
        if let interrupted {
            if let samples {
                try Self.write(results.recorders[written...], to: samples)
            }
            // Cells planned for the step that was stopped but never sampled hold no figure of their own.
            cells.removeAll { $0.summary.samples == 0 && $0.failures == 0 }
            let tenths = (monotonicNanoseconds() - started) / 100_000_000
            notes.insert("Partial report: \(interrupted.function) stopped the run after \(tenths / 10).\(tenths % 10) s, during \"\(step)\"; the cells are those measured until then, and the parts and steps after it were not measured.", at: 0)
        }
        notes += results.failureNotes
        notes += Self.budgetNotes(results, budget: budget, interrupted: interrupted != nil)
        if let overhead = OverheadProbe.note(cells) { notes.append(overhead) }
        let testbed = TestbedLabel.current(device: deviceName)
        notes += Self.clocksourceNotes(atStart: clocksourceAtStart, atEnd: testbed.clocksource ?? "unknown")
        return LatencyReport(
            testbed: testbed, startedAt: startedAt,
            durationSeconds: Double(monotonicNanoseconds() - started) / 1e9, settings: settings,
            cells: cells, perftest: perftestResults, faultCosts: FaultProbe.costs(results), coherence: coherence, notes: notes,
            partial: interrupted != nil
        )
    }

    /// Runs one part of the suite into `results` (the coherence matrix into `coherence`), adding the notes it has.
    private func measure(_ part: Part, registrationMaximum maximum: Int, coherence: inout [CoherenceCell], notes: inout [String],
                         on path: LoopbackPath, into results: ProbeResults, progress say: (String) -> Void) throws(ODPKitError) {
        switch part {
        case .coherence:
            try CoherenceMatrix.run(scenarios: CoherenceScenario.all, modes: modes, on: path, interruption: budget.interruption,
                                    into: &coherence, progress: say)
        case .overhead:
            say("overhead: clock pair inside each sample, and with the record, \(Self.overheadSamples(budget)) samples")
            try OverheadProbe.run(samples: Self.overheadSamples(budget), into: results, interruption: budget.interruption)
        case .registration:
            let sizes = RegistrationProbe.sizes(upTo: maximum)
            let hugePagesFrom = TransparentHugePages.smallestAdvised() ?? 0
            if let smallest = sizes.first, hugePagesFrom > smallest {
                notes.append("Registration with THP on starts at \(hugePagesFrom) bytes, the kernel's smallest transparent huge page for an advised mapping: a smaller mapping holds no huge page, so THP on would measure THP off again.")
            }
            try RegistrationProbe.run(sizes: sizes, modes: modes, hugePagesFrom: hugePagesFrom, budget: budget, on: path, into: results, progress: say)
        case .fault:
            try FaultProbe.run(pageCounts: pageCounts, modes: modes, prefetch: prefetch, budget: budget, on: path, into: results, progress: say)
        case .invalidation:
            try InvalidationProbe.run(pageCounts: pageCounts, modes: modes, budget: budget, on: path, into: results, progress: say)
        case .warm:
            try WarmProbe.run(sizes: WarmProbe.sizes(upTo: warmMaximum), modes: modes, budget: budget, on: path, into: results, progress: say)
        }
    }

    /// Appends the raw samples of `recorders` to `samples` and makes them durable.
    private static func write(_ recorders: ArraySlice<CellRecorder>, to samples: SamplesCSVWriter) throws(ODPKitError) {
        for recorder in recorders {
            try samples.append(recorder.key, nanoseconds: recorder.samples)
        }
        try samples.synchronize()
    }

    /// The bytes of the loopback path's staging buffer, pinned for the whole run: twice the warm probe's
    /// largest message (the write ping-pong's second WRITE lands in its second half; the perftest rounds'
    /// cells are measured by partner processes), the largest page count dropped, and the largest
    /// coherence scenario (a check READs or WRITEs it whole through the buffer).
    public var stagingBytes: Int {
        max(2 * warmMaximum, (pageCounts.max() ?? 1) * pageSize, (CoherenceScenario.all.map(\.pages).max() ?? 1) * pageSize)
    }

    /// The most memory the run holds at once, for `Preflight.checkMemory`: the staging buffer, and the
    /// largest of what its parts hold — a region per mode (warm: twice the largest message; fault and
    /// invalidation: the largest drop, rounded to mirror chunks, and the invalidation's spare mapping),
    /// the registration probe's largest region (one, shared by the modes), the overhead probe's raw samples.
    public var memoryBytes: Int {
        let chunk = MirrorRegion.defaultChunkSize
        let drop = (pageCounts.max() ?? 1) * pageSize
        var held = [0]
        if parts.contains(.warm) { held.append(modes.count * 2 * max(pageSize, warmMaximum)) }
        if parts.contains(.fault) || parts.contains(.invalidation) { held.append(modes.count * ((drop + chunk - 1) / chunk + 1) * chunk + drop) }
        if parts.contains(.registration) { held.append(Self.registrationCap(registrationMaximum)) }
        if parts.contains(.overhead) { held.append(2 * Self.overheadSamples(budget) * MemoryLayout<UInt64>.size) }
        return stagingBytes + (held.max() ?? 0)
    }

    /// The overhead probe's samples: the budget's, and at least 10 000.
    static func overheadSamples(_ budget: ProbeBudget) -> Int {
        max(budget.samples, 10_000)
    }

    /// The weight of every step the run will announce, in the order it announces them (one per perftest
    /// pair, per scenario and NIC access of the coherence matrix, per group of cells a probe measures
    /// together): the seconds the time budget lets the step take, warm-up included (for the matrix
    /// `coherenceCheckSeconds` per mode), and for a registration also a guess at the rounds it must keep
    /// past its budget (`minimumSamples` of them, longer the larger the region).
    func stepWeights(registrationSizes: [Int], hugePagesFrom: Int) -> [Double] {
        func group(_ cells: Int) -> Double { 2 * budget.secondsPerCell * Double(cells) }
        let modeCount = modes.count
        var weights: [Double] = []
        if perftest != nil {
            weights += PerftestRounds.pairs(rounds: perftestRounds, sizes: perftestSizes).map { pair in
                2 + 2 * Double(budget.samples) * (1e-5 + Double(pair.bytes) * 2.5e-8)
            }
        }
        for part in parts {
            switch part {
            case .coherence:
                weights += Array(repeating: Self.coherenceCheckSeconds * Double(modeCount), count: CoherenceScenario.all.count * NICAccess.allCases.count)
            case .overhead:
                weights.append(1)
            case .warm:
                weights += Array(repeating: group(modeCount), count: WarmProbe.Operation.allCases.count * WarmProbe.sizes(upTo: warmMaximum).count)
            case .registration:
                for size in registrationSizes {
                    let rounds = Double(budget.minimumSamples * modeCount) * Double(size) * 5e-9
                    let conditions = 2 * (size >= hugePagesFrom ? 2 : 1)
                    weights += Array(repeating: max(group(2 * modeCount), rounds), count: conditions)
                }
            case .fault:
                // Per mode a warm cell, a fault and its control per preparation, and ODP's prefetch when it prefetches.
                let cells = modes.map { mode in
                    mode == .odp && prefetch ? 1 + 2 * CellConditions.Prefetch.allCases.count + 1 : 1 + 2
                }.reduce(0, +)
                weights += Array(repeating: group(cells), count: 2 * pageCounts.count)
            case .invalidation:
                for _ in pageCounts {
                    weights += InvalidationProbe.changes.map { change in
                        group(modeCount + (modes.contains(.mirror) && change != .unmap ? 1 : 0))
                    }
                }
            }
        }
        return weights
    }

    /// The seconds the progress estimate allows one coherence check (one scenario, access and mode):
    /// mapping, registering, two NIC accesses and the comparison, with no time budget of its own.
    static let coherenceCheckSeconds = 0.2

    /// `maximum`, or less: a power of two no larger than a quarter of MemAvailable.
    static func registrationCap(_ maximum: Int) -> Int {
        guard let available = Preflight.memoryAvailable() else { return maximum }
        var cap = pageSize
        while cap * 2 <= available / 4 && cap * 2 <= maximum { cap *= 2 }
        return cap
    }

    /// A clocksource that changed during the run, or one that makes every clock read a system call:
    /// either inflates the figures, and the report says so.
    static func clocksourceNotes(atStart: String, atEnd: String) -> [String] {
        if atStart != atEnd {
            return ["The kernel's clocksource changed from \(atStart) to \(atEnd) during the run (its watchdog marked \(atStart) unstable): figures measured after the change are not comparable with those before, nor with perftest's (rdtsc). The testbed boots with tsc=reliable to prevent it; see testbed/README.md."]
        }
        if TestbedLabel.slowClocksources.contains(atEnd) {
            return ["The kernel's clocksource is \(atEnd): every clock read is a system call and a device read, which inflates each sample (the overhead cells show by how much)."]
        }
        return []
    }

    /// Cells that stopped at the time budget (or, in an `interrupted` run, at the interruption) before
    /// `samples`: said, not hidden. A cell the interruption left without a sample is not in the report.
    static func budgetNotes(_ results: ProbeResults, budget: ProbeBudget, interrupted: Bool = false) -> [String] {
        let kept = results.recorders.filter { $0.samples.count + $0.failures > 0 || !interrupted }
        let short = kept.filter { $0.key.probe != .overhead && $0.samples.count + $0.failures < budget.samples }
        guard !short.isEmpty else { return [] }
        let fewest = short.map { $0.samples.count }.min() ?? 0
        let stop = interrupted ? "at the time budget (\(budget.secondsPerCell) s per cell) or at the interruption" : "at the time budget (\(budget.secondsPerCell) s per cell)"
        return ["\(short.count) of \(kept.count) cells stopped \(stop) before \(budget.samples) samples; the fewest has \(fewest). Each cell's sample count is in its row."]
    }
}
