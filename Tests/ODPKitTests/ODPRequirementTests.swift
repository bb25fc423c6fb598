import Testing
import Verbs
import ODPKit

@Suite("ODP capability checks (host)")
struct ODPRequirementTests {
    static func attributes(general: ODPCapabilities.General = .supported, rc: ODPCapabilities.Operations = [.send, .receive, .write, .read, .atomic], xrc: ODPCapabilities.Operations = []) -> DeviceAttributes {
        DeviceAttributes(atomicCapability: .hca, odp: ODPCapabilities(general: general, rc: rc, uc: [], ud: [.send, .receive], xrc: xrc))
    }

    @Test func fullRCCapabilitiesPass() throws {
        try ODPRequirement.check(Self.attributes(), device: "fake0", access: .readWrite, transport: .rc)
    }

    @Test func missingGeneralSupportNamesTheBit() {
        let error = #expect(throws: ODPKitError.self) {
            try ODPRequirement.check(Self.attributes(general: []), device: "fake0", access: .readWrite, transport: .rc)
        }
        #expect(error?.code == .unsupported)
        #expect(error?.reason.contains("IBV_ODP_SUPPORT is not set in odp_caps.general_caps") == true)
    }

    @Test func missingReadBitIsNamedWithItsField() {
        let error = #expect(throws: ODPKitError.self) {
            try ODPRequirement.check(Self.attributes(rc: [.send, .receive, .write]), device: "fake0", access: .readWrite, transport: .rc)
        }
        #expect(error?.reason.contains("IBV_ODP_SUPPORT_READ in odp_caps.per_transport_caps.rc_odp_caps") == true)
        #expect(error?.reason.contains("IBV_ODP_SUPPORT_WRITE") == false)
    }

    @Test func transportWithoutODPIsRefused() {
        let error = #expect(throws: ODPKitError.self) {
            try ODPRequirement.check(Self.attributes(), device: "fake0", access: .readWrite, transport: .xrc)
        }
        #expect(error?.reason.contains("xrc_odp_caps; fake0 reports 0x0 (none)") == true)
    }

    @Test func udNeedsOnlySendAndReceive() throws {
        try ODPRequirement.check(Self.attributes(), device: "fake0", access: .readWrite, transport: .ud)
        #expect(ODPRequirement.operations(for: .readWrite, on: .ud) == [.send, .receive])
    }

    @Test func accessFlagsTheDeviceLacksAreNamed() {
        var attributes = Self.attributes()
        attributes.atomicCapability = .none
        #expect(AccessFlags([.localWrite, .remoteAtomic]).unsupportedReason(on: attributes, device: "fake0")?.contains("IBV_ATOMIC_NONE") == true)
        #expect(AccessFlags([.remoteWrite]).unsupportedReason(on: attributes, device: "fake0")?.contains("without IBV_ACCESS_LOCAL_WRITE") == true)
        #expect(AccessFlags([.memoryWindowBind]).unsupportedReason(on: attributes, device: "fake0")?.contains("max_mw 0") == true)
        #expect(AccessFlags.readWrite.unsupportedReason(on: attributes, device: "fake0") == nil)
    }

    @Test func capabilityBitsInWords() {
        let bits = ODPCapabilities.Operations(rawValue: 0b10_0000_1001)
        #expect(bits.words == ["send", "read", "bit 9"])
        #expect(bits.cNames == ["IBV_ODP_SUPPORT_SEND", "IBV_ODP_SUPPORT_READ", "bit 9"])
        #expect(AccessFlags([.localWrite, .onDemand]).description == "IBV_ACCESS_LOCAL_WRITE|IBV_ACCESS_ON_DEMAND")
    }
}
