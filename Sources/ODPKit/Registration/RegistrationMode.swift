/// How a memory region is made reachable by the NIC.
public enum RegistrationMode: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// `get_user_pages` pins the pages at registration (classic `ibv_reg_mr`): the NIC keeps them
    /// even after the process drops or replaces them.
    case pinned
    /// On-Demand Paging (`IBV_ACCESS_ON_DEMAND`): nothing is pinned; the NIC faults pages through the
    /// kernel's mmu_interval_notifier and is invalidated when the CPU's page tables change.
    case odp
    /// Mirror-emulated: a user-space HMM mirror. Chunks of pinned memory regions, invalidated by a
    /// userfaultfd monitor when the CPU's page tables change and re-pinned on the next use.
    case mirror

    public var description: String { rawValue }
}
