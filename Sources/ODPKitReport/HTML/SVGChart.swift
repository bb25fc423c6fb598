import Foundation

/// A line chart as one inline `<svg>`: a framed plot with ticks, gridlines and axis titles, lines with
/// optional markers and whiskers, and a legend below that wraps to the chart's width.
struct SVGChart {
    struct Series {
        var label: String
        var style: SeriesStyle
        /// In axis units, drawn in this order.
        var points: [(x: Double, y: Double)]
        /// Vertical bars at `x` from `low` to `high` (a spread such as median → p99).
        var whiskers: [(x: Double, low: Double, high: Double)] = []
    }

    /// What the chart shows, for screen readers (`aria-label`, `<title>`).
    var title: String
    var width: Double
    var plotHeight: Double
    var x: ChartAxis
    var y: ChartAxis
    var series: [Series]

    private static let fontSize = 12.0
    private static let legendRow = 20.0
    private static let margin = (left: 72.0, right: 18.0, top: 12.0)
    private static let legendLeft = 16.0
    private static let inset = 8.0

    /// The width `text` takes at the chart's font size: a sans-serif average, generous enough not to overlap.
    static func textWidth(_ text: String) -> Double {
        Double(text.count) * fontSize * 0.6
    }

    var svg: String {
        let left = Self.margin.left, right = width - Self.margin.right
        let top = Self.margin.top, bottom = top + plotHeight
        // Data and ticks stay `inset` inside the frame, so markers and whiskers at the ends do not sit on it.
        let inset = Self.inset
        func xAt(_ fraction: Double) -> Double { left + inset + fraction * (right - left - 2 * inset) }
        func yAt(_ fraction: Double) -> Double { bottom - inset - fraction * (plotHeight - 2 * inset) }
        func px(_ value: Double) -> Double { xAt(x.fraction(value)) }
        func py(_ value: Double) -> Double { yAt(y.fraction(value)) }

        let legend = legendLayout(from: Self.legendLeft, to: right)
        let legendTop = bottom + 52
        let height = legendTop + Double(legend.rows) * Self.legendRow + 4

        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"\(title.htmlEscaped)\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\" font-size=\"\(n(Self.fontSize))\">"
        out += "<title>\(title.htmlEscaped)</title>"
        out += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(right - left))\" height=\"\(n(plotHeight))\" fill=\"#fff\"/>"

