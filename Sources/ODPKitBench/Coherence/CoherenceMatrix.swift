public import ODPKit
public import ODPKitReport

#if canImport(Glibc)
import Glibc
#endif

/// The coherence matrix: for each scenario, each NIC access (READ, WRITE) and each registration mode, does
/// the NIC still see what the CPU sees after the change?
///
/// A cell maps fresh memory, fills it with the CPU's bytes, registers it, and has the NIC READ it (the
/// check that the path works: every page must come back as the CPU wrote it). Then the scenario makes
/// its change, and the NIC touches the range before the CPU does (an ODP region must fault from the
/// NIC's side): a READ into a staging buffer holding a canary that differs, position by position, from
/// every byte the check could see, or a WRITE of bytes that differ from everything the range could
/// hold. Then the CPU looks. A transfer that moved nothing therefore never reads as coherent. A failed
/// completion or a timeout recovers the queue pairs before the next cell.
public enum CoherenceMatrix {
    /// The CPU's bytes before the change.
    static let cpuPattern = BytePattern(salt: 0x11)

    /// The staging buffer a path needs for the largest region of any scenario.
    public static var stagingBytes: Int { CoherenceScenario.all.map { $0.pages * pageSize }.max() ?? pageSize }

    /// Every cell of `scenarios` × `accesses` × `modes`, `repeats` times each (modes interleaved within
    /// a repetition), on `path`. Throws when the path cannot be recovered after a failed cell, and
    /// `.interrupted` once `interruption` is set (checked before each check).
    public static func run(
        scenarios: [CoherenceScenario], modes: [RegistrationMode], accesses: [NICAccess] = NICAccess.allCases, repeats: Int = 1,
        on path: LoopbackPath, interruption: Interruption = .signals, progress: (String) -> Void = { _ in }
    ) throws(ODPKitError) -> [CoherenceCell] {
        var cells: [CoherenceCell] = []
        try run(scenarios: scenarios, modes: modes, accesses: accesses, repeats: repeats, on: path, interruption: interruption,
                into: &cells, progress: progress)
        return cells
    }

    /// `run`, appending each scenario and access's cells (every mode) to `cells` once they are measured:
    /// when it throws, `cells` holds those measured before.
    public static func run(
        scenarios: [CoherenceScenario], modes: [RegistrationMode], accesses: [NICAccess] = NICAccess.allCases, repeats: Int = 1,
        on path: LoopbackPath, interruption: Interruption = .signals, into cells: inout [CoherenceCell], progress: (String) -> Void = { _ in }
    ) throws(ODPKitError) {
        for scenario in scenarios {
            for access in accesses {
                progress("coherence: \(scenario.name), NIC \(access)")
                var verdicts: [RegistrationMode: [CoherenceVerdict]] = [:]
                var details: [RegistrationMode: String] = [:]
                var windows: [RegistrationMode: [UInt64]] = [:]
                for _ in 0..<max(1, repeats) {
                    for mode in modes {
                        try interruption.check("the coherence matrix")
                        let outcome = try check(scenario, access: access, mode: mode, on: path)
                        verdicts[mode, default: []].append(outcome.verdict)
                        details[mode] = outcome.detail
                        if let window = outcome.window { windows[mode, default: []].append(window) }
                    }
                }
                cells += modes.map { mode in
                    CoherenceCell(scenario: scenario.name, access: access, mode: mode, verdicts: verdicts[mode] ?? [], detail: details[mode] ?? "",
                                  windowNanoseconds: windows[mode])
                }
            }
        }
    }

    /// How many times a cell whose unmapped pages another thread's mapping took is tried.
    static let attempts = 3

    /// One repetition of one cell: its verdict and what the bytes showed. A cell whose unmapped pages
    /// were mapped again by another thread before the NIC's access ended is void, and tried again.
    static func check(_ scenario: CoherenceScenario, access: NICAccess, mode: RegistrationMode, on path: LoopbackPath) throws(ODPKitError) -> Outcome {
        for _ in 0..<attempts {
            var mirror = MirrorObservation()
            if let outcome = try attempt(scenario, access: access, mode: mode, on: path, observing: &mirror) { return mirror.annotated(outcome) }
        }
        return Outcome(.notApplicable(reason: "another mapping took the unmapped pages, \(attempts) times"), "")
    }

