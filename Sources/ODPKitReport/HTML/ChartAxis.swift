/// An axis as `SVGChart` draws it: its title, its ticks, and where a value lies along it (0…1).
struct ChartAxis {
    struct Tick {
        /// 0 at the axis' start, 1 at its end.
        var fraction: Double
        /// nil for a minor tick, drawn shorter and without a gridline.
        var label: String?
    }

    var title: String
    var ticks: [Tick]
    var fraction: (Double) -> Double

    /// A logarithmic axis: µs or bytes.
    static func logarithmic(_ axis: LogAxis, title: String) -> ChartAxis {
        ChartAxis(title: title, ticks: axis.ticks.map { Tick(fraction: axis.fraction($0.value), label: $0.label) }, fraction: axis.fraction)
    }

    /// A percentile axis spaced by nines.
    static func percentile(_ axis: PercentileAxis, title: String) -> ChartAxis {
        ChartAxis(title: title, ticks: axis.ticks.map { Tick(fraction: axis.fraction($0.percentile), label: $0.label) }, fraction: axis.fraction)
    }
}
