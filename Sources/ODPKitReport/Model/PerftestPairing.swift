/// What a report's perftest rounds set side by side: which odpkit operation measures what each
/// perftest latency test measures, and the conditions that name odpkit's cells of a round and of the
/// message-size sweep. The bench measures by it and the report reads by it, so neither looks into the other.
public enum PerftestPairing {
    /// A perftest latency test and the odpkit warm operation that measures the same (nil: none does).
    public struct Measure: Sendable, Hashable {
        /// The wrapper's name of the test (`read`).
        public var test: String
        /// perftest's binary (`ib_read_lat`), as a `PerftestResult` names its test.
        public var binary: String
        /// odpkit's warm operation of the same measure, nil when odpkit runs none.
        public var operation: CellOperation?
    }

    /// `ib_read_lat` (a READ's round trip) against odpkit's RDMA READ, `ib_write_lat` (half a write
    /// ping-pong) against odpkit's write ping-pong; `ib_send_lat` (a send ping-pong) has no odpkit counterpart.
    public static let all: [Measure] = [
        Measure(test: "read", binary: "ib_read_lat", operation: .read),
        Measure(test: "write", binary: "ib_write_lat", operation: .writePingPong),
        Measure(test: "send", binary: "ib_send_lat", operation: nil),
    ]

    /// The measures both tools run, in the order a round runs them.
    public static var paired: [Measure] { all.filter { $0.operation != nil } }

    /// The measure of the wrapper's test `test` (`read`).
    public static func measure(test: String) -> Measure? { all.first { $0.test == test } }

    /// The measure of perftest's binary `binary` (`ib_read_lat`).
    public static func measure(binary: String) -> Measure? { all.first { $0.binary == binary } }

    /// Whether odpkit's cell goes before perftest's run in round `round`: in even rounds.
    public static func odpkitFirst(round: Int) -> Bool { round.isMultiple(of: 2) }

    /// The tool that goes first in round `round` (the `first` condition).
    public static func first(round: Int) -> CellConditions.Tool { odpkitFirst(round: round) ? .odpkit : .perftest }

    /// The conditions of odpkit's cells of round `round` (measured in a fresh process).
    public static func conditions(round: Int) -> CellConditions {
        CellConditions(pages: .present, sweep: .perftestRounds, round: round, first: first(round: round), process: .fresh)
    }

    /// The conditions of the warm probe's message-size sweep.
    public static let sweepConditions = CellConditions(pages: .present, sweep: .messageSize)
}
