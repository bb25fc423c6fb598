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

        @Option(help: "The TCP port to listen on (0: a free port, printed).")
        var port: UInt16 = PeerChannel.defaultPort

        @OptionGroup var device: DeviceOption

        func run() throws {
            try reportingErrors(interruptible: true) {
                try Preflight.checkDevice(device.device, modes: [])
                let listener = try PeerListener(port: port)
                print("odpkit peer serve: listening on port \(listener.port) for one client, device \(device.device ?? "with this host's IPv4 address")")
                fflush(nil)
                let channel = try listener.accept()
                try listener.close()
                print("odpkit peer serve: serving \(channel.peer)")
                fflush(nil)
                try PeerFaultProbe.serve(channel, device: device.device)
                try channel.close()
                print("odpkit peer serve: \(channel.peer) is done")
            }
        }
    }

    /// `odpkit peer fault`: the client, which measures and prints the table.
    struct Fault: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask `odpkit peer serve` to drop N pages (DONTNEED or mmap over), then time one RDMA READ and one WRITE of them, per mode."
        )

        @Option(help: "The server's host name or IPv4 address.")
        var connect: String

        @Option(help: "The server's TCP port.")
        var port: UInt16 = PeerChannel.defaultPort

        @Option(help: "Page counts to drop and access, comma-separated, each at most \(PeerFaultProbe.maximumPages).")
        var pages = "1,16,256"

        @Option(help: "How the server drops the pages, comma-separated and distinct: dontneed (madvise(MADV_DONTNEED)), munmap-mmap (mmap(MAP_FIXED) of fresh memory over them).")
        var changes = PeerFaultProbe.changes.map(\.rawValue).joined(separator: ",")

        @OptionGroup var samples: SamplesOption
        @OptionGroup var modes: ModesOption
        @OptionGroup var device: DeviceOption
        @OptionGroup var output: ProbeOutput

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

        var pageCounts: [Int] { positiveIntegers(pages, upTo: PeerFaultProbe.maximumPages) ?? [] }

        /// The changes named by `--changes`, nil when one is not a change the server makes or is named twice.
        var chosenChanges: [MappingChange]? {
            let named = changes.split(separator: ",", omittingEmptySubsequences: false).map { MappingChange(rawValue: String($0)) }
            let chosen = named.compactMap { $0 }.filter(PeerFaultProbe.changes.contains)
            return !chosen.isEmpty && chosen.count == named.count && Set(chosen).count == chosen.count ? chosen : nil
        }

        func validate() throws {
            guard port > 0 else { throw ValidationError("--port takes 1...65535") }
            guard (1...3600).contains(connectTimeout) else { throw ValidationError("--connect-timeout takes 1...3600 seconds") }
            let limits: [(name: String, value: UInt8, maximum: UInt8)] = [
                ("--ack-timeout", ackTimeout, 31), ("--min-rnr-timer", minRNRTimer, 31), ("--retry-count", retryCount, 7), ("--rnr-retry", rnrRetry, 7),
            ]
            for (name, value, maximum) in limits where value > maximum {
                throw ValidationError("\(name) takes 0...\(maximum)")
            }
            guard positiveIntegers(pages, upTo: PeerFaultProbe.maximumPages) != nil else {
                throw ValidationError("--pages takes page counts 1...\(PeerFaultProbe.maximumPages), e.g. 1,16,256")
            }
            guard chosenChanges != nil else {
                throw ValidationError("--changes takes distinct \(PeerFaultProbe.changes.map(\.rawValue).joined(separator: " and ")), comma-separated")
            }
        }

        func run() throws {
            var options = ConnectionOptions()
            options.timeout = ackTimeout
            options.retryCount = retryCount
            options.rnrRetry = rnrRetry
            options.minRNRTimer = minRNRTimer
            let count = samples.count(default: 50)
            try output.run(samples: count) { () throws(ODPKitError) in
                // The client stages the largest drop; the server's regions are the server's to check.
                try Preflight.checkMemory((pageCounts.max() ?? 0) * pageSize, settings: "--pages \(pages)")
                try Preflight.checkDevice(device.device, modes: [])
            } _: { results throws(ODPKitError) in
                let channel = try PeerChannel.connect(host: connect, port: port, timeout: .seconds(connectTimeout))
                defer { try? channel.close() }
                return try PeerFaultProbe.run(over: channel, device: device.device, modes: modes.chosen(default: RegistrationMode.allCases),
                                              changes: chosenChanges ?? [], pageCounts: pageCounts, samples: count,
                                              options: options, into: results)
            }
        }
    }
}