    /// One cell's verdict, what the bytes showed, and a mirror region's window.
    struct Outcome {
        var verdict: CoherenceVerdict
        var detail: String
        var window: UInt64?

        init(_ verdict: CoherenceVerdict, _ detail: String, window: UInt64? = nil) {
            self.verdict = verdict
            self.detail = detail
            self.window = window
        }
    }

    /// One try of `check`, with what a mirror region did about the change in `mirror`; nil when another
    /// mapping took the unmapped pages.
    private static func attempt(
        _ scenario: CoherenceScenario, access: NICAccess, mode: RegistrationMode, on path: LoopbackPath, observing mirror: inout MirrorObservation
    ) throws(ODPKitError) -> Outcome? {
        let memory: ScenarioMemory
        do {
            memory = try ScenarioMemory(scenario.memory, pages: scenario.pages, growthRoom: scenario.growthRoom)
        } catch {
            return Outcome(.notApplicable(reason: error.code == .unsupported ? error.reason : "\(scenario.memory.rawValue) memory: \(error)"), "")
        }
        let length = memory.length
        guard length <= path.staging.length else {
            return Outcome(.notApplicable(reason: "the path's staging buffer holds \(path.staging.length) bytes, less than the region"), "")
        }
        let registered = memory.base
        let old = cpuPattern.bytes(0..<length)
        memory.bytes.copyBytes(from: old)
        let region: RegisteredRegion
        do {
            region = try RegisteredRegion(mode, pd: path.pd, address: memory.base, length: length)
        } catch {
            return Outcome(CoherenceVerdict(refusal: error), "the registration refused")
        }
        defer { try? region.close() }

        let avoided = [old, [UInt8](repeating: 0, count: length)] + scenario.patterns.map { $0.bytes(0..<length) }
        let canary = distinctBytes([UInt8](repeating: 0xC5, count: length), avoiding: avoided)
        switch path.coherenceRead(region, length: length, canary: canary) {
        case .failure(let failure):
            try throwIfUnrecovered(failure)
            return Outcome(failure.verdict, "the NIC could not read the region before the change")
        case .success(let before):
            let read = pagesEqual(before, old, pages: scenario.pages)
            guard read == scenario.pages else {
                return Outcome(.stale(stalePages: scenario.pages - read, pages: scenario.pages), "before the change the NIC read the CPU's bytes in only \(read)/\(scenario.pages) pages")
            }
        }

        mirror.beforeChange(region)
        do {
            try scenario.change(memory)
            mirror.changeReturned()
        } catch where error.code == .notApplicable {
            return Outcome(.notApplicable(reason: error.reason), "")
        } catch {
            return Outcome(CoherenceVerdict(refusal: error), "the change refused")
        }

        let unmapped = scenario.unmappedPages
        let mapped = (0..<scenario.pages).filter { !unmapped.contains($0) }
        switch access {
        case .read:
            let outcome = path.coherenceRead(region, length: length, canary: canary) { mirror.keysReady(at: $0) }
            guard stillUnmapped(unmapped, at: registered) else { return nil }
            try scenario.restore?(memory)
            let cpu = cpuBytes(at: registered, length: length, unmapped: unmapped)
            switch outcome {
            case .failure(let failure):
                try throwIfUnrecovered(failure)
                return Outcome(failure.verdict, "CPU sees \(cpuSummary(cpu, mapped: mapped, unmapped: unmapped))")
            case .success(let nic):
                let agreeing = mapped.count { samePage(nic, cpu, $0) }
                let reached = unmapped.filter { !samePage(nic, canary, $0) }
                let detail = "CPU sees \(cpuSummary(cpu, mapped: mapped, unmapped: unmapped)); NIC read the same in \(agreeing)/\(mapped.count) mapped pages, the old bytes in "
                    + "\(pagesEqual(nic, old, pages: scenario.pages)), nothing (the canary) in \(pagesEqual(nic, canary, pages: scenario.pages))"
                    + (unmapped.isEmpty ? "" : ", bytes from \(reached.count)/\(unmapped.count) unmapped pages")
                if !reached.isEmpty || (scenario.cpuAccess == .none && pagesEqual(nic, canary, pages: scenario.pages) < scenario.pages) {
                    return Outcome(.throughProtection, detail)
                }
                let stale = mapped.count - agreeing + unmapped.count
                return Outcome(stale == 0 ? .coherent : .stale(stalePages: stale, pages: scenario.pages), detail)
            }
        case .write:
            let written = distinctBytes([UInt8](repeating: 0x3B, count: length), avoiding: avoided + [canary])
            let failure = path.coherenceWrite(written, to: region) { mirror.keysReady(at: $0) }
            guard stillUnmapped(unmapped, at: registered) else { return nil }
            try scenario.restore?(memory)
            let cpu = cpuBytes(at: registered, length: length, unmapped: unmapped)
            if let failure {
                try throwIfUnrecovered(failure)
                return Outcome(failure.verdict, "CPU sees \(cpuSummary(cpu, mapped: mapped, unmapped: unmapped))")
            }
            let landed = mapped.count { samePage(cpu, written, $0) }
            let detail = "the NIC wrote \(scenario.pages) pages\(unmapped.isEmpty ? "" : ", \(unmapped.count) of them unmapped"); the CPU sees the write in "
                + "\(landed)/\(mapped.count) mapped pages, and sees \(cpuSummary(cpu, mapped: mapped, unmapped: unmapped))"
            if !unmapped.isEmpty || (scenario.cpuAccess != .readWrite && landed > 0) {
                return Outcome(.throughProtection, detail)
            }
            return Outcome(landed == scenario.pages ? .coherent : .stale(stalePages: scenario.pages - landed, pages: scenario.pages), detail)
        }
    }

