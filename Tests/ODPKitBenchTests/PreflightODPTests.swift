import Testing
@testable import ODPKitBench
import ODPKit

/// The device check `odpkit` makes before measuring ODP, with a device's attributes made up: rxe, the
/// testbed's device, has ODP, so a device without it is only met here.
@Suite("the ODP check before a run (host)")
struct PreflightODPTests {
    static func attributes(general: ODPCapabilities.General = .supported, rc: ODPCapabilities.Operations = [.send, .receive, .write, .read]) -> DeviceAttributes {
        DeviceAttributes(atomicCapability: .hca, odp: ODPCapabilities(general: general, rc: rc, uc: [], ud: [], xrc: []))
    }

    @Test func aDeviceWithoutODPIsRefusedNamingTheModesToMeasureInstead() {
        let error = #expect(throws: ODPKitError.self) {
            try Preflight.checkODP(Self.attributes(general: []), device: "nic0", modes: [.pinned, .odp, .mirror])
        }
        #expect(error?.code == .unsupported)
        #expect(error?.description == "odpkit ODP check: nic0 has no On-Demand Paging: IBV_ODP_SUPPORT is not set in odp_caps.general_caps (0x0); measure the other modes alone: --modes pinned,mirror")
    }

    @Test func aTransportWithoutTheNeededBitsIsRefused() {
        let error = #expect(throws: ODPKitError.self) { try Preflight.checkODP(Self.attributes(rc: [.send, .receive]), device: "nic0", modes: [.odp]) }
        #expect(error?.reason.contains("IBV_ODP_SUPPORT_WRITE, IBV_ODP_SUPPORT_READ in odp_caps.per_transport_caps.rc_odp_caps") == true, "\(String(describing: error))")
        #expect(error?.reason.hasSuffix("; choose a device with ODP") == true)
    }

    @Test func withoutODPAmongTheModesNothingIsAsked() throws {
        try Preflight.checkODP(Self.attributes(general: []), device: "nic0", modes: [.pinned, .mirror])
    }
}