        // Gridlines and ticks: labelled ticks get a gridline, minor ones a short mark.
        for tick in x.ticks {
            let at = xAt(tick.fraction)
            if let label = tick.label {
                out += line(at, top, at, bottom, stroke: "#e3e3e3")
                out += line(at, bottom, at, bottom + 6, stroke: "#888")
                // Centred under the tick, but kept inside the chart at its edges.
                let half = Self.textWidth(label) / 2
                let centre = min(max(at, half + 2), width - half - 2)
                out += "<text x=\"\(n(centre))\" y=\"\(n(bottom + 20))\" text-anchor=\"middle\" fill=\"#333\">\(label.htmlEscaped)</text>"
            } else {
                out += line(at, bottom, at, bottom + 3, stroke: "#aaa")
            }
        }
        for tick in y.ticks {
            let at = yAt(tick.fraction)
            if let label = tick.label {
                out += line(left, at, right, at, stroke: "#e3e3e3")
                out += line(left - 6, at, left, at, stroke: "#888")
                out += "<text x=\"\(n(left - 9))\" y=\"\(n(at + 4))\" text-anchor=\"end\" fill=\"#333\">\(label.htmlEscaped)</text>"
            } else {
                out += line(left - 3, at, left, at, stroke: "#aaa")
            }
        }
        out += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(right - left))\" height=\"\(n(plotHeight))\" fill=\"none\" stroke=\"#888\"/>"
        out += "<text x=\"\(n((left + right) / 2))\" y=\"\(n(bottom + 40))\" text-anchor=\"middle\" fill=\"#222\" font-weight=\"600\">\(x.title.htmlEscaped)</text>"
        out += "<text transform=\"translate(16 \(n((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" fill=\"#222\" font-weight=\"600\">\(y.title.htmlEscaped)</text>"

        // Whiskers first, spread a little sideways per series so those of one x do not hide each other.
        let withWhiskers = series.indices.filter { !series[$0].whiskers.isEmpty }
        for (rank, index) in withWhiskers.enumerated() {
            let shift = (Double(rank) - Double(withWhiskers.count - 1) / 2) * 4
            let entry = series[index]
            for whisker in entry.whiskers {
                let at = px(whisker.x) + shift, low = py(whisker.low), high = py(whisker.high)
                out += line(at, low, at, high, stroke: entry.style.color, width: 1.3, opacity: 0.75)
                out += line(at - 3, high, at + 3, high, stroke: entry.style.color, width: 1.3, opacity: 0.75)
            }
        }
        for entry in series where !entry.points.isEmpty {
            let path = entry.points.enumerated().map { "\($0.offset == 0 ? "M" : "L")\(n(px($0.element.x))) \(n(py($0.element.y)))" }.joined(separator: " ")
            out += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(entry.style.color)\" stroke-width=\"2\" stroke-linejoin=\"round\"\(dashAttribute(entry.style))/>"
            if let marker = entry.style.marker {
                for point in entry.points {
                    out += shape(marker, at: px(point.x), py(point.y), color: entry.style.color)
                }
            }
        }

        // The legend: a swatch (line and marker) and the label, wrapped into rows.
        for (entry, place) in zip(series, legend.places) {
            let rowY = legendTop + Double(place.row) * Self.legendRow
            out += "<path d=\"M\(n(place.x)) \(n(rowY)) L\(n(place.x + 26)) \(n(rowY))\" stroke=\"\(entry.style.color)\" stroke-width=\"2\"\(dashAttribute(entry.style))/>"
            if let marker = entry.style.marker {
                out += shape(marker, at: place.x + 13, rowY, color: entry.style.color)
            }
            out += "<text x=\"\(n(place.x + 32))\" y=\"\(n(rowY + 4))\" fill=\"#222\">\(entry.label.htmlEscaped)</text>"
        }
        return out + "</svg>"
    }

    /// Where each legend entry goes: entries left to right, a new row when the next would pass `right`.
    private func legendLayout(from left: Double, to right: Double) -> (places: [(x: Double, row: Int)], rows: Int) {
        var places: [(x: Double, row: Int)] = []
        var x = left, row = 0
        for entry in series {
            let entryWidth = 32 + Self.textWidth(entry.label) + 16
            if x > left, x + entryWidth > right {
                x = left
                row += 1
            }
            places.append((x, row))
            x += entryWidth
        }
        return (places, series.isEmpty ? 0 : row + 1)
    }

    private func dashAttribute(_ style: SeriesStyle) -> String {
        style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
    }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, opacity: Double = 1) -> String {
        "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\"\(opacity < 1 ? " stroke-opacity=\"\(n(opacity))\"" : "")/>"
    }

    private func shape(_ marker: SeriesStyle.Marker, at x: Double, _ y: Double, color: String) -> String {
        let paint = "fill=\"\(color)\" stroke=\"#fff\" stroke-width=\"1\""
        switch marker {
        case .circle:
            return "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"4\" \(paint)/>"
        case .square:
            return "<rect x=\"\(n(x - 3.6))\" y=\"\(n(y - 3.6))\" width=\"7.2\" height=\"7.2\" \(paint)/>"
        case .triangle:
            return "<path d=\"M\(n(x)) \(n(y - 4.8)) L\(n(x + 4.5)) \(n(y + 3.4)) L\(n(x - 4.5)) \(n(y + 3.4)) Z\" \(paint)/>"
        case .diamond:
            return "<path d=\"M\(n(x)) \(n(y - 5)) L\(n(x + 5)) \(n(y)) L\(n(x)) \(n(y + 5)) L\(n(x - 5)) \(n(y)) Z\" \(paint)/>"
        }
    }
}

/// An SVG coordinate: one decimal, never NaN or infinity (those become 0, which the axes never produce).
private func n(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    return String(format: "%.1f", value)
}
