import ArgumentParser
import Foundation
import ODPKit
import ODPKitBench

/// `odpkit peer …`: two hosts, one wire — a remote peer's RDMA access to pages this host just dropped.
struct PeerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "Time a remote peer's RDMA READ and WRITE of pages the server just dropped, per registration mode.",
        subcommands: [Serve.self, Fault.self]
    )
}

extension PeerCommand {
    /// `odpkit peer serve`: registers the regions, drops pages when asked, for one client.
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve one `odpkit peer fault` client: register a region per mode, drop its pages when asked."
        )

        @Option(help: "The TCP port to listen on.")
        var port: UInt16 = PeerChannel.defaultPort

        @Option(help: "The RDMA device (default: the one with a RoCE v2 GID of this host's IPv4 address, else the first).")
        var device: String?

        func run() throws {
            try reportingErrors {
                let listener = try PeerListener(port: port)
                print("odpkit peer serve: listening on port \(listener.port) for one client, device \(device ?? "with this host's IPv4 address")")
                fflush(nil)
                let channel = try listener.accept()
                try listener.close()
                print("odpkit peer serve: serving \(channel.peer)")
                fflush(nil)
                try PeerFaultProbe.serve(channel, device: device)
                try channel.close()
                print("odpkit peer serve: \(channel.peer) is done")
            }
        }
    }

    /// `odpkit peer fault`: the client, which measures and prints the table.
    struct Fault: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask `odpkit peer serve` to drop N pages, then time one RDMA READ and one WRITE of them, per mode."
        )

        @Option(help: "The server's host name or IPv4 address.")
        var connect: String

        @Option(help: "The server's TCP port.")
        var port: UInt16 = PeerChannel.defaultPort

        @Option(help: "The RDMA device (default: the one with a RoCE v2 GID of this host's IPv4 address, else the first).")
        var device: String?

        @Option(help: "Modes, comma-separated (pinned, odp, mirror), interleaved sample by sample.")
        var modes = "pinned,odp,mirror"

        @Option(help: "Page counts to drop and access, comma-separated.")
        var pages = "1,16,256"

        @Option(help: "Samples per cell (after one warm-up round).")
        var samples = 50

        @Option(name: .customLong("connect-timeout"), help: "Seconds to keep trying to connect while nobody listens.")
        var connectTimeout = 30

        @Option(name: .customLong("ack-timeout"), help: "Local ACK timeout exponent of both queue pairs: 4.096 µs × 2^N (0: infinite).")
        var ackTimeout: UInt8 = ConnectionOptions().timeout

        @Option(name: .customLong("retry-count"), help: "Transport retries before a queue pair fails (0...7).")
        var retryCount: UInt8 = ConnectionOptions().retryCount

        @Option(name: .customLong("rnr-retry"), help: "RNR NAK retries (0...7; 7 retries forever).")
        var rnrRetry: UInt8 = ConnectionOptions().rnrRetry

        @Option(name: .customLong("min-rnr-timer"), help: "Minimal RNR NAK timer, IB encoding (0...31; 12 is 0.64 ms).")
        var minRNRTimer: UInt8 = ConnectionOptions().minRNRTimer

        @Flag(help: "Print the raw result as JSON instead of the table.")
        var json = false

        var chosenModes: [RegistrationMode] { modes.split(separator: ",").compactMap { RegistrationMode(rawValue: String($0)) } }
        var pageCounts: [Int] { pages.split(separator: ",").compactMap { Int($0) } }

        func validate() throws {
            guard samples > 0 else { throw ValidationError("--samples must be above zero") }
            guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be above zero") }
            guard ackTimeout <= 31, minRNRTimer <= 31, retryCount <= 7, rnrRetry <= 7 else {
                throw ValidationError("--ack-timeout and --min-rnr-timer take 0...31, --retry-count and --rnr-retry 0...7")
            }
            guard !chosenModes.isEmpty, chosenModes.count == modes.split(separator: ",").count, Set(chosenModes).count == chosenModes.count else {
                throw ValidationError("--modes takes distinct pinned, odp and mirror")
            }
            guard !pageCounts.isEmpty, pageCounts.count == pages.split(separator: ",").count, pageCounts.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--pages takes page counts above zero, e.g. 1,16,256")
            }
        }

        func run() throws {
            try reportingErrors {
                let channel = try PeerChannel.connect(host: connect, port: port, timeout: .seconds(connectTimeout))
                defer { try? channel.close() }
                var options = ConnectionOptions()
                options.timeout = ackTimeout
                options.retryCount = retryCount
                options.rnrRetry = rnrRetry
                options.minRNRTimer = minRNRTimer
                let result = try PeerFaultProbe.run(over: channel, device: device, modes: chosenModes, pageCounts: pageCounts, samples: samples, options: options)
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    print(String(decoding: try encoder.encode(result), as: UTF8.self))
                } else {
                    printTable(result)
                }
            }
        }

        private func printTable(_ result: PeerFaultResult) {
            print("testbed: \(result.client.system)")
            if result.server.system != result.client.system {
                print("server: \(result.server.system)")
            }
            print("client \(result.client.device) (GID index \(result.client.gidIndex.map(String.init) ?? "default")) → server \(result.server.device) (GID index \(result.server.gidIndex.map(String.init) ?? "default")) at \(result.serverAddress)")
            print("connection: \(result.connection.retrySummary)")
            print("\(result.samples) samples per cell after one warm-up round, modes interleaved; times in µs")
            print("  after drop: the server filled and dropped the pages (madvise MADV_DONTNEED), then one access, post to completion")
            print("  warm: the same access again; server drop: madvise (+ a mirror's re-pin) on the server")
            print("  pages coherent/stale/other: READ read zeros / data from before the drop; WRITE seen by the server's CPU / not")
            print("")
            print(["mode", "pages", "access", "what", "count", "min", "p50", "p99", "max", "pages coherent/stale/other"].joined(separator: "\t"))
            for cell in result.cells {
                let access = cell.access == .read ? "READ" : "WRITE"
                for (what, samples) in [("after drop", cell.faulted), ("warm", cell.warm), ("server drop", cell.drop)] {
                    guard let summary = SampleSummary(samples) else { continue }
                    let tally = what == "after drop" ? cell.pagesSeen.description : "-"
                    print([cell.mode.rawValue, "\(cell.pages)", access, what, "\(summary.count)", micro(summary.min), micro(summary.p50), micro(summary.p99), micro(summary.max), tally].joined(separator: "\t"))
                }
            }
            print("")
            print("counters moved on \(result.client.device) (client): \(counters(result.clientCounters))")
            print("counters moved on \(result.server.device) (server): \(counters(result.serverCounters))")
        }

        private func micro(_ nanoseconds: UInt64) -> String {
            String(Double(nanoseconds / 100) / 10)
        }

        private func counters(_ moved: [String: UInt64]?) -> String {
            guard let moved else { return "unavailable (no hw_counters in that host's sysfs)" }
            return moved.isEmpty ? "none" : moved.sorted { $0.key < $1.key }.map { "\($0.key) +\($0.value)" }.joined(separator: ", ")
        }
    }
}

/// Runs `body`; an odpkit error is printed as one line on stderr and exits 1 (2: no RDMA device).
private func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ODPKitError {
        FileHandle.standardError.write(Data("odpkit: \(error)\n".utf8))
        throw ExitCode(error.code == .noDevice ? 2 : 1)
    }
}
