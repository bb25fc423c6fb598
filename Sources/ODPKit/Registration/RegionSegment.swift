public import Verbs

/// A piece of a registered region that one memory region covers: what one work request may address.
///
/// Pinned and ODP regions are one segment; a mirror region is one per chunk it spans.
public struct RegionSegment {
    /// The memory region the NIC reaches this piece through.
    public let memoryRegion: MemoryRegion
    /// Where the piece starts, in bytes from the start of the registered region.
    public let offset: Int
    public let length: Int

    /// Where the piece starts inside `memoryRegion`.
    public let offsetInMemoryRegion: Int

    /// Where a peer reaches this piece.
    public var remote: RemoteBuffer { memoryRegion.remote(offset: offsetInMemoryRegion, length: length) }
}
