import Testing
import TestSupport
import Verbs

/// Fails loudly where the rxe tests were required (inside the testbed) but found no device to run on.
@Test("an RDMA device is present where the rxe tests are required", .enabled(if: RXE.required))
func rdmaDeviceIsPresentWhereRequired() {
    #expect(RXE.present, "ODPKIT_REQUIRE_RDMA=1 but ibv_get_device_list found no device: the rxe integration tests would all be skipped")
}
