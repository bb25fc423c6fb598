import ODPKit
import UserFault

#if canImport(Glibc)
import Glibc
#endif

extension Doctor {
    /// userfaultfd, which the mirror hears the CPU's changes through: `/dev/userfaultfd`,
    /// `vm.unprivileged_userfaultfd`, `userfaultfd(2)` with and without `UFFD_USER_MODE_ONLY`, and the
    /// event features the kernel grants a descriptor opened as the mirror opens it. Each is tried, not read off.
    static func userFaultFindings() -> [DoctorFinding] {
        let device = Result<Void, ODPKitError> { () throws(ODPKitError) in try UserFaultFD(source: .device).close() }
        return [
            deviceNodeFinding(opened: device),
            sysctlFinding(UserFaultFD.unprivilegedUserfaultfdSysctl(), ptrace: (try? UserFaultFD.hasPtraceCapability()) ?? false, deviceOpens: (try? device.get()) != nil),
            systemCallFinding(),
            featuresFinding(),
        ]
    }

    /// `/dev/userfaultfd` (Linux 6.1): its mode and owner, and whether this process opened a userfaultfd through it.
    static func deviceNodeFinding(opened: Result<Void, ODPKitError>) -> DoctorFinding {
        let path = "/dev/userfaultfd"
        var status = stat()
        guard stat(path, &status) == 0 else {
            return .warn("userfaultfd.device", "\(path) absent (Linux before 6.1, or /dev without devtmpfs)",
                         action: "the mirror opens userfaultfd(2) instead: see userfaultfd.syscall")
        }
        let node = "\(path) present (mode 0\(String(status.st_mode & 0o777, radix: 8)), uid \(status.st_uid), gid \(status.st_gid))"
        switch opened {
        case .success:
            return .ok("userfaultfd.device", "\(node); this process opened a userfaultfd through it")
        case .failure(let error):
            return .warn("userfaultfd.device", "\(node); this process cannot open it: \(error.errno.map(\.symbolicName) ?? error.code.name)",
                         action: "give this user read-write access (a udev rule with MODE=\"0660\" and a group it is in), or rely on userfaultfd(2)")
        }
    }

    /// `vm.unprivileged_userfaultfd` (nil: no such sysctl, before Linux 5.2), read with whether this
    /// process has `CAP_SYS_PTRACE` and whether `/dev/userfaultfd`, which the sysctl does not gate, opens.
    static func sysctlFinding(_ value: Int?, ptrace: Bool, deviceOpens: Bool) -> DoctorFinding {
        let check = "userfaultfd.sysctl"
        guard let value else { return .ok(check, "vm.unprivileged_userfaultfd absent (before Linux 5.2): userfaultfd(2) opens for anyone") }
        let found = "vm.unprivileged_userfaultfd \(value), CAP_SYS_PTRACE \(ptrace ? "held" : "not held")"
        if value != 0 { return .ok(check, found + ": userfaultfd(2) handles the kernel's faults too") }
        if ptrace { return .ok(check, found + ": with CAP_SYS_PTRACE userfaultfd(2) handles the kernel's faults too") }
        if deviceOpens { return .ok(check, found + ": userfaultfd(2) opens only with UFFD_USER_MODE_ONLY, but /dev/userfaultfd, which the sysctl does not gate, opens") }
        return .warn(check, found + ": userfaultfd(2) opens only with UFFD_USER_MODE_ONLY, whose descriptor fails the faults the kernel takes on the process's behalf (pinning a chunk's untouched pages) with EFAULT",
                     action: "`sysctl -w vm.unprivileged_userfaultfd=1`, grant CAP_SYS_PTRACE, or give this user access to /dev/userfaultfd")
    }

    /// `userfaultfd(2)` tried without and with `UFFD_USER_MODE_ONLY`.
    static func systemCallFinding() -> DoctorFinding {
        func attempt(_ userModeOnly: Bool) -> String? {
            do throws(ODPKitError) {
                try UserFaultFD(systemCallWithUserModeOnly: userModeOnly).close()
                return nil
            } catch {
                return error.errno.map(\.symbolicName) ?? error.code.name
            }
        }
        let plain = attempt(false), userModeOnly = attempt(true)
        let found = "userfaultfd(2) \(plain.map { "fails with \($0)" } ?? "opens"); with UFFD_USER_MODE_ONLY it \(userModeOnly.map { "fails with \($0)" } ?? "opens")"
        if plain == nil { return .ok("userfaultfd.syscall", found) }
        return .warn("userfaultfd.syscall", found, action: userModeOnly == nil
            ? "only user-mode faults: see userfaultfd.sysctl"
            : "the kernel has no userfaultfd(2) for this process (CONFIG_USERFAULTFD, seccomp, or a kernel before 5.11 for UFFD_USER_MODE_ONLY)")
    }

    /// A userfaultfd opened as the mirror opens it, and the features UFFDIO_API grants it of the
    /// address-space events: the mirror cannot run without `MirrorRegion.userFaultFeatures`.
    static func featuresFinding() -> DoctorFinding {
        let check = "userfaultfd.features"
        let needed = MirrorRegion.userFaultFeatures
        let action = "`sysctl -w vm.unprivileged_userfaultfd=1`, grant CAP_SYS_PTRACE, or give this user access to /dev/userfaultfd"
        do throws(ODPKitError) {
            let fd = try UserFaultFD()
            defer { try? fd.close() }
            let handshake = try fd.handshake(requesting: UserFaultFD.Features.addressSpaceEvents.union(needed))
            let found = "opened through \(fd.source)\(fd.isUserModeOnly ? " with UFFD_USER_MODE_ONLY" : ""); granted \(handshake.granted)"
                + (handshake.refused.isEmpty ? "" : ", refused \(handshake.refused)\(handshake.refused == [.eventFork] ? " (needs CAP_SYS_PTRACE; the mirror does not use it)" : "")")
            guard handshake.granted.isSuperset(of: needed) else {
                return .fail(check, found, action: "the mirror needs \(needed): use a kernel that offers them (Linux 4.11 or later)", blocks: [.mirror])
            }
            guard !fd.isUserModeOnly else {
                return .warn(check, found, action: "a descriptor for user-mode faults only may fail the mirror's pinning (see trial.mirror): " + action)
            }
            return .ok(check, found)
        } catch {
            return .fail(check, error.description, action: action, blocks: [.mirror])
        }
    }
}
