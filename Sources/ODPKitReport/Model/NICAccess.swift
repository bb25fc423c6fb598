/// Which way the NIC touches the region after the invalidation.
public enum NICAccess: String, Sendable, CaseIterable, Codable {
    /// RDMA READ: does the NIC read what the CPU now sees?
    case read
    /// RDMA WRITE: does the CPU see what the NIC wrote?
    case write
}
