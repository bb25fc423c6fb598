/// How one line of a chart is drawn: its colour (fixed per mode), dash pattern and marker.
struct SeriesStyle {
    enum Marker: CaseIterable {
        case circle, square, triangle, diamond
    }

    var color: String
    /// An SVG `stroke-dasharray`, nil for a solid line.
    var dash: String?
    var marker: Marker?

    /// The Okabe–Ito colours, told apart with every common colour-vision deficiency:
    /// pinned blue, ODP vermillion, mirror bluish green, perftest reddish purple; any other mode grey.
    static func color(mode: CellMode) -> String {
        switch mode {
        case .registration(.pinned): "#0072B2"
        case .registration(.odp): "#D55E00"
        case .registration(.mirror): "#009E73"
        case .perftest: "#CC79A7"
        case .noRegion: "#666666"
        }
    }

    /// The dash patterns told apart in one chart: solid, dotted, dash-dot, long dash-dot-dot.
    private static let variantDashes: [String?] = [nil, "2 3", "9 3 2 3", "12 3 2 3 2 3"]

    /// The `variant`th condition combination of `mode` in one chart, with or without markers.
    static func variant(mode: CellMode, _ variant: Int, markers: Bool) -> SeriesStyle {
        SeriesStyle(
            color: color(mode: mode),
            dash: variantDashes[variant % variantDashes.count],
            marker: markers ? Marker.allCases[variant % Marker.allCases.count] : nil
        )
    }

    /// A warm (translation present) baseline of `mode`: dashed, in the mode's colour.
    static func warm(mode: CellMode) -> SeriesStyle {
        SeriesStyle(color: color(mode: mode), dash: "7 4", marker: nil)
    }
}
