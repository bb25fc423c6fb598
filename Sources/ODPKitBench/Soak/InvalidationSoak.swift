import Foundation
public import ODPKit
import Synchronization

/// The invalidation-storm soak: per mode, a region of `SoakSettings.pages` pages, each first stamped by
/// the CPU, is registered; changer threads (`SoakChanger`) drop, map over and remap runs of its pages
/// while traffic threads (`SoakTraffic`), each on a loopback path of its own, READ and WRITE it through
/// the NIC, every access checked against what the CPU last wrote (`SoakChecker`, `SoakLedger`).
///
/// Each access starts at a page boundary and covers the page's first `min(pageSize, path MTU)` bytes:
/// rxe's ODP copy moves the wrong bytes for a packet that starts inside a page (`RXEODPCopyDefect`).
public enum InvalidationSoak {
    /// How long after its time a mode's soak waits for its threads: every access and change they make is
    /// bounded well below it (a completion by `LoopbackPath.coherenceTimeout`, a mirror's refresh by 10 s).
    static let threadGrace = 60

    /// Soaks each of `modes` in turn, with `settings`, on `path`'s device; `progress` hears each mode as
    /// it starts.
    public static func run(_ modes: [RegistrationMode], _ settings: SoakSettings, on path: LoopbackPath,
                           progress: (String) -> Void) throws(ODPKitError) -> [SoakResult] {
        try settings.validate()
        let checkedBytes = min(pageSize, try path.context.port(path.options.port).activeMTUBytes)
        var lanes: [LoopbackPath] = []
        for _ in 0..<settings.trafficThreads {
            lanes.append(try LoopbackPath(sharing: path, stagingBytes: pageSize))
        }
        var results: [SoakResult] = []
        for mode in modes {
            progress("soak: \(mode) for \(settings.seconds) s")
            results.append(try soak(mode, settings, checkedBytes: checkedBytes, lanes: lanes))
        }
        return results
    }

    /// One mode's soak.
    private static func soak(_ mode: RegistrationMode, _ settings: SoakSettings, checkedBytes: Int, lanes: [LoopbackPath]) throws(ODPKitError) -> SoakResult {
        let memory = try AnonymousMemory(length: settings.pages * pageSize)
        let checker = SoakChecker(base: memory.baseAddress, pageSize: pageSize, checkedBytes: checkedBytes)
        let ledger = SoakLedger(pages: settings.pages)
        stampEveryPage(checker, ledger)
        let region = try lanes[0].register(mode, memory)
        let port = lanes[0].options.port, device = lanes[0].context.deviceName
        let countersBefore = HardwareCounters.read(device: device, port: port)
        let start = monotonicNanoseconds()
        let nics = lanes.map { LoopbackRegionAccess(path: $0, region: region) }
        guard let counts = storm(memory, checker: checker, ledger: ledger, settings: settings, nics: nics) else {
            // The threads still use the region and its memory: both stay as they are rather than be
            // pulled from under them.
            _ = Unmanaged.passRetained(memory)
            _ = Unmanaged.passRetained(region)
            throw ODPKitError(.timedOut, function: "odpkit soak",
                              reason: "the \(mode) soak's threads had not all ended \(threadGrace) s after its \(settings.seconds) s: an access or a change did not return")
        }
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        let statistics = region.mirror?.statistics
        let moved = HardwareCounters.moved(from: countersBefore, to: HardwareCounters.read(device: device, port: port))
        try region.close()
        return SoakResult(mode: mode, settings: settings, checkedBytes: checkedBytes, seconds: seconds, counts: counts,
                          mirror: statistics, portCounters: moved)
    }

    /// The CPU writes a stamp of its own into every page, before the region is registered: a page the
    /// NIC keeps from before a change then differs from every later content.
    static func stampEveryPage(_ checker: SoakChecker, _ ledger: SoakLedger) {
        for page in 0..<ledger.pageCount {
            _ = ledger.claim(page..<(page + 1))
            let content = PageContent.stamp(epoch: ledger.nextEpoch())
            checker.store(content, page: page)
            ledger.release(page..<(page + 1), holding: [content])
        }
    }

    /// Runs `settings.changerThreads` changers on `memory` and a traffic thread per NIC of `nics` for
    /// `settings.seconds`, and returns their counts added up; nil when a thread had not ended
    /// `threadGrace` seconds after that (it is then told to stop, and left running).
    static func storm<NIC: SoakNIC>(_ memory: AnonymousMemory, checker: SoakChecker, ledger: SoakLedger, settings: SoakSettings,
                                    nics: [NIC]) -> SoakCounts? {
        let deadline = SoakDeadline(seconds: settings.seconds)
        var bodies: [@Sendable () -> SoakCounts] = []
        for index in 0..<settings.changerThreads {
            let changer = SoakChanger(memory: memory, checker: checker, ledger: ledger, changes: settings.changes, largestChange: settings.largestChange)
            bodies.append { changer.run(until: deadline, name: "changer \(index + 1)") }
        }
        for (index, nic) in nics.enumerated() {
            let traffic = SoakTraffic(checker: checker, ledger: ledger, nic: nic)
            bodies.append { traffic.run(until: deadline, name: "traffic \(index + 1)") }
        }
        let collected = CollectedCounts()
        let group = DispatchGroup()
        for body in bodies {
            group.enter()
            Thread.detachNewThread {
                let counts = body()
                collected.counts.withLock { $0.add(counts) }
                group.leave()
            }
        }
        guard group.wait(timeout: .now() + .seconds(settings.seconds + threadGrace)) == .success else {
            deadline.stop()
            return nil
        }
        return collected.counts.withLock { $0 }
    }
}

/// The counts the soak's threads hand over as they end.
private final class CollectedCounts: Sendable {
    let counts = Mutex(SoakCounts())
}
