public import ODPKit

extension ConnectionOptions {
    /// The retry settings in words: `rnr_retry 7 (forever), min_rnr_timer 12 (0.64 ms), timeout 14 (67.1 ms), retry_cnt 7`.
    public var retrySummary: String {
        let retries = rnrRetry == 7 ? "forever" : "\(rnrRetry) times"
        let rnrTimer = Self.milliseconds(Self.rnrTimerMilliseconds(minRNRTimer))
        let ackTimeout = timeout == 0 ? "infinite" : Self.milliseconds(4.096e-3 * Double(UInt64(1) << UInt64(min(timeout, 31)))) + " ms"
        return "rnr_retry \(rnrRetry) (\(retries)), min_rnr_timer \(minRNRTimer) (\(rnrTimer) ms), timeout \(timeout) (\(ackTimeout)), retry_cnt \(retryCount)"
    }

    /// The RNR NAK timer's IB encoding in milliseconds (IBA table 45; 0 is the longest, 655.36 ms).
    public static func rnrTimerMilliseconds(_ code: UInt8) -> Double {
        let table: [Double] = [
            655.36, 0.01, 0.02, 0.03, 0.04, 0.06, 0.08, 0.12, 0.16, 0.24, 0.32, 0.48, 0.64, 0.96, 1.28, 1.92,
            2.56, 3.84, 5.12, 7.68, 10.24, 15.36, 20.48, 30.72, 40.96, 61.44, 81.92, 122.88, 163.84, 245.76, 327.68, 491.52,
        ]
        return table[Int(code & 31)]
    }

    private static func milliseconds(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
