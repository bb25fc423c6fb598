public import ODPKit

/// One host's end of the fault probe's reliable connection: a device, a protection domain, a completion
/// queue and a queue pair meant for a queue pair on the peer.
///
/// Without a device name it opens the first device with a RoCE v2 GID of an IPv4 address of this host
/// (of this network namespace: with two rxe devices visible in shared mode, the one whose netdev lives
/// here), else the first device. Unless `options` name a GID index, it sends from that GID, else from the
/// first IPv4-mapped RoCE v2 GID (`::ffff:a.b.c.d`, what perftest's `-x` is set to across two hosts), else
/// from the queue pair's default.
public final class PeerLink {
    public let context: Context
    public let pd: ProtectionDomain
    public let completions: CompletionQueue
    public let queuePair: QueuePair
    /// The options the queue pair is connected with, its GID index chosen.
    public let options: ConnectionOptions
    private var nextID: UInt64 = 0

    /// Opens `device` (see above when nil) and creates the queue pair, not yet connected.
    public init(device: String?, options: ConnectionOptions = .init()) throws(ODPKitError) {
        let local = (try? system_localIPv4Addresses()) ?? []
        context = try Context(deviceNamed: device ?? Self.device(withAnAddressIn: local, port: options.port))
        do throws(ODPKitError) {
            pd = try ProtectionDomain(context: context)
            completions = try CompletionQueue(context: context)
            queuePair = try QueuePair(pd: pd, sendQueue: completions, receiveQueue: completions)
            var chosen = options
            if chosen.gidIndex == nil {
                let mapped = try context.gidTable(port: options.port).filter { $0.kind == .roceV2 && $0.gid.ipv4Address != nil }
                chosen.gidIndex = (mapped.first { $0.gid.ipv4Address.map(local.contains) == true } ?? mapped.first)?.index
            }
            self.options = chosen
        } catch {
            try? context.close()
            throw error
        }
    }

    /// The first device whose `port` has a RoCE v2 GID of one of `addresses`, nil when none has.
    private static func device(withAnAddressIn addresses: Set<[UInt8]>, port: UInt8) -> String? {
        guard !addresses.isEmpty else { return nil }
        return DeviceList.all().first { descriptor in
            guard let context = try? Context(deviceNamed: descriptor.name) else { return false }
            defer { try? context.close() }
            let table = (try? context.gidTable(port: port)) ?? []
            return table.contains { $0.kind == .roceV2 && $0.gid.ipv4Address.map(addresses.contains) == true }
        }?.name
    }

    /// What the peer needs to connect to this end.
    public func endpoint() throws(ODPKitError) -> QueuePairEndpoint {
        try queuePair.endpoint(options)
    }

    /// Connects the queue pair to the peer's.
    public func connect(to remote: QueuePairEndpoint) throws(ODPKitError) {
        try queuePair.connect(to: remote, options)
    }

    /// Posts one work request per segment through a `PostWindow` and polls them all; the first failure
    /// is thrown after the last poll. `post` gets the segment and the work request's id.
    func transfer(_ segments: [PeerSegment], _ operation: String, _ post: (PeerSegment, UInt64) throws(ODPKitError) -> Void) throws(ODPKitError) {
        var window = PostWindow(completions: completions)
        for segment in segments {
            nextID &+= 1
            let id = nextID
            try window.post(operation) { () throws(ODPKitError) in try post(segment, id) }
        }
        try window.drain(operation)
    }

    /// Closes the device and everything opened on it; a second call does nothing.
    public func close() throws(ODPKitError) {
        try context.close()
    }
}

extension GID {
    /// The IPv4 address of an IPv4-mapped GID (`::ffff:a.b.c.d`, as RoCE v2 GIDs of IPv4 addresses are),
    /// 4 bytes in network order; nil for any other GID.
    var ipv4Address: [UInt8]? {
        let octets = self.octets
        guard octets[0..<10].allSatisfy({ $0 == 0 }), octets[10] == 0xff, octets[11] == 0xff else { return nil }
        return Array(octets[12..<16])
    }
}
