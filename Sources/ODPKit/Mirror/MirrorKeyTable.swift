/// The keys of a mirror region's chunks, for a remote peer: a mirror re-registers a chunk after each
/// invalidation (rxe has no `ibv_rereg_mr` translation change), so its keys change and the peer must
/// fetch the table again when the generation moves. A peer that uses a retired key gets a remote access
/// error, which moves its RC queue pair to the error state.
public struct MirrorKeyTable: Sendable, Hashable, Codable {
    /// One chunk's keys.
    public struct Key: Sendable, Hashable, Codable {
        public var lkey: UInt32
        public var rkey: UInt32
    }

    /// Bumped whenever a chunk's keys change.
    public var generation: UInt64
    public var chunkSize: Int
    /// The region's first address.
    public var base: UInt64
    /// Each chunk's keys; nil while a chunk has no translation.
    public var chunks: [Key?]

    /// The remote key for the chunk that holds `address`, nil when it has none now.
    public func rkey(for address: UInt64) -> UInt32? {
        guard address >= base else { return nil }
        let index = Int(address - base) / chunkSize
        return index < chunks.count ? chunks[index]?.rkey : nil
    }
}
