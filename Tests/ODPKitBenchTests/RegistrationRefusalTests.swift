import CODPKitLinux
import Testing
import TestSupport
import Verbs
@testable import ODPKit
@testable import ODPKitBench

#if canImport(Glibc)
import Glibc
#endif

extension RXEIntegration {
    /// Bad input to a registration: a clear error, and nothing leaked.
    @Suite("registration refused: a clear error, nothing leaked")
    final class RegistrationRefusalTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

        /// Every bad registration is refused (each must throw: one that succeeded would be a failure
        /// here, not an object quietly closed by its deinit), and afterwards the kernel lists exactly the
        /// objects of this path's context it listed before, of every type. Counted in this path's
        /// context only (`KernelResources.held(inContextOf:)`), so that suites running alongside with
        /// contexts of their own cannot change the count. The inaccessible range is a PROT_NONE mapping,
        /// not an unmapped hole (see `inaccessibleRange`).
        @Test func badInputLeaksNothing() throws {
            let before = try objectCounts()
            #expect(before[.memoryRegion] == 1, "the loopback path's staging region: \(before)")
            #expect(before[.protectionDomain] == 1 && before[.context] == 1 && (before[.queuePair] ?? 0) >= 1 && (before[.completionQueue] ?? 0) >= 1,
                    "the loopback path's objects: \(before)")
            let memory = try AnonymousMemory(length: pageSize)
            let hole = try inaccessibleRange(length: pageSize)
            defer { munmap(hole, pageSize) }
            for mode in RegistrationMode.allCases {
                #expect(throws: ODPKitError.self, "\(mode), length 0") { try RegisteredRegion(mode, pd: self.path.pd, address: memory.baseAddress, length: 0) }
            }
            // Pinning a PROT_NONE range fails (ODP pins nothing at registration: the NIC's access would
            // fail later); ODP over XRC, which this device has no ODP bits for, is refused (a pinned or
            // mirror region does not depend on the transport).
            for mode in [RegistrationMode.pinned, .mirror] {
                #expect(throws: ODPKitError.self, "\(mode), a PROT_NONE range") { try RegisteredRegion(mode, pd: self.path.pd, address: hole, length: pageSize) }
            }
            #expect(throws: ODPKitError.self, "odp over XRC") { try RegisteredRegion(.odp, pd: self.path.pd, memory: memory, transport: .xrc) }
            #expect(throws: ODPKitError.self, "ibv_reg_mr of a PROT_NONE range") { try self.path.pd.registerMemory(address: hole, length: pageSize, access: .readWrite) }
            #expect(throws: ODPKitError.self, "remote write without local write") { try self.path.pd.registerMemory(address: memory.baseAddress, length: pageSize, access: [.remoteWrite]) }
            #expect(try objectCounts() == before)
            let region = try path.register(.odp, memory)
            var registered = before
            registered[.memoryRegion, default: 0] += 1
            #expect(try objectCounts() == registered, "the check sees a region that is there")
            try region.close()
            #expect(try objectCounts() == before)
        }

        /// Per type, this path's objects the kernel lists.
        private func objectCounts() throws -> [KernelResources.Kind: Int] {
            Dictionary(grouping: try KernelResources.held(inContextOf: path.stagingRegion.lkey), by: \.kind).mapValues(\.count)
        }

        @Test(arguments: RegistrationMode.allCases)
        func zeroLengthIsRefused(mode: RegistrationMode) throws {
            let memory = try AnonymousMemory(length: pageSize)
            let error = #expect(throws: ODPKitError.self) {
                try RegisteredRegion(mode, pd: self.path.pd, address: memory.baseAddress, length: 0)
            }
            #expect(error?.code == .invalidArgument)
            let direct = #expect(throws: ODPKitError.self) {
                try self.path.pd.registerMemory(address: memory.baseAddress, length: 0, access: .readWrite)
            }
            #expect(direct?.code == .invalidArgument)
        }

        @Test(arguments: RegistrationMode.allCases)
        func unmappedRangeIsRefused(mode: RegistrationMode) throws {
            let memory = try AnonymousMemory(length: 2 * pageSize)
            try memory.unmap()
            let error = #expect(throws: ODPKitError.self) {
                try RegisteredRegion(mode, pd: self.path.pd, address: memory.baseAddress, length: memory.length)
            }
            #expect(error?.code == .notMapped)
        }

        /// The range is held by a PROT_NONE mapping, not left unmapped (see `inaccessibleRange`).
        @Test func pinnedRegistrationOfUnmappedRangeFailsInTheKernelToo() throws {
            let length = 2 * pageSize
            let hole = try inaccessibleRange(length: length)
            defer { munmap(hole, length) }
            let error = #expect(throws: ODPKitError.self) {
                try self.path.pd.registerMemory(address: hole, length: length, access: .readWrite)
            }
            #expect(error?.code == .notMapped)
            #expect(error?.errno == .badAddress)
        }

        @Test func odpOverATransportWithoutItIsRefusedBeforeAnyVerb() throws {
            let xrc = path.context.attributes.odp.xrc
            try #require(xrc.isEmpty, "this device reports XRC ODP (\(xrc.words)); the check needs a transport without it")
            let memory = try AnonymousMemory(length: pageSize)
            let error = #expect(throws: ODPKitError.self) {
                try RegisteredRegion(.odp, pd: self.path.pd, memory: memory, transport: .xrc)
            }
            #expect(error?.code == .unsupported)
            #expect(error?.function == "odpkit ODP check")
            #expect(error?.reason.contains("xrc_odp_caps") == true)
        }

        @Test func accessFlagsTheDeviceRefusesAreNamed() throws {
            let memory = try AnonymousMemory(length: pageSize)
            let error = #expect(throws: ODPKitError.self) {
                try self.path.pd.registerMemory(address: memory.baseAddress, length: memory.length, access: [.remoteWrite])
            }
            #expect(error?.code == .unsupported)
            #expect(error?.reason.contains("IBV_ACCESS_LOCAL_WRITE") == true)
        }

        @Test func pinnedRegionBeyondMemlockNamesTheLimit() throws {
            let memory = try AnonymousMemory(length: 1 << 20)
            memory.fill(1)
            try withMemoryLockLimit(64 * 1024) {
                // odpkit's own check, before the verb:
                let checked = #expect(throws: ODPKitError.self) { try RegisteredRegion(.pinned, pd: self.path.pd, memory: memory) }
                #expect(checked?.code == .memoryLockLimit)
                #expect(checked?.reason.contains("ulimit -l") == true && checked?.reason.contains("64 KiB") == true)
                // the kernel's refusal (ib_umem_get's ENOMEM), in the same words:
                let kernel = #expect(throws: ODPKitError.self) {
                    try self.path.pd.registerMemory(address: memory.baseAddress, length: memory.length, access: .readWrite)
                }
                #expect(kernel?.code == .memoryLockLimit)
                #expect(kernel?.errno == .noMemory)
                #expect(kernel?.reason.contains("ulimit -l") == true)
                // ODP pins nothing, so the limit does not apply:
                let odp = try RegisteredRegion(.odp, pd: self.path.pd, memory: memory)
                try odp.close()
            }
        }


        /// `length` bytes no access may touch, held by a PROT_NONE mapping. Not an unmapped hole: suites
        /// running alongside in this process map memory too, and a hole reused under a registration was
        /// pinned by the kernel (the registration then succeeded). A userfaultfd test's fresh page found
        /// already populated before its UFFDIO_COPY, once, is probably the same reuse.
        private func inaccessibleRange(length: Int) throws -> UnsafeMutableRawPointer {
            try #require(mmap(nil, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).flatMap { $0 == MAP_FAILED ? nil : $0 })
        }
    }
}
