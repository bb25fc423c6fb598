import Foundation

/// How reports write numbers: microseconds with two decimals as perftest prints them, sizes in binary units.
package enum ReportFormat {
    /// `12.34`; `-` for a figure that is not finite.
    package static func microseconds(_ value: Double) -> String {
        value.isFinite ? String(format: "%.2f", value) : "-"
    }

    /// A time in µs written in ms with two decimals: `200.00`; `0.00` (not `-0.00`) for one that rounds to zero.
    package static func milliseconds(_ microseconds: Double) -> String {
        let text = self.microseconds(microseconds / 1000)
        return text == "-0.00" ? "0.00" : text
    }

    /// `4 KiB`, `1 GiB`, `1.5 MiB`, `512 B`: the largest binary unit the size reaches, one decimal when not whole.
    package static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var unit = 0
        var value = Double(count)
        while abs(value) >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let number = value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
        return "\(number) \(units[unit])"
    }

    /// `1 page`, `16 pages`.
    package static func pages(_ count: Int) -> String {
        count == 1 ? "1 page" : "\(count) pages"
    }

    /// `mantissa × 10^exponent` µs as an axis label in the unit that keeps it short: `0.5 µs`, `20 µs`, `2 ms`, `1 s`.
    package static func decimalTick(mantissa: Int, exponent: Int) -> String {
        let (unit, unitExponent) = exponent >= 6 ? ("s", 6) : exponent >= 3 ? ("ms", 3) : ("µs", 0)
        let shift = exponent - unitExponent
        let digits = String(mantissa)
        let number = shift >= 0
            ? digits + String(repeating: "0", count: shift)
            : "0." + String(repeating: "0", count: -shift - 1) + digits
        return "\(number) \(unit)"
    }

    /// `2^exponent` bytes as an axis label: `4 KiB`, `256 MiB`, `1 GiB`.
    package static func binaryTick(exponent: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        let unit = min(max(0, exponent / 10), units.count - 1)
        return "\(1 << (exponent - unit * 10)) \(units[unit])"
    }
}
