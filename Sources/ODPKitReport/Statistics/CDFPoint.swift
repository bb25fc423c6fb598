/// One point of a latency distribution: `percentile` per cent of the samples took at most `microseconds`.
public struct CDFPoint: Sendable, Codable, Hashable {
    /// 0...100.
    public var percentile: Double
    public var microseconds: Double

    public init(percentile: Double, microseconds: Double) {
        self.percentile = percentile
        self.microseconds = microseconds
    }

    /// The percentiles a summary's distribution is sampled at: every 2 % for the body, then ever closer
    /// to 100 so a tail of one sample in a thousand (or ten thousand) still shows.
    public static let percentiles: [Double] =
        [0, 0.1, 0.5, 1] + stride(from: 2.0, through: 98, by: 2) + [99, 99.5, 99.9, 99.95, 99.99, 99.999, 100]
}
