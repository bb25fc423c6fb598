import Testing
import TestSupport

/// The suites that run on an RDMA device (rxe0 inside the testbed), nested here so that their tests run
/// one at a time: one lowers RLIMIT_MEMLOCK, one counts the process's memory regions in the kernel, and
/// the probes' timings are compared.
@Suite("rxe integration", .serialized, .enabled(if: RXE.present, "no RDMA device: run inside the testbed (make test does)"))
enum RXEIntegration {}
