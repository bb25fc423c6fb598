import CODPKitLinux
import SystemPackage
import Testing
import ODPKitSystem
@testable import UserFault

#if canImport(Glibc)
import Glibc
#endif

extension UserFaultTests {
    @Suite("opening and the UFFDIO_API handshake")
    struct HandshakeTests {
        static let everyNamedFeature = UserFaultFD.Features(UserFaultFD.Features.named.map(\.0))

        @Test func grantedIsWhatWasAskedForAndOffered() throws {
            let fd = try UserFaultFD()
            defer { try? fd.close() }
            // A bit no kernel defines yet: asking for it must not fail the handshake.
            let unknown = UserFaultFD.Features(rawValue: 1 << 40)
            let handshake = try fd.handshake(requesting: Self.everyNamedFeature.union(unknown))
            print("userfaultfd handshake on \(fd): \(handshake)")
            #expect(handshake.granted.isSubset(of: handshake.requested))
            #expect(handshake.granted.isSubset(of: handshake.supported))
            #expect(handshake.refused.contains(unknown))
            #expect(handshake.granted.isSuperset(of: UserFaultFD.Features.addressSpaceEvents), "root has CAP_SYS_PTRACE, so eventFork too")
            #expect(handshake.granted.isSuperset(of: [.threadID, .pagefaultFlagWP, .missingShmem, .missingHugetlbfs]))
            #expect(handshake.ioctls.isSuperset(of: [.register, .unregister, .api]))
        }

        @Test func aDescriptorTakesOneHandshake() throws {
            let fd = try UserFaultFD()
            defer { try? fd.close() }
            try fd.handshake(requesting: [.eventRemove])
            let error = #expect(throws: ODPKitError.self) { try fd.handshake(requesting: [.eventRemove]) }
            #expect(error?.function == "ioctl(UFFDIO_API)")
            #expect(error?.errno == .invalidArgument)
        }

        @Test func bothWaysToOpenGiveANonBlockingCloseOnExecDescriptor() throws {
            let deviceExists = access("/dev/userfaultfd", F_OK) == 0
            if deviceExists {
                let device = try UserFaultFD(source: .device)
                #expect(device.source == .device)
                try checkFlags(device)
                #expect(try UserFaultFD().source == .device, "the device is preferred when it works")
            } else {
                let error = #expect(throws: ODPKitError.self) { try UserFaultFD(source: .device) }
                #expect(error?.errno == .noSuchFileOrDirectory)
                #expect(try UserFaultFD().source == .systemCall, "without the device, the system call")
            }
            let systemCall = try UserFaultFD(source: .systemCall)
            #expect(systemCall.source == .systemCall)
            try checkFlags(systemCall)
        }

        private func checkFlags(_ fd: UserFaultFD) throws {
            #expect(fcntl(fd.rawValue, F_GETFL) & O_NONBLOCK != 0)
            #expect(fcntl(fd.rawValue, F_GETFD) & FD_CLOEXEC != 0)
            #expect(try fd.handshake(requesting: [.eventUnmap]).granted == [.eventUnmap])
            #expect(try fd.readEvents().isEmpty, "nothing is registered, so nothing is pending")
        }

        @Test(arguments: [
            (nil, false, false), (nil, true, false),
            (1, false, false), (1, true, false),
            (0, true, false), (0, false, true),
        ] as [(Int?, Bool, Bool)])
        func userModeOnlyOnlyWhenTheKernelWouldRefuseOtherwise(sysctl: Int?, ptrace: Bool, expected: Bool) {
            #expect(UserFaultFD.needsUserModeOnly(unprivilegedSysctl: sysctl, hasPtraceCapability: ptrace) == expected)
        }

        /// Drops CAP_SYS_PTRACE from this thread's effective set (the kernel checks the calling thread):
        /// the system call then needs UFFD_USER_MODE_ONLY when vm.unprivileged_userfaultfd is 0, and the
        /// handshake must leave eventFork out instead of failing with EPERM.
        @Test func withoutPtraceCapability() throws {
            try #require(try UserFaultFD.hasPtraceCapability(), "the tests run as root")
            #expect(odpkit_thread_set_effective_capability(odpkit_CAP_SYS_PTRACE, false) == 0)
            defer { _ = odpkit_thread_set_effective_capability(odpkit_CAP_SYS_PTRACE, true) }
            #expect(try !UserFaultFD.hasPtraceCapability())

            let sysctl = UserFaultFD.unprivilegedUserfaultfdSysctl()
            let fd = try UserFaultFD(source: .systemCall)
            defer { try? fd.close() }
            #expect(fd.isUserModeOnly == UserFaultFD.needsUserModeOnly(unprivilegedSysctl: sysctl, hasPtraceCapability: false))
            print("without CAP_SYS_PTRACE, vm.unprivileged_userfaultfd=\(sysctl.map(String.init) ?? "absent"): \(fd)")
            let handshake = try fd.handshake(requesting: UserFaultFD.Features.addressSpaceEvents)
            #expect(handshake.refused == [.eventFork])
            #expect(handshake.granted == [.eventRemap, .eventRemove, .eventUnmap])
        }

        @Test func aClosedDescriptorSaysSo() throws {
            let fd = try UserFaultFD()
            try fd.close()
            try fd.close()
            #expect(fd.isClosed)
            let mapping = try Mapping(pages: 1)
            defer { mapping.unmap() }
            let error = #expect(throws: ODPKitError.self) { try fd.register(mapping.range, mode: .missing) }
            #expect(error?.code == .closed)
        }

        @Test func rangesAreCheckedAndRegistrationReportsItsIoctls() throws {
            let fd = try openHandshaken([])
            defer { try? fd.close() }
            let mapping = try Mapping(pages: 2)
            let misaligned = #expect(throws: ODPKitError.self) {
                try fd.register(AddressRange(start: mapping.start + 1, length: page), mode: .missing)
            }
            #expect(misaligned?.code == .invalidArgument)
            #expect(misaligned?.errno == nil, "refused before the kernel is asked")

            let ioctls = try fd.register(mapping.range, mode: .missing)
            #expect(ioctls.isSuperset(of: [.wake, .copy, .zeroPage]), "\(ioctls)")
            try fd.unregister(mapping.range)

            mapping.unmap()
            // Nothing is mapped at 2 MiB (mmap places memory top-down, executables start higher);
            // the mapping just unmapped could be someone else's by now, in this multithreaded process.
            let nowhere = AddressRange(start: 0x20_0000, length: page)
            let unmapped = #expect(throws: ODPKitError.self) { try fd.register(nowhere, mode: .missing) }
            // Linux 6.18 says EINVAL; older kernels said ENOMEM.
            #expect(unmapped?.errno == .invalidArgument || unmapped?.errno == .noMemory, "\(String(describing: unmapped))")
            #expect(unmapped?.function == "ioctl(UFFDIO_REGISTER)")
        }
    }
}
