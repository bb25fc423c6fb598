public import ODPKit

/// The NIC as the soak's checker uses it: an RDMA READ or WRITE of a registered region at a page
/// boundary, waited for (bounded) before the call returns. The loopback path is one
/// (`LoopbackRegionAccess`); the checker's host tests stand in their own.
public protocol SoakNIC: SendableMetatype {
    /// The `canary.count` bytes of the region from `offset`, as the NIC READ them into a buffer that
    /// held `canary` first: bytes the READ did not place still show the canary.
    func read(offset: Int, canary: [UInt8]) throws(ODPKitError) -> [UInt8]
    /// WRITEs `bytes` into the region at `offset`.
    func write(_ bytes: [UInt8], offset: Int) throws(ODPKitError)
}