    /// Whether every page in `pages` from `address` is still unmapped (no other thread mapped it again).
    private static func stillUnmapped(_ pages: Range<Int>, at address: UnsafeMutableRawPointer) -> Bool {
        pages.allSatisfy { page in (try? system_rangeIsMapped(address + page * pageSize, pageSize)) == false }
    }

    /// The CPU's bytes of the `length` bytes registered at `address` after the change; zeros on the
    /// pages in `unmapped`, which it cannot read.
    private static func cpuBytes(at address: UnsafeMutableRawPointer, length: Int, unmapped: Range<Int>) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        bytes.withUnsafeMutableBytes { copy in
            for page in 0..<(length / pageSize) where !unmapped.contains(page) {
                copy.baseAddress!.advanced(by: page * pageSize).copyMemory(from: address + page * pageSize, byteCount: pageSize)
            }
        }
        return bytes
    }

    /// What the CPU sees on its mapped pages, and which pages it cannot look at.
    private static func cpuSummary(_ cpu: [UInt8], mapped: [Int], unmapped: Range<Int>) -> String {
        let summary = unmapped.isEmpty ? ByteSummary(cpu) : ByteSummary(mapped.flatMap { cpu[($0 * pageSize)..<(($0 + 1) * pageSize)] })
        return unmapped.isEmpty ? "\(summary)" : "\(summary) (pages \(unmapped) unmapped)"
    }

    /// Whether `a` and `b` hold the same bytes on page `page`.
    static func samePage(_ a: [UInt8], _ b: [UInt8], _ page: Int) -> Bool {
        a.withUnsafeBytes { a in b.withUnsafeBytes { b in memcmp(a.baseAddress! + page * pageSize, b.baseAddress! + page * pageSize, pageSize) == 0 } }
    }

    /// Rethrows the error of a recovery that failed: the path's queue pairs are unusable.
    private static func throwIfUnrecovered(_ failure: CoherenceFailure) throws(ODPKitError) {
        if let error = failure.recoveryError { throw error }
    }

    /// How many of the first `pages` pages hold the same bytes in `a` and `b`.
    static func pagesEqual(_ a: [UInt8], _ b: [UInt8], pages: Int) -> Int {
        (0..<pages).count { samePage(a, b, $0) }
    }
}
