/// What a report cell measured.
public enum Probe: String, Sendable, Codable, CaseIterable {
    /// `ibv_reg_mr` of a region (or the mirror's first registration of it).
    case registration
    /// `ibv_dereg_mr` of a region.
    case deregistration
    /// The first NIC access to pages it has no translation for (an ODP or mirror page fault).
    case fault
    /// The same access with the translation present: the baseline a fault is compared with.
    case warm
    /// A CPU-side change of the mapping (`madvise`, `munmap`, `mremap`) while the NIC may hold it.
    case invalidation
    /// The invalidation window: the change seen → the NIC's translation coherent again.
    case window
    /// A fault on the remote side's memory region, taken by a peer's RDMA operation.
    case remoteFault
    /// Recovering a connection after a remote access error (reset, reconnect, new keys).
    case recovery
    /// The measurement's own cost (timer, empty posts), to subtract from the others.
    case overhead
}
