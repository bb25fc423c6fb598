import Foundation

/// A logarithmic axis over positive values, widened to whole decades (microseconds) or whole powers
/// of two (bytes), with its ticks and their labels.
struct LogAxis {
    enum Base {
        /// Powers of ten, labelled as durations in µs; 2× and 5× ticks in between.
        case decimal
        /// Powers of two, labelled as byte sizes.
        case binary
    }

    struct Tick: Equatable {
        var value: Double
        /// nil for a minor tick drawn without a label.
        var label: String?
    }

    let base: Base
    /// The lowest whole exponent: the axis starts at `radix^lowerExponent`.
    let lowerExponent: Int
    /// The highest whole exponent, above `lowerExponent`.
    let upperExponent: Int

    /// An axis covering every positive, finite value of `values`; 1…10 µs (or 1…2 B) when there is none.
    init(_ base: Base, covering values: [Double]) {
        self.base = base
        let usable = values.filter { $0.isFinite && $0 > 0 }
        let decimal = base == .decimal
        let logarithm = { (value: Double) -> Double in decimal ? log10(value) : log2(value) }
        guard let smallest = usable.min(), let largest = usable.max() else {
            lowerExponent = 0
            upperExponent = 1
            return
        }
        // A hair of slack so that 1000.0000001 µs does not open a decade of its own.
        let lower = Int(floor(logarithm(smallest) + 1e-9))
        let upper = Int(ceil(logarithm(largest) - 1e-9))
        lowerExponent = lower
        upperExponent = max(upper, lower + 1)
    }

    var radix: Double { base == .decimal ? 10 : 2 }
    var lowerBound: Double { pow(radix, Double(lowerExponent)) }
    var upperBound: Double { pow(radix, Double(upperExponent)) }

    /// Where `value` lies, 0 at the lower bound and 1 at the upper; values outside (and zero) are clamped.
    func fraction(_ value: Double) -> Double {
        guard value.isFinite, value > 0 else { return 0 }
        let position = log(value / lowerBound) / log(upperBound / lowerBound)
        return min(1, max(0, position))
    }

    /// Every tick from the lower to the upper bound, ascending.
    var ticks: [Tick] {
        switch base {
        case .decimal:
            // Label the 2× and 5× ticks too when there are few decades to read.
            let labelMinor = upperExponent - lowerExponent <= 2
            var ticks: [Tick] = []
            for exponent in lowerExponent..<upperExponent {
                let decade = pow(10, Double(exponent))
                for mantissa in 1...9 {
                    let labelled = mantissa == 1 || (labelMinor && (mantissa == 2 || mantissa == 5))
                    ticks.append(Tick(value: Double(mantissa) * decade, label: labelled ? ReportFormat.decimalTick(mantissa: mantissa, exponent: exponent) : nil))
                }
            }
            ticks.append(Tick(value: upperBound, label: ReportFormat.decimalTick(mantissa: 1, exponent: upperExponent)))
            return ticks
        case .binary:
            // At most about a dozen labels: every power, every second (the even ones, so 1 KiB, 1 MiB, 1 GiB get
            // one), or every fourth.
            let count = upperExponent - lowerExponent
            let every = count <= 12 ? 1 : count <= 24 ? 2 : 4
            return (lowerExponent...upperExponent).map { exponent in
                Tick(value: pow(2, Double(exponent)), label: exponent % every == 0 ? ReportFormat.binaryTick(exponent: exponent) : nil)
            }
        }
    }
}
