import ArgumentParser
import ODPKit
import ODPKitBench

/// `odpkit bench retired-key`: a peer reads a mirror region with a key the mirror retired, and recovers.
struct RetiredKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retired-key",
        abstract: "Time a peer's READ with a retired mirror key (remote access error) and its recovery (reset, reconnect, new keys, READ again)."
    )

    @OptionGroup var samples: SamplesOption
    @OptionGroup var device: DeviceOption
    @OptionGroup var output: ProbeOutput

    func run() throws {
        let count = samples.count(default: 100)
        try output.run(samples: count) { () throws(ODPKitError) in
            try Preflight.checkDevice(device.device, modes: [.mirror])
        } _: { results throws(ODPKitError) in
            try RetiredKeyRecovery.run(samples: count, device: device.device, into: results)
        }
    }
}
