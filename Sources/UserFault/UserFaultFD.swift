import CODPKitLinux
import Synchronization
import SystemPackage
public import ODPKitSystem

/// A userfaultfd: the descriptor through which this process learns of faults and address-space
/// changes in the ranges registered with it, and answers the faults.
///
/// Opened non-blocking and close-on-exec. `close()` is idempotent and `deinit` closes; closing must
/// not race with other calls on the same object (`UserFaultMonitor` joins its thread first).
/// Closing the last copy of the descriptor unregisters every range and wakes the threads waiting
/// on it: their faults are then handled as if the range had never been registered.
public final class UserFaultFD: Sendable, CustomStringConvertible {
    /// How a userfaultfd came to be.
    public enum Source: Sendable, CustomStringConvertible {
        /// `ioctl(USERFAULTFD_IOC_NEW)` on `/dev/userfaultfd` (Linux 6.1), whose file permissions decide access.
        case device
        /// The `userfaultfd(2)` system call, which the vm.unprivileged_userfaultfd sysctl and CAP_SYS_PTRACE gate.
        case systemCall
        /// Handed over by a fork event: it watches the child's copy of the registered ranges.
        case forkEvent

        public var description: String {
            switch self {
            case .device: "/dev/userfaultfd"
            case .systemCall: "userfaultfd(2)"
            case .forkEvent: "fork event"
            }
        }
    }

    public let source: Source
    /// Whether the descriptor was created with UFFD_USER_MODE_ONLY: faults the kernel takes on the
    /// process's behalf (a `read(2)` into a registered range, say) then fail with EFAULT instead of waiting.
    public let isUserModeOnly: Bool
    private let descriptor: Atomic<Int32>
    let resolveCounts = ResolveCounts()

    init(adopting descriptor: Int32, source: Source, userModeOnly: Bool) {
        self.descriptor = Atomic(descriptor)
        self.source = source
        isUserModeOnly = userModeOnly
    }

    deinit {
        try? close()
    }

    /// The descriptor number, or -1 once closed.
    public var rawValue: Int32 { descriptor.load(ordering: .acquiring) }

    /// Whether `close()` was called.
    public var isClosed: Bool { rawValue < 0 }

    /// Closes the descriptor. A second call does nothing.
    ///
    /// The corresponding C function is `close`.
    public func close() throws(ODPKitError) {
        let closing = descriptor.exchange(-1, ordering: .acquiringAndReleasing)
        guard closing >= 0 else { return }
        do throws(Errno) {
            try system_close(closing)
        } catch {
            throw ODPKitError.call("close", errno: error, reason: "closing userfaultfd \(closing) failed")
        }
    }

    /// The open descriptor, or the error for using it after `close()`.
    func live(_ function: String) throws(ODPKitError) -> Int32 {
        let current = rawValue
        guard current >= 0 else {
            throw ODPKitError(.closed, function: function, reason: "the userfaultfd was closed; open a new one")
        }
        return current
    }

    /// How the copy and zeroPage calls on this descriptor have turned out so far.
    public var resolveTally: ResolveTally { resolveCounts.tally }

    public var description: String {
        "userfaultfd \(rawValue) from \(source)\(isUserModeOnly ? ", user mode only" : "")"
    }
}
