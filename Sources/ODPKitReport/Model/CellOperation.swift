public import ODPKit

/// What a report cell timed; its raw value is how report.json, samples.csv and the tables spell it.
public enum CellOperation: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// `ibv_reg_mr` of a region (or the mirror's first registration of it).
    case register
    /// `ibv_dereg_mr` of a region.
    case deregister
    case read = "RDMA READ"
    case write = "RDMA WRITE"
    /// A WRITE ping-pong's round trip, halved (what `ib_write_lat` reports).
    case writePingPong = "RDMA WRITE ping-pong (half round trip)"
    case send = "SEND"
    /// `ibv_advise_mr` prefetch for reading, waited for.
    case prefetch = "ibv_advise_mr PREFETCH"
    /// `ibv_advise_mr` prefetch for writing, waited for.
    case prefetchWrite = "ibv_advise_mr PREFETCH_WRITE"
    case dontNeed = "madvise(MADV_DONTNEED)"
    case unmap = "munmap"
    case remap = "mremap"
    /// `mmap(MAP_FIXED)` over a mapped range.
    case mapOver = "mmap(MAP_FIXED)"
    /// The invalidation window of any change (reports before the window was named by its change).
    case window
    /// A mirror region making the rest of an invalidated range coherent after the first READ of it.
    case restoreRest = "mirror restore of the rest"
    /// A mirror region re-establishing one chunk after an invalidation (deregister the old, register the new).
    case chunkRefault = "mirror chunk re-fault"
    /// A READ with a key the mirror retired: post to its error completion.
    case retiredKeyRead = "RDMA READ with a retired key"
    /// After a remote access error: reset and reconnect both queue pairs, fetch the keys, READ again.
    case recovery = "reset, reconnect, new keys, READ"
    /// Of the recovery: resetting both queue pairs and connecting them again.
    case reconnect = "reset and reconnect"
    /// Two clock reads back to back, as inside each sample.
    case clockPair = "clock_gettime pair (inside each sample)"
    /// Two clock reads and recording the sample: what taking a sample costs in all.
    case clockPairAndRecord = "clock_gettime pair + record"

    public var description: String { rawValue }

    /// The operation that times `change`: the system call that makes it.
    public init(_ change: MappingChange) {
        self = switch change {
        case .dontNeed: .dontNeed
        case .unmap: .unmap
        case .mapOver: .mapOver
        case .remapOnto: .remap
        }
    }
}
