import Foundation
import ODPKit
import ODPKitReport

extension SoakReport {
    /// The report as text: the testbed line, the settings, one row per mode, the mirror's figures, the
    /// counters, the first mismatches and failures, and a verdict per mode.
    public var text: String {
        var lines = ["testbed: \(testbed.summary)"]
        let checked = results.first.map { "\($0.checkedBytes) bytes checked per page" } ?? "no mode"
        lines.append("soak: \(settings.seconds) s per mode, \(ReportFormat.pages(settings.pages)) (\(checked)), "
            + "\(settings.changerThreads) changer and \(settings.trafficThreads) traffic threads, "
            + "changes of 1...\(min(settings.largestChange, settings.pages)) pages: \(settings.changes.map(\.description).joined(separator: ", "))")
        lines.append("")
        let titles = ["mode", "seconds", "reads", "writes", "accesses/s", "longest ms", "changes", "pages changed", "changes/s",
                      "invalidations", "mismatches", "stale", "canary", "other", "failed"]
        let rows = results.map { result -> [String] in
            let counts = result.counts
            let invalidations = result.invalidations.map(String.init) ?? (result.mode == .pinned ? "none (pinned)" : "not available")
            return [result.mode.rawValue, String(format: "%.1f", result.seconds), "\(counts.reads)", "\(counts.writes)",
                    String(format: "%.1f", result.accessesPerSecond), ReportFormat.milliseconds(Double(counts.longestAccessNanoseconds) / 1000),
                    "\(counts.changeCount)", "\(counts.pagesChanged)",
                    String(format: "%.1f", result.changesPerSecond), invalidations, "\(counts.mismatches)",
                    "\(counts.staleMismatches)", "\(counts.canaryMismatches)", "\(counts.otherMismatches)", "\(counts.failedAccesses)"]
        }
        lines += TextTable.lines([titles] + rows, numericColumns: Set(1..<titles.count))
        lines.append("")
        lines.append("NIC page faults: not available (odpkit reads no per-region ODP counter; rxe keeps none); "
            + "an ODP region's invalidations: not available (the kernel counts none; its changes are counted)")
        for result in results {
            lines += details(result)
        }
        lines.append("")
        lines += results.map(verdict)
        return lines.joined(separator: "\n")
    }

    /// The lines under the table for one mode: the mirror's figures, the counters, examples.
    private func details(_ result: SoakResult) -> [String] {
        let mode = result.mode.rawValue
        var lines: [String] = []
        if let mirror = result.mirror {
            let window = mirror.window
            let windows = window.samples == 0 ? "no window" : "window (event read → coherent again) median "
                + "\(ReportFormat.microseconds(window.typical)) µs, p99 \(ReportFormat.microseconds(window.p99)) µs, "
                + "max \(ReportFormat.microseconds(window.maximum)) µs over \(window.samples) re-pins"
            lines.append("\(mode): \(mirror.refaults) chunks re-pinned, \(mirror.retries) read-retries, \(mirror.eagerFailures) eager failures, "
                + "\(mirror.orphansRepinned) orphans re-pinned, \(mirror.zapsNeverSeen) zaps never seen; \(windows)")
        }
        let changes = settings.changes.map { "\($0.rawValue) \(result.counts.changes[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        lines.append("\(mode): changes \(changes)")
        let counters = result.portCounters.map { moved in
            moved.isEmpty ? "none moved" : moved.sorted { $0.key < $1.key }.map { "\($0.key) +\($0.value)" }.joined(separator: ", ")
        } ?? "not available (sysfs shows no hw_counters)"
        lines.append("\(mode): port counters: \(counters)")
        lines += result.counts.firstMismatches.map { "\(mode): mismatch: \($0)" }
        if !result.counts.failureKinds.isEmpty {
            lines.append("\(mode): failed accesses: " + result.counts.failureKinds.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
        lines += result.counts.failures.map { "\(mode): failed access: \($0)" }
        lines += result.counts.stoppedThreads.map { "\(mode): stopped: \($0)" }
        return lines
    }

    /// `odp: coherent, 0 mismatches in 1234 checked accesses` and the like.
    private func verdict(_ result: SoakResult) -> String {
        let counts = result.counts
        if let failure = result.failure { return "verdict: FAILED \(failure)" }
        if result.claimsCoherence {
            return "verdict: \(result.mode): coherent, 0 mismatches in \(counts.accesses) checked accesses during \(counts.changeCount) changes"
        }
        let why = counts.mismatches > 0
            ? "expected: a pinned region keeps its old pages; the mismatches show that the checker sees staleness"
            : "none seen, though a pinned region keeps its old pages: too few accesses met a changed page"
        return "verdict: \(result.mode): \(counts.mismatches) mismatches in \(counts.accesses) checked accesses during \(counts.changeCount) changes (\(why))"
    }
}
