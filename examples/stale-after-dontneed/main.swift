// Fills a buffer with a position-dependent pattern, registers it pinned and ODP, drops its pages with
// madvise(MADV_DONTNEED), then reads (and, separately, writes) it through the NIC with a queue pair
// connected to itself, and prints, per mode, what the CPU sees and what the NIC sees, page by page.
// With --repeat N it runs every check N times, modes interleaved, and prints how often each was stale.
//
// Usage: stale-after-dontneed [--repeat N] [DEVICE]
//        (inside the testbed: testbed/run -- .build/debug/stale-after-dontneed --repeat 50)

import Foundation
import ODPKit
import ODPKitReport
import ODPKitBench

#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String, status: Int32) -> Never {
    let bytes = Array("stale-after-dontneed: \(message)\n".utf8)
    _ = write(STDERR_FILENO, bytes, bytes.count)
    exit(status)
}

var arguments = CommandLine.arguments.dropFirst()
var repeats = 1
if arguments.first == "--repeat" {
    arguments.removeFirst()
    guard let count = arguments.popFirst().flatMap({ Int($0) }), count > 0 else {
        fail("--repeat takes a whole number above zero", status: 64)
    }
    repeats = count
}
let device = arguments.first

do {
    let path = try LoopbackPath(device: device)
    defer { try? path.close() }
    print("testbed: \(SystemInfo.current().summary)")
    print("device:  \(path.context.deviceName), path MTU \(try path.context.port(1).activeMTUBytes); each check: 4 pages of the CPU's pattern, registered, read through the NIC, then madvise(MADV_DONTNEED)")
    print("")
    var stale: [String: Int] = [:]
    for round in 1...repeats {
        for access in NICAccess.allCases {
            for mode in RegistrationMode.allCases {
                let observation = try CoherenceCheck.run(mode, .dontNeed, access: access, on: path)
                if round == 1 {
                    print("\(observation)   [before: NIC read the CPU's data in \(observation.pagesReadBefore)/\(observation.pages) pages]")
                }
                stale["\(mode.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(access.rawValue)", default: 0] += observation.coherent ? 0 : 1
            }
        }
    }
    if repeats > 1 {
        print("")
        print("over \(repeats) rounds, modes interleaved:")
        for key in stale.keys.sorted() {
            print("  \(key) after madvise(MADV_DONTNEED): stale in \(stale[key]!)/\(repeats), coherent in \(repeats - stale[key]!)/\(repeats)")
        }
    }
} catch {
    fail("\(error)", status: error.code == .noDevice ? 2 : 1)
}

