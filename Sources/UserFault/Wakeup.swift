import CODPKitLinux
import Synchronization
import SystemPackage
import ODPKitSystem

#if canImport(Glibc)
import Glibc
#endif

/// An eventfd one thread waits on and any thread signals: the wake-up of the monitor and worker threads.
///
/// `signal()` is one `write`; its lock only keeps the descriptor from being closed under it, and
/// nothing else ever takes it, so a userfaultfd handler or a thread in munmap may signal.
final class Wakeup: Sendable {
    /// The descriptor, for `poll` or a blocking `consume()`.
    let descriptor: Int32
    /// Whether `descriptor` is open; signallers hold it so that it is not closed under them.
    private let isOpen = Mutex(true)

    /// A new eventfd; `blocking` makes `consume()` wait for a signal. `owner` names it in errors.
    init(blocking: Bool, owner: String) throws(ODPKitError) {
        do throws(Errno) {
            descriptor = try system_eventfd(Int32(blocking ? EFD_CLOEXEC : EFD_CLOEXEC | EFD_NONBLOCK))
        } catch {
            throw ODPKitError.call("eventfd", errno: error, reason: "cannot create the wake-up descriptor of the \(owner)")
        }
    }

    /// Wakes the waiter (a no-op once closed). EAGAIN would mean the counter is full: a wake-up is pending anyway.
    func signal() {
        isOpen.withLock { isOpen in
            guard isOpen else { return }
            var one: UInt64 = 1
            _ = withUnsafeBytes(of: &one) { system_write(descriptor, $0) }
        }
    }

    /// Takes the pending wake-ups (waiting for one if blocking); false when reading failed or found none.
    @discardableResult
    func consume() -> Bool {
        var count: UInt64 = 0
        guard case .success(let read) = withUnsafeMutableBytes(of: &count, { system_read(descriptor, $0) }) else { return false }
        return read > 0
    }

    /// Closes the descriptor; only once its waiter is gone. A second call does nothing.
    func close() {
        isOpen.withLock { isOpen in
            guard isOpen else { return }
            try? system_close(descriptor)
            isOpen = false
        }
    }
}
