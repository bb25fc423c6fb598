// Registers one page in each mode, drops it with madvise(MADV_DONTNEED), and asks the NIC what it
// holds: an RDMA READ through a queue pair connected to another on the same device.
// README.md shows this file between the markers; a test fails when the two differ.
// Run: swift build && testbed/run -- .build/debug/readme-example   (exit 2: no RDMA device)

// README-EXAMPLE-BEGIN
import ODPKit

#if canImport(Glibc)
import Glibc
#endif

let old: UInt8 = 0xA5     // what the CPU writes before the drop
let canary: UInt8 = 0x5C  // neither the old bytes nor the zeros the CPU sees after it

do {
    let context = try Context()  // the first RDMA device
    defer { try? context.close() }  // closes everything opened on it
    let pd = try ProtectionDomain(context: context)
    let completions = try CompletionQueue(context: context)
    let requester = try QueuePair(pd: pd, sendQueue: completions, receiveQueue: completions)
    let responder = try QueuePair(pd: pd, sendQueue: completions, receiveQueue: completions)
    try requester.connect(to: responder)

    // Where the READs land: an ordinary pinned memory region.
    let staging = try AnonymousMemory(length: pageSize)
    let stagingRegion = try pd.registerMemory(address: staging.baseAddress, length: staging.length, access: .localWrite)

    for mode in RegistrationMode.allCases {  // pinned, odp, mirror
        let memory = try AnonymousMemory(length: pageSize)
        memory.fill(old)
        let region = try RegisteredRegion(mode, pd: pd, memory: memory)
        defer { try? region.close() }

        try memory.dropPages()  // madvise(MADV_DONTNEED): the CPU now sees zeros
        staging.fill(canary)
        for segment in try region.segments(offset: 0, length: memory.length) {
            try requester.postRead(into: stagingRegion, offset: segment.offset, length: segment.length, from: segment.remote, id: 1)
            try completions.next().requireSuccess("RDMA READ from a \(mode) region")
        }

        let nic = Array(staging.bytes), cpu = Array(memory.bytes)  // what each sees now
        let verdict = if nic == cpu { "what the CPU sees (zeros): coherent" }
            else if nic.allSatisfy({ $0 == old }) { "the old bytes the CPU dropped: STALE" }
            else if nic.allSatisfy({ $0 == canary }) { "nothing (the canary is untouched)" }
            else { "neither the old bytes nor the CPU's" }
        print("\(mode) after madvise(MADV_DONTNEED): the NIC reads \(verdict)")
    }
} catch {
    let line = Array("readme-example: \(error)\n".utf8)
    _ = write(STDERR_FILENO, line, line.count)  // one line on stderr
    exit(error.code == .noDevice ? 2 : 1)
}
// README-EXAMPLE-END
