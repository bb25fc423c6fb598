import Foundation

/// The percentile axis of a latency distribution, built so the tail is as visible as the body: linear from 0
/// to 90 % over the lower half (or so) of the plot, then one equal step per further nine (99, 99.9 %, … as
/// HdrHistogram plots them) up to the last nine the sample count resolves (99 % for 100 samples), and one
/// more step to the top, where the maximum is drawn.
struct PercentileAxis {
    /// How many nines the axis resolves: 2 for 0…99 %.
    let nines: Int

    /// An axis for distributions of at most `samples` samples: one nine per whole decade of samples
    /// (99 % needs 100 samples, 99.9 % a thousand), 1…5.
    init(samples: Int) {
        nines = min(5, max(1, Int(floor(log10(Double(max(samples, 1))) + 1e-9))))
    }

    /// The body (0…90 %) takes this many steps of the height, each nine and the top one each.
    private static let bodySteps = 2.0

    private var steps: Double { Self.bodySteps + Double(nines) }

    /// 0 for the 0th percentile, 1 for the maximum; percentiles beyond the resolved nines share the top step.
    func fraction(_ percentile: Double) -> Double {
        guard percentile.isFinite, percentile > 0 else { return 0 }
        guard percentile < 100 else { return 1 }
        guard percentile > 90 else { return Self.bodySteps * percentile / 90 / steps }
        let nine = log10(100 / (100 - percentile))  // 1 at 90 %, 2 at 99 %
        return min(1, (Self.bodySteps + nine - 1) / steps)
    }

    /// `0`, `50`, `90`, `99`, `99.9`, … up to the last resolved nine, then `max`; nil labels mark 25 and 75 %.
    var ticks: [(percentile: Double, label: String?)] {
        var ticks: [(percentile: Double, label: String?)] = [(0, "0"), (25, nil), (50, "50"), (75, nil)]
        for nine in 1...nines {
            let label = nine == 1 ? "90" : "99" + (nine > 2 ? "." + String(repeating: "9", count: nine - 2) : "")
            ticks.append((100 - 100 / pow(10, Double(nine)), label))
        }
        ticks.append((100, "max"))
        return ticks
    }
}
