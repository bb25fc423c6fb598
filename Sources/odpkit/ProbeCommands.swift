import ArgumentParser
import ODPKit
import ODPKitReport
import ODPKitBench

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
