import ODPKit
/// One measured configuration of a report: which probe, mode and operation, on how much memory,
/// under which conditions, and the latency of its samples.
public struct ReportCell: Sendable, Codable, Hashable {
    public var probe: Probe
    /// `pinned`, `odp`, `mirror` (a `RegistrationMode`'s raw value) or `perftest`.
    public var mode: String
    /// What was timed: `ibv_reg_mr`, `ibv_dereg_mr`, `RDMA READ`, `RDMA WRITE`, `SEND`,
    /// `madvise(MADV_DONTNEED)`, `munmap`, `mremap`, `window`.
    public var operation: String
    /// The region (or the operation's message) size.
    public var bytes: Int
    /// The pages the operation touched (faulted, invalidated).
    public var pages: Int
    /// What else was set, e.g. `pages`: `present`/`absent`, `thp`: `always`/`never`,
    /// `prefetch`: `none`/`sync`/`async`, `side`: `local`/`remote`.
    public var conditions: [String: String]
    public var summary: LatencySummary
    /// Samples that failed (an error or a bad completion); they are counted here, not in `summary`.
    public var failures: Int

    public init(
        probe: Probe, mode: String, operation: String, bytes: Int, pages: Int,
        conditions: [String: String] = [:], summary: LatencySummary, failures: Int = 0
    ) {
        self.probe = probe
        self.mode = mode
        self.operation = operation
        self.bytes = bytes
        self.pages = pages
        self.conditions = conditions
        self.summary = summary
        self.failures = failures
    }

    /// The conditions as `k=v;k=v`, sorted by key; empty when there are none.
    public var conditionsText: String {
        Self.text(of: conditions)
    }

    /// `conditions` as `k=v;k=v`, sorted by key; empty when there are none.
    static func text(of conditions: [String: String]) -> String {
        conditions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
    }
}
