import Testing
import TestSupport
import Verbs
@testable import ODPKit

#if canImport(Glibc)
import Glibc
#endif

/// A mirror region needs one memory region per chunk: it is refused, with both numbers, before anything
/// is registered when the device cannot hold them.
@Suite("mirror region: the device's max_mr and max_mr_size (host)")
struct MirrorDeviceLimitTests {
    static func attributes(maxMemoryRegions: Int, maxMemoryRegionSize: UInt64 = .max) -> DeviceAttributes {
        DeviceAttributes(maxMemoryRegionSize: maxMemoryRegionSize, maxMemoryRegions: maxMemoryRegions, odp: ODPCapabilities(general: [], rc: [], uc: [], ud: [], xrc: []))
    }

    @Test func chunksBeyondMaxMRAreRefusedWithBothNumbers() throws {
        let chunk = MirrorRegion.defaultChunkSize
        // 1 GiB in 256 KiB chunks is 4096 regions; a device of 4096 has no room left for a re-registration.
        let error = #expect(throws: ODPKitError.self) {
            try MirrorRegion.checkDeviceLimits(Self.attributes(maxMemoryRegions: 4096), length: 1 << 30, chunkSize: chunk, device: "dev0")
        }
        #expect(error?.code == .unsupported && error?.reason.contains("need 4096 memory regions") == true && error?.reason.contains("at most 4096 (max_mr)") == true,
                "\(String(describing: error))")
        try MirrorRegion.checkDeviceLimits(Self.attributes(maxMemoryRegions: 4097), length: 1 << 30, chunkSize: chunk, device: "dev0")
        try MirrorRegion.checkDeviceLimits(Self.attributes(maxMemoryRegions: 4096), length: (1 << 30) - chunk, chunkSize: chunk, device: "dev0")
    }

    @Test func aChunkBeyondMaxMRSizeIsRefused() {
        let error = #expect(throws: ODPKitError.self) {
            try MirrorRegion.checkDeviceLimits(Self.attributes(maxMemoryRegions: 1 << 20, maxMemoryRegionSize: 1 << 16), length: 1 << 20, chunkSize: 1 << 18, device: "dev0")
        }
        #expect(error?.reason.contains("max_mr_size 65536") == true, "\(String(describing: error))")
    }
}

extension MirrorDeviceLimitTests {
    /// On the device itself: a range of max_mr pages (reserved, never touched) in one-page chunks is
    /// refused before the mirror opens a userfaultfd or registers anything.
    @Suite("rxe integration: mirror beyond max_mr", .enabled(if: RXE.present, "no RDMA device: run inside the testbed (make test does)"))
    struct OnTheDevice {
        @Test func aMirrorOfMoreChunksThanTheDeviceHoldsIsRefused() throws {
            let context = try Context(deviceNamed: nil)
            let pd = try ProtectionDomain(context: context)
            defer { try? pd.close(); try? context.close() }
            let maxMR = context.attributes.maxMemoryRegions
            try #require(maxMR > 0 && maxMR < 1 << 26, "max_mr \(maxMR): too large to reserve a page per region")
            let length = maxMR * pageSize
            let reserved = try #require(mmap(nil, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0))
            try #require(reserved != MAP_FAILED)
            defer { munmap(reserved, length) }
            let error = #expect(throws: ODPKitError.self) {
                try MirrorRegion(pd: pd, address: reserved, length: length, chunkSize: pageSize)
            }
            #expect(error?.code == .unsupported && error?.reason.contains("(max_mr)") == true, "\(String(describing: error))")
        }
    }
}
