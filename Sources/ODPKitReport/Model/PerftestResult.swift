import Foundation
public import ODPKit

/// One perftest latency run (`ib_read_lat`, `ib_write_lat`, `ib_send_lat`), in microseconds as perftest
/// prints them, for comparison with odpkit's own cells.
///
/// It is read from the JSON lines odpkit's perftest wrapper prints:
/// `{"tool":"perftest","version":"…","test":"ib_read_lat","bytes":8,"iterations":1000,"t_min":…,"t_max":…,
/// "t_typical":…,"t_avg":…,"t_stdev":…,"p99":…,"p999":…}`, and written back with the same keys (and
/// `"round"` when it has one).
/// `ib_read_lat` reports a full round trip; `ib_write_lat` and `ib_send_lat` half of one.
public struct PerftestResult: Sendable, Codable, Hashable {
    /// The perftest binary: `ib_read_lat`.
    public var test: String
    public var bytes: Int
    public var iterations: Int
    public var tMin: Double
    public var tMax: Double
    public var tTypical: Double
    public var tAverage: Double
    public var tStdev: Double
    public var p99: Double
    public var p999: Double
    /// perftest's version (`6.22`).
    public var version: String
    /// The round of `PerftestRounds` this run belongs to (1, 2, …); nil for a run from elsewhere.
    public var round: Int?

    public init(
        test: String, bytes: Int, iterations: Int, tMin: Double, tMax: Double, tTypical: Double,
        tAverage: Double, tStdev: Double, p99: Double, p999: Double, version: String, round: Int? = nil
    ) {
        self.test = test
        self.bytes = bytes
        self.iterations = iterations
        self.tMin = tMin
        self.tMax = tMax
        self.tTypical = tTypical
        self.tAverage = tAverage
        self.tStdev = tStdev
        self.p99 = p99
        self.p999 = p999
        self.version = version
        self.round = round
    }

    enum CodingKeys: String, CodingKey {
        case test, bytes, iterations, version, p99, p999, round
        case tMin = "t_min", tMax = "t_max", tTypical = "t_typical", tAverage = "t_avg", tStdev = "t_stdev"
    }

    /// The `"tool"` key that marks a line as perftest's.
    private struct Tool: Decodable {
        var tool: String?
    }

    /// Every perftest result in `output`: each line that is a JSON object with `"tool":"perftest"`;
    /// other lines (perftest's own table, blank lines, other tools' objects) are skipped.
    /// Throws `.invalidArgument` for a perftest line that lacks a field or has one of the wrong type.
    public static func parse(lines output: String) throws(ODPKitError) -> [PerftestResult] {
        var results: [PerftestResult] = []
        for line in output.split(whereSeparator: \.isNewline) {
            let text = line.drop { $0 == " " || $0 == "\t" }
            guard text.first == "{" else { continue }
            let data = Data(text.utf8)
            guard (try? JSONDecoder().decode(Tool.self, from: data))?.tool == "perftest" else { continue }
            do {
                results.append(try JSONDecoder().decode(PerftestResult.self, from: data))
            } catch {
                throw ODPKitError(.invalidArgument, function: "PerftestResult.parse", reason: "unreadable perftest line \(text): \(error)")
            }
        }
        return results
    }
}
