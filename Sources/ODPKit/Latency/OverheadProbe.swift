/// What measuring costs per sample: two clock reads and one record into a cell (histogram and raw
/// sample), timed back to back. The report compares it with the smallest latency it reports.
public enum OverheadProbe {
    public static func run(samples: Int, into results: ProbeResults) {
        let target = results.recorder(.overhead, "-", "clock_gettime pair + record", bytes: 0, pages: 0)
        let scratch = ProbeResults(expectedSamples: samples)
        let inner = scratch.recorder(.overhead, "-", "inner", bytes: 0, pages: 0)
        for _ in 0..<samples {
            let start = monotonicNanoseconds()
            let sampleStart = monotonicNanoseconds()
            let sampleEnd = monotonicNanoseconds()
            inner.record(sampleEnd - sampleStart)
            let end = monotonicNanoseconds()
            target.record(end - start)
        }
    }
}
