public import Verbs

/// One device's NIC looking at this process's memory: a queue pair connected to itself and a pinned
/// staging buffer, so an RDMA READ shows what the NIC sees in a region and an RDMA WRITE puts bytes there.
public final class LoopbackPath {
    public let context: Context
    public let pd: ProtectionDomain
    public let completions: CompletionQueue
    public let queuePair: QueuePair
    private let staging: AnonymousMemory
    private let stagingRegion: MemoryRegion
    private var nextID: UInt64 = 0

    /// Opens `device` (the first device when nil) and connects a queue pair to itself.
    public init(device: String? = nil, stagingBytes: Int = 1 << 20, options: ConnectionOptions = .init()) throws(ODPKitError) {
        context = try Context(deviceNamed: device)
        pd = try ProtectionDomain(context: context)
        completions = try CompletionQueue(context: context)
        queuePair = try QueuePair(pd: pd, sendQueue: completions, receiveQueue: completions)
        try queuePair.connectToSelf(options)
        staging = try AnonymousMemory(length: stagingBytes)
        staging.fill(0)
        stagingRegion = try pd.registerMemory(address: staging.baseAddress, length: staging.length, access: [.localWrite])
    }

    /// Registers `memory` in `mode` in this path's protection domain.
    public func register(_ mode: RegistrationMode, _ memory: AnonymousMemory, access: AccessFlags = .readWrite) throws(ODPKitError) -> RegisteredRegion {
        try RegisteredRegion(mode, pd: pd, memory: memory, access: access)
    }

    /// The bytes the NIC reads from `region` (RDMA READ), `length` from `offset`.
    public func read(_ region: RegisteredRegion, offset: Int = 0, length: Int) throws(ODPKitError) -> [UInt8] {
        try requireStaging(length)
        staging.fill(0, range: 0..<length)
        nextID &+= 1
        try queuePair.postRead(into: stagingRegion, length: length, from: region.remote(offset: offset, length: length), id: nextID)
        try completions.next().requireSuccess("RDMA READ of \(length) bytes from a \(region.mode) region")
        return Array(staging.bytes[0..<length])
    }

    /// Writes `bytes` into `region` at `offset` through the NIC (RDMA WRITE).
    public func write(_ bytes: [UInt8], to region: RegisteredRegion, offset: Int = 0) throws(ODPKitError) {
        try requireStaging(bytes.count)
        staging.bytes.copyBytes(from: bytes)
        nextID &+= 1
        try queuePair.postWrite(from: stagingRegion, length: bytes.count, to: region.remote(offset: offset, length: bytes.count), id: nextID)
        try completions.next().requireSuccess("RDMA WRITE of \(bytes.count) bytes to a \(region.mode) region")
    }

    private func requireStaging(_ length: Int) throws(ODPKitError) {
        guard length > 0, length <= staging.length else {
            throw ODPKitError(.invalidArgument, function: "odpkit loopback", reason: "\(length) bytes is outside 1...\(staging.length), the staging buffer")
        }
    }

    /// Closes the device and everything opened on it; a second call does nothing.
    public func close() throws(ODPKitError) {
        try context.close()
    }
}
