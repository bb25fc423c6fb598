import ArgumentParser
import ODPKit
import ODPKitBench

/// `odpkit bench refault`: the first NIC read after `madvise(MADV_DONTNEED)`, ODP against the mirror.
struct RefaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refault",
        abstract: "Time the first RDMA READ after madvise(MADV_DONTNEED) of one page or of the whole region, per mode."
    )

    @Option(name: .customLong("region-mib"), help: "Region sizes in MiB, comma-separated, each at most \(SuiteOptions.maximumRegionMiB).")
    var regionMiB: String = "1,1024"

    @Option(help: "What to drop before the first READ, comma-separated: page (one 4 KiB page), all (the whole region).")
    var dropped = "page,all"

    @Option(name: .customLong("mirror-refresh"), help: "When a mirror region re-pins an invalidated chunk: eager (its refresher thread) or onUse (the next READ).")
    var mirrorRefreshName = MirrorRegion.Refresh.eager.rawValue

    @OptionGroup var samples: SamplesOption
    @OptionGroup var modes: ModesOption
    @OptionGroup var device: DeviceOption
    @OptionGroup var output: ProbeOutput

    func validate() throws {
        guard MirrorRegion.Refresh(rawValue: mirrorRefreshName) != nil else {
            throw ValidationError("--mirror-refresh takes \(MirrorRegion.Refresh.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        guard positiveIntegers(regionMiB, upTo: SuiteOptions.maximumRegionMiB) != nil else {
            throw ValidationError("--region-mib takes sizes 1...\(SuiteOptions.maximumRegionMiB), e.g. 1,1024")
        }
        let choices = dropped.split(separator: ",", omittingEmptySubsequences: false)
        guard !choices.isEmpty, choices.allSatisfy({ RefaultProbe.Dropped(rawValue: String($0)) != nil }) else {
            throw ValidationError("--dropped takes page and all")
        }
    }

    func run() throws {
        let count = samples.count(default: 100)
        let sizes = (positiveIntegers(regionMiB, upTo: SuiteOptions.maximumRegionMiB) ?? []).map { $0 << 20 }
        let choices = RefaultProbe.Dropped.allCases.filter { dropped.split(separator: ",").contains(Substring($0.rawValue)) }
        let refresh = MirrorRegion.Refresh(rawValue: mirrorRefreshName) ?? .eager
        let chosen = modes.chosen(default: [.odp, .mirror])
        try output.run(samples: count) { () throws(ODPKitError) in
            // A region per mode at once, and the loopback path's staging buffer.
            try Preflight.checkMemory(chosen.count * (sizes.max() ?? 0) + (1 << 20), settings: "--region-mib \(regionMiB) with --modes \(chosen.map(\.rawValue).joined(separator: ","))")
            try Preflight.checkDevice(device.device, modes: chosen)
        } _: { results throws(ODPKitError) in
            try RefaultProbe.run(regionSizes: sizes, dropped: choices, modes: chosen, samples: count,
                                 mirrorRefresh: refresh, device: device.device, into: results)
        }
    }
}
