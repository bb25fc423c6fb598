public import ODPKit

/// What a reader of a report came for, for one registration mode: what registering costs, what a NIC
/// page fault adds to an access, what the DONTNEED call costs, how long the mirror's window stays open,
/// and how much of the coherence matrix is coherent. Each figure is nil when the report did not measure it.
public struct ModeHeadline: Sendable, Hashable {
    public var mode: RegistrationMode
    /// The registration fit's fixed cost, µs (pages absent, THP off).
    public var registrationFixedMicroseconds: Double?
    /// The registration fit's cost per GiB, µs (pages absent, THP off).
    public var registrationMicrosecondsPerGiB: Double?
    /// A one-page NIC fault's cost, µs: over its control where the report has one (`FaultCost`), else over a warm access (`faultCostOverWarm`).
    public var faultCostMicroseconds: Double?
    /// The median of `madvise(MADV_DONTNEED)` of one page of a registered range, µs.
    public var dontNeedMicroseconds: Double?
    /// The median of the mirror's window after `madvise(MADV_DONTNEED)` of one page, µs (a mirror only):
    /// from the call's start until the mirror is coherent again (eager refresh).
    public var windowMicroseconds: Double?
    /// From the start of `madvise(MADV_DONTNEED)` of one page until the NIC's view is coherent again, µs:
    /// ODP's call (its MMU notifier invalidates within it; the NIC's next access faults the new page in),
    /// the mirror's window; nil for pinned, which never becomes coherent (stale in the matrix).
    public var coherentAgainMicroseconds: Double? {
        switch mode {
        case .pinned: nil
        case .odp: dontNeedMicroseconds
        case .mirror: windowMicroseconds
        }
    }
    /// The coherence matrix's cells of this mode whose every repetition was coherent.
    public var coherentCells: Int
    /// The coherence matrix's cells of this mode.
    public var coherenceCells: Int

    /// The headline of `mode` in `report`.
    public init(_ mode: RegistrationMode, in report: LatencyReport) {
        let cells = report.cells
        let fit = report.fits.first { fit in
            fit.probe == .registration && fit.mode == .registration(mode) && fit.conditions == CellConditions(pages: .absent, hugePages: .off)
        }
        self.mode = mode
        registrationFixedMicroseconds = fit?.fixedMicroseconds
        registrationMicrosecondsPerGiB = fit?.microsecondsPerGiB
        faultCostMicroseconds = Self.faultCostOverControl(mode, in: report.faultCosts) ?? Self.faultCostOverWarm(mode, in: cells)
        dontNeedMicroseconds = Self.onePageMedian(.invalidation, mode, .dontNeed, CellConditions(), in: cells)
        windowMicroseconds = Self.onePageMedian(.window, mode, .dontNeed, CellConditions(refresh: .eager), in: cells)
        let matrix = report.coherence.filter { $0.mode == mode }
        coherentCells = matrix.count { cell in !cell.verdicts.isEmpty && cell.verdicts.allSatisfy { $0 == .coherent } }
        coherenceCells = matrix.count
    }

    /// The headline of every registration mode `report` holds a cell or coherence cell of, in mode order.
    public static func all(_ report: LatencyReport) -> [ModeHeadline] {
        RegistrationMode.allCases.filter { mode in
            report.cells.contains { $0.mode == .registration(mode) } || report.coherence.contains { $0.mode == mode }
        }.map { ModeHeadline($0, in: report) }
    }

    /// Whether the report measured any of the headline's figures.
    public var isEmpty: Bool {
        [registrationFixedMicroseconds, registrationMicrosecondsPerGiB, faultCostMicroseconds, dontNeedMicroseconds, windowMicroseconds]
            .allSatisfy { $0 == nil } && coherenceCells == 0
    }

    /// What a one-page NIC fault costs over its control, µs: the fault probe's fault − control estimate
    /// (`FaultCost`) of the first RDMA READ of one dropped page without prefetch; nil without it.
    public static func faultCostOverControl(_ mode: RegistrationMode, in costs: [FaultCost]) -> Double? {
        costs.first { cost in
            cost.mode == .registration(mode) && cost.operation == .read && cost.pages == 1 && cost.conditions.prefetch == .notIssued
        }?.estimate
    }

    /// What a one-page NIC fault costs over a warm access, µs, in reports from before the control: the fault probe's median of the first RDMA
    /// READ of one dropped page (pages absent, no prefetch) minus its median of the same READ on the
    /// present page (pages present); nil without both.
    public static func faultCostOverWarm(_ mode: RegistrationMode, in cells: [ReportCell]) -> Double? {
        let fault = onePageMedian(.fault, mode, .read, CellConditions(pages: .absent, prefetch: .notIssued), in: cells)
        let warm = onePageMedian(.warm, mode, .read, CellConditions(pages: .present), in: cells)
        guard let fault, let warm else { return nil }
        return fault - warm
    }

    /// The median, µs, of the one-page cell of `probe`, `mode`, `operation` and exactly `conditions`; nil
    /// without that cell or without samples in it.
    static func onePageMedian(
        _ probe: Probe, _ mode: RegistrationMode, _ operation: CellOperation, _ conditions: CellConditions, in cells: [ReportCell]
    ) -> Double? {
        let cell = cells.first { cell in
            cell.probe == probe && cell.mode == .registration(mode) && cell.operation == operation && cell.pages == 1 && cell.conditions == conditions
        }
        guard let cell, cell.summary.samples > 0 else { return nil }
        return cell.summary.typical
    }
}
