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

        /// The inaccessible range is a PROT_NONE mapping, not an unmapped hole (see `inaccessibleRange`).
        @Test func badInputLeaksNoMemoryRegion() throws {
            let before = try KernelResources.memoryRegions()
            #expect(before >= 1, "the loopback path's staging region should be visible to the kernel's restrack")
            let memory = try AnonymousMemory(length: pageSize)
            let hole = try inaccessibleRange(length: pageSize)
            defer { munmap(hole, pageSize) }
            for mode in RegistrationMode.allCases {
                _ = try? RegisteredRegion(mode, pd: path.pd, address: memory.baseAddress, length: 0)
                _ = try? RegisteredRegion(mode, pd: path.pd, address: hole, length: pageSize)
                _ = try? RegisteredRegion(mode, pd: path.pd, memory: memory, transport: .xrc)
            }
            _ = try? path.pd.registerMemory(address: hole, length: pageSize, access: .readWrite)
            _ = try? path.pd.registerMemory(address: memory.baseAddress, length: pageSize, access: [.remoteWrite])
            #expect(try KernelResources.memoryRegions() == before)
            let region = try path.register(.odp, memory)
            #expect(try KernelResources.memoryRegions() == before + 1)
            try region.close()
            #expect(try KernelResources.memoryRegions() == before)
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
            var saved = rlimit()
            getrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &saved)
            var low = rlimit(rlim_cur: 64 * 1024, rlim_max: saved.rlim_max)
            let hadCapability = odpkit_thread_has_effective_capability(odpkit_CAP_IPC_LOCK) == 1
            #expect(setrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &low) == 0)
            if hadCapability { #expect(odpkit_thread_set_effective_capability(odpkit_CAP_IPC_LOCK, false) == 0) }
            defer {
                if hadCapability { _ = odpkit_thread_set_effective_capability(odpkit_CAP_IPC_LOCK, true) }
                setrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &saved)
            }
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
            let odp = try RegisteredRegion(.odp, pd: path.pd, memory: memory)
            try odp.close()
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
