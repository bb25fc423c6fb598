import CODPKitLinux
import SystemPackage
public import ODPKitSystem

#if canImport(Glibc)
import Glibc
#endif

extension UserFaultFD {
    /// Opens a userfaultfd, non-blocking and close-on-exec.
    ///
    /// With no `source`, `/dev/userfaultfd` when it exists and this process may open it, else the
    /// `userfaultfd(2)` system call. The system call adds UFFD_USER_MODE_ONLY when the kernel would
    /// refuse anything else (see `needsUserModeOnly`). The descriptor needs `handshake` before use.
    public convenience init(source: Source? = nil) throws(ODPKitError) {
        let opened = try Self.open(source)
        self.init(adopting: opened.descriptor, source: opened.source, userModeOnly: opened.userModeOnly)
    }

    /// Opens a userfaultfd through `userfaultfd(2)`, with UFFD_USER_MODE_ONLY exactly when
    /// `userModeOnly`, whatever vm.unprivileged_userfaultfd asks for: which of the two the kernel lets
    /// this process open (`odpkit doctor` tries both). The descriptor needs `handshake` before use.
    public convenience init(systemCallWithUserModeOnly userModeOnly: Bool) throws(ODPKitError) {
        let descriptor = try Self.openThroughSystemCall(userModeOnly: userModeOnly, deviceFailure: nil)
        self.init(adopting: descriptor, source: .systemCall, userModeOnly: userModeOnly)
    }

    private static func open(_ source: Source?) throws(ODPKitError) -> (descriptor: Int32, source: Source, userModeOnly: Bool) {
        switch source {
        case .device:
            return (try openThroughDevice(), .device, false)
        case .systemCall:
            let userModeOnly = try systemCallNeedsUserModeOnly()
            return (try openThroughSystemCall(userModeOnly: userModeOnly, deviceFailure: nil), .systemCall, userModeOnly)
        case .forkEvent:
            throw ODPKitError(.invalidArgument, function: "userfaultfd",
                              reason: "a fork event's userfaultfd comes from reading the event; open .device or .systemCall")
        case nil:
            do throws(ODPKitError) {
                return (try openThroughDevice(), .device, false)
            } catch let deviceFailure {
                let userModeOnly = try systemCallNeedsUserModeOnly()
                return (try openThroughSystemCall(userModeOnly: userModeOnly, deviceFailure: deviceFailure), .systemCall, userModeOnly)
            }
        }
    }

    /// The flags every new userfaultfd gets: close on exec, and reads that fail with EAGAIN instead of blocking.
    static let creationFlags = O_CLOEXEC | O_NONBLOCK

    /// Whether `userfaultfd(2)` must be asked for UFFD_USER_MODE_ONLY: the kernel refuses any other
    /// userfaultfd when vm.unprivileged_userfaultfd is 0 and the caller lacks CAP_SYS_PTRACE.
    ///
    /// `unprivilegedSysctl` is nil when `/proc/sys/vm/unprivileged_userfaultfd` does not exist: kernels
    /// before 5.2 let everyone in (and those before 5.11 would refuse the flag).
    public static func needsUserModeOnly(unprivilegedSysctl: Int?, hasPtraceCapability: Bool) -> Bool {
        guard let unprivilegedSysctl else { return false }
        return unprivilegedSysctl == 0 && !hasPtraceCapability
    }

    /// The value of vm.unprivileged_userfaultfd, or nil when the kernel has no such sysctl.
    public static func unprivilegedUserfaultfdSysctl() -> Int? {
        guard let descriptor = try? system_open("/proc/sys/vm/unprivileged_userfaultfd", O_RDONLY | O_CLOEXEC) else {
            return nil
        }
        defer { try? system_close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { buffer in (try? system_read(descriptor, buffer).get()) ?? 0 }
        return Int(String(decoding: bytes.prefix(count), as: UTF8.self).trimmingASCIIWhitespace)
    }

    /// Whether the calling thread has CAP_SYS_PTRACE, as the kernel checks it (effective set).
    public static func hasPtraceCapability() throws(ODPKitError) -> Bool {
        do throws(Errno) {
            return try system_threadHasCapability(odpkit_CAP_SYS_PTRACE)
        } catch {
            throw ODPKitError.call("capget", errno: error, reason: "cannot read this thread's capabilities")
        }
    }

    private static func systemCallNeedsUserModeOnly() throws(ODPKitError) -> Bool {
        needsUserModeOnly(unprivilegedSysctl: unprivilegedUserfaultfdSysctl(), hasPtraceCapability: try hasPtraceCapability())
    }

    private static func openThroughDevice() throws(ODPKitError) -> Int32 {
        let device: Int32
        do throws(Errno) {
            device = try system_open("/dev/userfaultfd", O_RDWR | O_CLOEXEC)
        } catch {
            let advice = switch error {
            case .noSuchFileOrDirectory: "the kernel is older than 6.1 or /dev has no devtmpfs"
            case .permissionDenied, .notPermitted: "give this user read-write access to /dev/userfaultfd"
            default: "cannot open /dev/userfaultfd"
            }
            throw ODPKitError.call("open", errno: error, reason: advice)
        }
        defer { try? system_close(device) }
        do throws(Errno) {
            return try system_ioctl(device, odpkit_USERFAULTFD_IOC_NEW, creationFlags)
        } catch {
            throw ODPKitError.call("ioctl(USERFAULTFD_IOC_NEW)", errno: error, reason: "/dev/userfaultfd did not create a userfaultfd")
        }
    }

    private static func openThroughSystemCall(userModeOnly: Bool, deviceFailure: ODPKitError?) throws(ODPKitError) -> Int32 {
        do throws(Errno) {
            return try system_userfaultfd(creationFlags | (userModeOnly ? UFFD_USER_MODE_ONLY : 0))
        } catch {
            let device = deviceFailure.map { " (/dev/userfaultfd: \($0))" } ?? ""
            switch error {
            case .noFunction:
                throw ODPKitError(.unsupported, function: "userfaultfd", errno: error,
                                  reason: "the kernel is built without CONFIG_USERFAULTFD\(device)")
            case .notPermitted:
                throw ODPKitError.call("userfaultfd", errno: error,
                                       reason: "set vm.unprivileged_userfaultfd=1, grant CAP_SYS_PTRACE, or give access to /dev/userfaultfd\(device)")
            case .invalidArgument where userModeOnly:
                throw ODPKitError(.unsupported, function: "userfaultfd", errno: error,
                                  reason: "the kernel (before 5.11) lacks UFFD_USER_MODE_ONLY, which vm.unprivileged_userfaultfd=0 requires without CAP_SYS_PTRACE; set vm.unprivileged_userfaultfd=1\(device)")
            default:
                throw ODPKitError.call("userfaultfd", errno: error, reason: "cannot create a userfaultfd\(device)")
            }
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    fileprivate var trimmingASCIIWhitespace: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
