import ArgumentParser
import Histogram
import ODPKit
import ODPKitBench

#if canImport(Glibc)
import Glibc
#endif

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

    @Option(name: .customLong("mirror-refresh"), help: "When a mirror region re-pins an invalidated chunk: eager (its refresher thread) or onUse (the next READ).")
    var mirrorRefreshName = MirrorRegion.Refresh.eager.rawValue

    var mirrorRefresh: MirrorRegion.Refresh { MirrorRegion.Refresh(rawValue: mirrorRefreshName) ?? .eager }

    @Option(help: "The RDMA device (the first one when omitted).")
    var device: String?

    func validate() throws {
        guard samples > 0 else { throw ValidationError("--samples must be above zero") }
        guard MirrorRegion.Refresh(rawValue: mirrorRefreshName) != nil else {
            throw ValidationError("--mirror-refresh takes \(MirrorRegion.Refresh.allCases.map(\.rawValue).joined(separator: " or "))")
        }
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
        print("device: \(path.context.deviceName); mirror chunks of \(MirrorRegion.defaultChunkSize / 1024) KiB, refresh \(mirrorRefresh); \(samples) samples per row, modes interleaved; times in µs")
        print("")
        fflush(nil)
        print(["mode", "region", "dropped", "madvise p50", "p99", "1st READ p50", "p99", "warm READ p50", "restore p50", "p99", "window p50", "p99", "re-fault p50", "p99"].joined(separator: "\t"))
        for size in sizes {
            let region = size << 20
            let choices = dropped.split(separator: ",")
            for invalidated in (choices.contains("page") ? [pageSize] : []) + (choices.contains("all") ? [region] : []) {
                _ = try RefaultProbe.run(modes: chosenModes, regionBytes: region, invalidatedBytes: invalidated, samples: 1, mirrorRefresh: mirrorRefresh, on: path)
                for result in try RefaultProbe.run(modes: chosenModes, regionBytes: region, invalidatedBytes: invalidated, samples: samples, mirrorRefresh: mirrorRefresh, on: path) {
                    var row = [result.mode.rawValue, "\(size) MiB", invalidated == pageSize ? "1 page" : "all"]
                    row += [microseconds(result.invalidation, 50), microseconds(result.invalidation, 99), microseconds(result.firstRead, 50), microseconds(result.firstRead, 99), microseconds(result.warmRead, 50)]
                    if let mirror = result.mirror {
                        row += [microseconds(result.restoreRest, 50), microseconds(result.restoreRest, 99), microseconds(mirror.invalidationWindow, 50), microseconds(mirror.invalidationWindow, 99), microseconds(mirror.refaultTime, 50), microseconds(mirror.refaultTime, 99)]
                    } else {
                        row += Array(repeating: "-", count: 6)
                    }
                    print(row.joined(separator: "\t"))
                    fflush(nil)  // each row as it is measured, also through a pipe
                }
            }
        }
    }
}
