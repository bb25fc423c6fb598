import CODPKitVerbs

/// What a peer needs to connect a reliable-connected queue pair to this one, as perftest exchanges it.
public struct QueuePairEndpoint: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The GID in network byte order (16 bytes).
    public var gid: [UInt8]
    public var lid: UInt16
    public var queuePairNumber: UInt32
    public var packetSequenceNumber: UInt32

    public init(gid: [UInt8], lid: UInt16, queuePairNumber: UInt32, packetSequenceNumber: UInt32) {
        self.gid = gid
        self.lid = lid
        self.queuePairNumber = queuePairNumber
        self.packetSequenceNumber = packetSequenceNumber
    }

    var rawGID: ibv_gid {
        var raw = ibv_gid()
        withUnsafeMutableBytes(of: &raw) { bytes in
            for (index, byte) in gid.prefix(16).enumerated() { bytes[index] = byte }
        }
        return raw
    }

    public var description: String {
        "QPN 0x\(String(queuePairNumber, radix: 16)) PSN 0x\(String(packetSequenceNumber, radix: 16)) LID \(lid) GID \(GID(rawGID))"
    }
}

/// How a reliable-connected queue pair is brought to ready-to-send; recorded with every measurement.
public struct ConnectionOptions: Sendable, Hashable, Codable {
    /// The local port (1-based).
    public var port: UInt8 = 1
    /// The local GID index; nil picks the first RoCE v2 GID, else the first valid one.
    public var gidIndex: Int?
    /// Local ACK timeout exponent: 4.096 µs × 2^timeout.
    public var timeout: UInt8 = 14
    /// Transport retries before the queue pair fails.
    public var retryCount: UInt8 = 7
    /// Receiver-not-ready retries; 7 means retry forever. A remote ODP fault is answered with RNR NAKs.
    public var rnrRetry: UInt8 = 7
    /// The minimal RNR NAK timer this side asks its peer to wait (IB encoding; 12 is 0.64 ms).
    public var minRNRTimer: UInt8 = 12
    /// RDMA READ and atomic requests outstanding at once, capped by the device.
    public var maxOutstandingReads: UInt8 = 16

    public init() {}
}
