import Verbs

#if canImport(Glibc)
import Glibc
#endif

/// Whether the rxe integration tests can run here, and whether they must.
public enum RXE {
    /// An RDMA device is present (inside the testbed: rxe0).
    public static let present = !DeviceList.all().isEmpty
    /// Set by `make test` inside the testbed: a missing device is then a failure, not a skip.
    public static let required = getenv("ODPKIT_REQUIRE_RDMA").map { String(cString: $0) == "1" } ?? false
}
