import Verbs

#if canImport(Glibc)
import Glibc
#endif

/// Whether the rxe integration tests can run here, and whether they must.
public enum RXE {
    /// An RDMA device is present (inside the testbed: rxe0). Evaluated before the first rxe suite
    /// runs, it also arms the leak check at exit when `make test` asks for it.
    public static let present: Bool = {
        KernelResources.checkAtExitIfAsked()
        return !DeviceList.all().isEmpty
    }()
    /// Set by `make test` inside the testbed: a missing device is then a failure, not a skip.
    public static let required = getenv("ODPKIT_REQUIRE_RDMA").map { String(cString: $0) == "1" } ?? false
}
