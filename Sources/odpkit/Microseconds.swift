import Histogram
import ODPKit

/// A histogram's value at `percentile`, recorded in nanoseconds, in µs for a table; "-" when empty.
func microseconds(_ histogram: Histogram<UInt64>, _ percentile: Double) -> String {
    histogram.totalCount == 0 ? "-" : String(Double(histogram.valueAtPercentile(percentile)) / 1000)
}
