import ArgumentParser
import ODPKit
import ODPKitBench

/// The options every latency probe of the suite and the report share.
struct SuiteOptions: ParsableArguments {
    @OptionGroup var samples: SamplesOption
    @OptionGroup var warmUp: WarmUpOption
    @OptionGroup var modes: ModesOption
    @OptionGroup var device: DeviceOption

    @Option(name: .customLong("seconds-per-cell"), help: "Time budget of a cell; a cell that spends it stops early (keeping --minimum-samples), and the report says so.")
    var secondsPerCell = 0.5

    @Option(name: .customLong("minimum-samples"), help: "Samples a cell keeps even past its time budget.")
    var minimumSamples = 5

    @Option(help: "Page counts the fault and invalidation probes drop, comma-separated (each at most \(Self.maximumPages)).")
    var pages = "1,16,256,4096"

    @Option(name: .customLong("max-region-mib"), help: "Largest region the registration probe registers, in MiB, at most \(Self.maximumRegionMiB) (capped at a quarter of MemAvailable).")
    var maxRegionMiB = 1024

    @Option(name: .customLong("max-message"), help: "Largest message of the warm probe, in bytes, 8...\(Self.maximumMessage).")
    var maxMessage = 1 << 20

    @Flag(name: .customLong("no-prefetch"), help: "Skip the ODP prefetch (ibv_advise_mr) variants of the fault probe.")
    var noPrefetch = false

    /// The most pages a fault or invalidation cell drops (4 GiB of 4 KiB pages).
    static let maximumPages = 1 << 20
    /// The largest region, in MiB (1 TiB), so that it counts in bytes without overflow.
    static let maximumRegionMiB = 1 << 20
    /// The largest warm message (1 GiB).
    static let maximumMessage = 1 << 30

    func validate() throws {
        // NaN fails both comparisons.
        guard secondsPerCell > 0, secondsPerCell <= 3600 else { throw ValidationError("--seconds-per-cell takes above zero up to 3600") }
        guard (1...SamplesOption.maximum).contains(minimumSamples) else { throw ValidationError("--minimum-samples takes 1...\(SamplesOption.maximum)") }
        guard positiveIntegers(pages, upTo: Self.maximumPages) != nil else {
            throw ValidationError("--pages takes page counts 1...\(Self.maximumPages), e.g. 1,16,256,4096")
        }
        guard (1...Self.maximumRegionMiB).contains(maxRegionMiB) else { throw ValidationError("--max-region-mib takes 1...\(Self.maximumRegionMiB)") }
        guard (8...Self.maximumMessage).contains(maxMessage) else { throw ValidationError("--max-message takes 8...\(Self.maximumMessage)") }
    }

    var pageCounts: [Int] { positiveIntegers(pages, upTo: Self.maximumPages) ?? [] }

    /// Checks, before anything is measured, that `suite` fits in memory and that the device offers what its modes need.
    func check(_ suite: LatencySuite) throws(ODPKitError) {
        try Preflight.checkMemory(suite.memoryBytes, settings: "--pages \(pages) with --max-message \(maxMessage) and --samples \(samples.count(default: 1000))")
        try Preflight.checkDevice(device.device, modes: suite.modes)
    }

    /// The suite these options describe, running `parts`.
    func suite(_ parts: [LatencySuite.Part]) -> LatencySuite {
        var suite = LatencySuite()
        suite.parts = parts
        suite.modes = modes.chosen(default: RegistrationMode.allCases)
        suite.budget = ProbeBudget(samples: samples.count(default: 1000), warmUp: warmUp.warmUp, secondsPerCell: secondsPerCell, minimumSamples: minimumSamples)
        suite.registrationMaximum = maxRegionMiB << 20
        suite.pageCounts = pageCounts
        suite.prefetch = !noPrefetch
        suite.warmMaximum = maxMessage
        return suite
    }
}
