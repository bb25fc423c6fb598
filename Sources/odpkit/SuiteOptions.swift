import ArgumentParser
import ODPKit
import ODPKitBench

/// The options every latency probe and the report share.
struct SuiteOptions: ParsableArguments {
    @Option(help: "Samples per cell, after the warm-up rounds.")
    var samples = 1000

    @Option(name: .customLong("warm-up"), help: "Unrecorded rounds before each group of cells.")
    var warmUp = 10

    @Option(name: .customLong("seconds-per-cell"), help: "Time budget of a cell; a cell that spends it stops early (keeping --minimum-samples), and the report says so.")
    var secondsPerCell = 0.5

    @Option(name: .customLong("minimum-samples"), help: "Samples a cell keeps even past its time budget.")
    var minimumSamples = 5

    @Option(help: "Modes, comma-separated: pinned, odp, mirror.")
    var modes = "pinned,odp,mirror"

    @Option(help: "Page counts the fault and invalidation probes drop, comma-separated.")
    var pages = "1,16,256,4096"

    @Option(name: .customLong("max-region-mib"), help: "Largest region the registration probe registers, in MiB (capped at a quarter of MemAvailable).")
    var maxRegionMiB = 1024

    @Option(name: .customLong("max-message"), help: "Largest message of the warm probe, in bytes.")
    var maxMessage = 1 << 20

    @Flag(name: .customLong("no-prefetch"), help: "Skip the ODP prefetch (ibv_advise_mr) variants of the fault probe.")
    var noPrefetch = false

    @Option(help: "The RDMA device (the first one when omitted).")
    var device: String?

    func validate() throws {
        guard samples > 0, warmUp >= 0, secondsPerCell > 0, minimumSamples > 0 else {
            throw ValidationError("--samples, --seconds-per-cell and --minimum-samples must be above zero, --warm-up at least zero")
        }
        guard !chosenModes.isEmpty, chosenModes.count == modes.split(separator: ",").count else {
            throw ValidationError("--modes takes pinned, odp and mirror")
        }
        guard positiveIntegers(pages) != nil else {
            throw ValidationError("--pages takes page counts above zero, e.g. 1,16,256,4096")
        }
        guard maxRegionMiB > 0, maxMessage >= 8 else { throw ValidationError("--max-region-mib must be above zero and --max-message at least 8") }
    }

    var chosenModes: [RegistrationMode] { modes.split(separator: ",").compactMap { RegistrationMode(rawValue: String($0)) } }
    var pageCounts: [Int] { positiveIntegers(pages) ?? [] }

    /// The suite these options describe, running `parts`.
    func suite(_ parts: [LatencySuite.Part]) -> LatencySuite {
        var suite = LatencySuite()
        suite.parts = parts
        suite.modes = chosenModes
        suite.budget = ProbeBudget(samples: samples, warmUp: warmUp, secondsPerCell: secondsPerCell, minimumSamples: minimumSamples)
        suite.registrationMaximum = maxRegionMiB << 20
        suite.pageCounts = pageCounts
        suite.prefetch = !noPrefetch
        suite.warmMaximum = maxMessage
        return suite
    }
}

/// The integers of a comma-separated option (`1,16,256`); nil unless there is at least one and every
/// field is an integer above zero.
func positiveIntegers(_ list: String) -> [Int]? {
    let fields = list.split(separator: ",")
    let values = fields.compactMap { Int($0) }.filter { $0 > 0 }
    return !values.isEmpty && values.count == fields.count ? values : nil
}
