import ArgumentParser
import ODPKit
import ODPKitReport
import ODPKitBench

/// How a probe command prints what it measured.
struct ProbeOutput: ParsableArguments {
    @Flag(help: "Print the report as JSON (schema odpkit.report/1, see the README) instead of the table.")
    var json = false

    @Option(help: "Append every raw sample to this CSV file (probe,mode,operation,bytes,pages,conditions,sample,nanoseconds).")
    var csv: String?

    /// Runs `parts` with `options`, progress on stderr, then prints the JSON, or the table and, for
    /// registration, the fits.
    func run(_ parts: [LatencySuite.Part], _ options: SuiteOptions) throws {
        let writer = try csv.map { path throws(ODPKitError) in try SamplesCSVWriter(path: path) }
        defer { try? writer?.close() }
        let report = try options.suite(parts).run(device: options.device, samples: writer) { line in progressLine(line) }
        print(json ? try report.json() : reportTables(report))
    }
}

/// `odpkit bench registration`: registration and deregistration time against region size.
struct RegistrationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "registration", abstract: "Time registering and deregistering regions from 4 KiB doubling, pages present and absent, THP on and off, per mode.")
    @OptionGroup var options: SuiteOptions
    @OptionGroup var output: ProbeOutput
    func run() throws { try output.run([.overhead, .registration], options) }
}

/// `odpkit bench fault`: the first NIC access to dropped pages.
struct FaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fault", abstract: "Time the first RDMA READ and WRITE of pages the CPU dropped, against present pages; ODP also after prefetch.")
    @OptionGroup var options: SuiteOptions
    @OptionGroup var output: ProbeOutput
    func run() throws { try output.run([.overhead, .fault], options) }
}

/// `odpkit bench invalidation`: madvise, munmap and mremap on registered ranges, and the mirror's window.
struct InvalidationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "invalidation", abstract: "Time madvise(MADV_DONTNEED), munmap and mremap on registered ranges per mode, and the mirror's window until coherent.")
    @OptionGroup var options: SuiteOptions
    @OptionGroup var output: ProbeOutput
    func run() throws { try output.run([.overhead, .invalidation], options) }
}

/// `odpkit bench warm`: the data path on present pages.
struct WarmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "warm", abstract: "Time RDMA READ, WRITE and SEND from 8 bytes doubling on present pages, per mode.")
    @OptionGroup var options: SuiteOptions
    @OptionGroup var output: ProbeOutput
    func run() throws { try output.run([.overhead, .warm], options) }
}
