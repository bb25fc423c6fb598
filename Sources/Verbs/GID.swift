import CODPKitVerbs

/// A 128-bit global identifier, printed as an IPv6 address.
public struct GID: Sendable, Hashable, CustomStringConvertible {
    public var bytes: (UInt64, UInt64)

    init(_ gid: ibv_gid) {
        var copy = gid
        bytes = withUnsafeBytes(of: &copy) { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
    }

    public static func == (a: GID, b: GID) -> Bool { a.bytes == b.bytes }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.0)
        hasher.combine(bytes.1)
    }

    /// The C union, for address vectors.
    var raw: ibv_gid {
        var gid = ibv_gid()
        withUnsafeMutableBytes(of: &gid) { raw in
            raw.storeBytes(of: bytes.0, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: bytes.1, toByteOffset: 8, as: UInt64.self)
        }
        return gid
    }

    public var isZero: Bool { bytes.0 == 0 && bytes.1 == 0 }

    /// The 16 bytes in network order.
    public var octets: [UInt8] {
        var copy = bytes
        return withUnsafeBytes(of: &copy) { Array($0) }
    }

    public var description: String {
        let o = octets
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(o[$0]) << 8 | UInt16(o[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}

/// One entry of a port's GID table (`struct ibv_gid_entry`).
public struct GIDEntry: Sendable, Hashable {
    /// The GID's type (`enum ibv_gid_type`).
    public enum Kind: String, Sendable {
        case ib = "IB", roceV1 = "RoCE v1", roceV2 = "RoCE v2"
    }

    public var index: Int
    public var gid: GID
    public var kind: Kind
    /// The network interface index the GID belongs to (RoCE), 0 for none.
    public var interfaceIndex: UInt32
}
