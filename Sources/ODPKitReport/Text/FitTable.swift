import Foundation

/// The registration fits (`RegistrationFit`) as a fixed-width text table, printed after `SummaryTable`:
///
/// ```
/// registration fits: median = fixed + slope × size, least squares weighted by 1/t²
/// probe         mode    conditions               fixed µs  per GiB ms  sizes  range          R²
/// registration  pinned  pages=absent;thp=off        FFF.FF      SSS.SS     13  4 KiB–16 MiB  R.RRR
/// ```
public enum FitTable {
    /// The column titles: the fixed cost in µs, the slope in ms per GiB.
    public static let columns = ["probe", "mode", "conditions", "fixed µs", "per GiB ms", "sizes", "range", "R²"]

    /// The columns that hold numbers, aligned right.
    static let numericColumns: Set<Int> = [3, 4, 5, 7]

    /// The table's heading: what the fit is.
    static let heading = "registration fits: median = fixed + slope × size, least squares weighted by 1/t²"

    /// One fit's row, as many fields as `columns`.
    public static func row(_ fit: RegistrationFit) -> [String] {
        [
            fit.probe.rawValue, fit.mode.rawValue, fit.conditions.text.isEmpty ? "-" : fit.conditions.text,
            ReportFormat.microseconds(fit.fixedMicroseconds), ReportFormat.milliseconds(fit.microsecondsPerGiB),
            String(fit.sizes), "\(ReportFormat.bytes(fit.minimumBytes))–\(ReportFormat.bytes(fit.maximumBytes))",
            String(format: "%.3f", fit.rSquared),
        ]
    }

    /// The table of a report's fits under `heading`; nil when the report has no registration or
    /// deregistration cells, one line saying so when none of its series has enough sizes for a fit.
    public static func render(_ report: LatencyReport) -> String? {
        guard report.cells.contains(where: { RegistrationFit.probes.contains($0.probe) }) else { return nil }
        let fits = report.fits
        guard !fits.isEmpty else { return "\(heading)\nnone: a series needs at least three sizes" }
        return ([heading] + TextTable.lines([columns] + fits.map(row), numericColumns: numericColumns)).joined(separator: "\n")
    }
}
