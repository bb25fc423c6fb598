import ArgumentParser
import Histogram
import ODPKit
import Verbs

#if canImport(Glibc)
import Glibc
#endif

/// `odpkit bench …`: latency probes, each printing a table labelled with its testbed.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a latency probe and print its table.",
        subcommands: [RefaultCommand.self]
    )
}

/// `odpkit bench refault`: the first NIC read after `madvise(MADV_DONTNEED)`, ODP against the mirror.
struct RefaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refault",
        abstract: "Time the first RDMA READ after madvise(MADV_DONTNEED) of one page or of the whole region, per mode."
    )

    @Option(name: .customLong("region-mib"), help: "Region sizes in MiB, comma-separated.")
    var regionMiB: String = "1,1024"

    @Option(help: "Samples per configuration (after one warm-up round).")
    var samples = 100

    @Option(help: "What to drop before the first READ, comma-separated: page (one 4 KiB page), all (the whole region).")
    var dropped = "page,all"

    @Option(help: "Modes, comma-separated (odp, mirror, pinned).")
    var modes = "odp,mirror"

    @Option(help: "The RDMA device (the first one when omitted).")
    var device: String?

    func validate() throws {
        guard samples > 0 else { throw ValidationError("--samples must be above zero") }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else { throw ValidationError("--region-mib takes sizes above zero, e.g. 1,1024") }
        guard Set(dropped.split(separator: ",")).isSubset(of: ["page", "all"]), !dropped.isEmpty else {
            throw ValidationError("--dropped takes page and all")
        }
        guard !chosenModes.isEmpty, chosenModes.count == modes.split(separator: ",").count else {
            throw ValidationError("--modes takes pinned, odp and mirror")
        }
    }

    var sizes: [Int] { regionMiB.split(separator: ",").compactMap { Int($0) } }
    var chosenModes: [RegistrationMode] { modes.split(separator: ",").compactMap { RegistrationMode(rawValue: String($0)) } }

    func run() throws {
        let path = try LoopbackPath(device: device)
        defer { try? path.close() }
        print("testbed: \(SystemInfo.current().summary)")
        print("device: \(path.context.deviceName); mirror chunks of \(MirrorRegion.defaultChunkSize / 1024) KiB; \(samples) samples per row, modes interleaved; times in µs")
        print("")
        fflush(nil)
        print(["mode", "region", "dropped", "madvise p50", "p99", "1st READ p50", "p99", "warm READ p50", "restore p50", "p99", "window p50", "p99", "re-fault p50", "p99"].joined(separator: "\t"))
        for size in sizes {
            let region = size << 20
            let choices = dropped.split(separator: ",")
            for invalidated in (choices.contains("page") ? [pageSize] : []) + (choices.contains("all") ? [region] : []) {
                _ = try RefaultProbe.run(modes: chosenModes, regionBytes: region, invalidatedBytes: invalidated, samples: 1, on: path)
                for result in try RefaultProbe.run(modes: chosenModes, regionBytes: region, invalidatedBytes: invalidated, samples: samples, on: path) {
                    var row = [result.mode.rawValue, "\(size) MiB", invalidated == pageSize ? "1 page" : "all"]
                    row += [micro(result.invalidation, 50), micro(result.invalidation, 99), micro(result.firstRead, 50), micro(result.firstRead, 99), micro(result.warmRead, 50)]
                    if let mirror = result.mirror {
                        row += [micro(result.restoreRest, 50), micro(result.restoreRest, 99), micro(mirror.invalidationWindow, 50), micro(mirror.invalidationWindow, 99), micro(mirror.refaultTime, 50), micro(mirror.refaultTime, 99)]
                    } else {
                        row += Array(repeating: "-", count: 6)
                    }
                    print(row.joined(separator: "\t"))
                    fflush(nil)  // each row as it is measured, also through a pipe
                }
            }
        }
    }

    private func micro(_ histogram: Histogram<UInt64>, _ percentile: Double) -> String {
        histogram.totalCount == 0 ? "-" : String(Double(histogram.valueAtPercentile(percentile)) / 1000)
    }
}
