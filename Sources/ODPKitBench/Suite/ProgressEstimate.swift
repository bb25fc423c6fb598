/// How far a run of many steps is, and about how long the rest will take: each step has a weight (the
/// seconds its time budget lets it take, or a guess where a step may outrun its budget), and the time
/// left is the time so far scaled by the weight left over the weight done, so a machine slower or
/// faster than the weights assume is followed by the estimate.
public struct ProgressEstimate: Sendable {
    private let weights: [Double]
    private let total: Double
    /// Steps begun so far.
    public private(set) var begun = 0

    /// An estimate over steps of `weights` (each above zero).
    public init(weights: [Double]) {
        self.weights = weights.map { max($0, 1e-3) }
        total = self.weights.reduce(0, +)
    }

    /// The share of the weight done before the step now beginning, 0…1.
    public var fractionDone: Double {
        guard total > 0 else { return 1 }
        return min(1, weights.prefix(max(0, begun - 1)).reduce(0, +) / total)
    }

    /// Marks the next step begun.
    public mutating func beginStep() {
        begun += 1
    }

    /// The seconds left, from `elapsedSeconds` spent on the steps done; nil before a step is done.
    public func secondsLeft(elapsedSeconds: Double) -> Double? {
        let done = fractionDone
        guard done > 0, elapsedSeconds > 0 else { return nil }
        return elapsedSeconds * (1 - done) / done
    }

    /// One progress line: `[#####---------------]  25 %, about 9 min left · STEP`.
    public func line(_ step: String, elapsedSeconds: Double, width: Int = 20) -> String {
        let done = fractionDone
        let filled = Int((done * Double(width)).rounded(.down))
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
        let percent = String(Int((done * 100).rounded(.down)))
        let left = secondsLeft(elapsedSeconds: elapsedSeconds).map { ", about \(Self.duration($0)) left" } ?? ""
        return "\(bar) \(String(repeating: " ", count: 3 - percent.count))\(percent) %\(left) · \(step)"
    }

    /// `40 s`, `12 min`, `1 h 5 min`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let whole = Int(seconds.rounded())
        if whole < 90 { return "\(whole) s" }
        let minutes = (whole + 30) / 60
        return minutes < 60 ? "\(minutes) min" : "\(minutes / 60) h \(minutes % 60) min"
    }
}
