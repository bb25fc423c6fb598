import CODPKitLinux
import Synchronization
import SystemPackage
package import ODPKitSystem

#if canImport(Glibc)
import Glibc
#endif

/// A thread that sleeps on an eventfd and runs `work` once per wake-up, until it is stopped: wake-ups
/// that come while `work` runs fold into one more turn. Signals are blocked on it.
///
/// `wake()` is one `write` and takes no lock a munmap/madvise caller could hold, so a userfaultfd
/// handler may call it; `work` then runs off the monitor thread, where it may call verbs.
package final class WorkerThread: Sendable {
    private let wakeup: Wakeup
    private let stop = StopFlag()
    private let thread: pthread_t
    /// Whether the thread still runs; the first `shutdown()` holds it until the thread is joined.
    private let running = Mutex(true)

    /// Starts the thread; it waits for the first `wake()`. `name` goes into error messages.
    package init(_ name: String, work: @escaping @Sendable () -> Void) throws(ODPKitError) {
        let wakeup = try Wakeup(blocking: true, owner: name)
        let stop = self.stop
        do throws(Errno) {
            thread = try system_pthreadCreateBlockingSignals {
                while true {
                    let woken = wakeup.consume()
                    if stop.requested.load(ordering: .acquiring) || !woken { return }
                    work()
                }
            }
        } catch {
            wakeup.close()
            throw ODPKitError.call("pthread_create", errno: error, reason: "cannot start the \(name)")
        }
        self.wakeup = wakeup
    }

    deinit {
        shutdown()
    }

    /// Makes the thread run `work` (again) soon; from any thread, the monitor's included.
    package func wake() {
        wakeup.signal()
    }

    /// Asks the thread to leave after the work it is doing, without waiting for it.
    package func requestStop() {
        stop.requested.store(true, ordering: .releasing)
        wake()
    }

    /// Stops the thread, joins it and closes the eventfd. Idempotent; from the thread itself it only
    /// asks it to stop and detaches it.
    package func shutdown() {
        guard pthread_equal(pthread_self(), thread) == 0 else {
            requestStop()
            pthread_detach(thread)
            return
        }
        running.withLock { running in
            guard running else { return }
            requestStop()
            pthread_join(thread, nil)
            wakeup.close()
            running = false
        }
    }
}

/// The stop request, shared with the thread's body (an `Atomic` cannot be captured by itself).
private final class StopFlag: Sendable {
    let requested = Atomic<Bool>(false)
}
