// Fills a buffer with a position-dependent pattern, registers it pinned and ODP, drops its pages with
// madvise(MADV_DONTNEED), then reads (and, separately, writes) it through the NIC with a queue pair
// connected to itself, and prints, per mode, what the CPU sees and what the NIC sees, page by page.
//
// Usage: stale-after-dontneed [DEVICE]      (inside the testbed: testbed/run -- .build/debug/stale-after-dontneed)

import ODPKit
import Verbs

#if canImport(Glibc)
import Glibc
#endif

let device = CommandLine.arguments.dropFirst().first

do {
    let path = try LoopbackPath(device: device)
    defer { try? path.close() }
    print("testbed: \(SystemInfo.current().summary)")
    print("device:  \(path.context.deviceName), path MTU \(try path.context.port(1).activeMTUBytes); each check: 4 pages of the CPU's pattern, registered, read through the NIC, then madvise(MADV_DONTNEED)")
    print("")
    for access in NICAccess.allCases {
        for mode in RegistrationMode.allCases {
            let observation = try CoherenceCheck.run(mode, .dontNeed, access: access, on: path)
            print("\(observation)   [before: NIC read the CPU's data in \(observation.pagesReadBefore)/\(observation.pages) pages]")
        }
    }
} catch {
    let message = Array("stale-after-dontneed: \(error)\n".utf8)
    _ = write(STDERR_FILENO, message, message.count)
    exit(error.code == .noDevice ? 2 : 1)
}
