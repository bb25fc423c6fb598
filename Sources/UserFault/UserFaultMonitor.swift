import CODPKitLinux
import Synchronization
package import SystemPackage
public import ODPKitSystem

#if canImport(Glibc)
import Glibc
#endif

/// A thread that reads a userfaultfd's events as they come and hands each, in order, to a handler.
///
/// The handler and `onIdle` run on the monitor thread, one at a time. Threads that fault, munmap,
/// madvise, mremap or fork in a registered range wait in the kernel until the monitor reads (faults:
/// resolves) their event, so the handler
/// - must never take a lock that such a waiting thread could hold (libfabric #5554: a free() that
///   munmaps under the cache lock, and a handler that wants the cache lock, wait on each other);
/// - must never pin or otherwise touch a missing-mode range itself (`ibv_reg_mr` and other
///   get_user_pages callers fault there and wait for the monitor thread, which is the caller);
/// - must never munmap, madvise or mremap a registered range (the event would wait for this thread);
/// - with eventFork granted, must not allocate while another thread may fork: fork() holds glibc's
///   malloc locks until the monitor has read its event, so a handler waiting for malloc and a fork
///   waiting for the handler deadlock. Most Swift code allocates; ask for eventFork only when nothing
///   forks while events are handled (posix_spawn and vfork, which Foundation's Process uses, share the
///   address space and report no fork event). The monitor's own path from waiting to reading allocates
///   nothing, and `init` returns only once its thread is in its loop.
///
/// Resolving may fail softly (see `UserFaultFD.ResolveResult`): the kernel wakes nobody then, so wake
/// the page, and the thread retries its access and faults again if it must; or keep the work for
/// `onIdle`, which runs whenever every pending event has been read: after every batch, after `wake()`,
/// and every `idleInterval` without events (set one: a retry right after the event was read may
/// still be refused, and nothing else would come). Signals are blocked on the monitor thread.
///
/// `shutdown()` unregisters the watched ranges, stops the thread, joins it, then closes the descriptors.
/// Closing the userfaultfd unregisters its other ranges and wakes the threads waiting on it: their
/// faults are then served by the kernel as if the range had never been registered (zero pages for
/// anonymous memory), and munmap/madvise/mremap/fork return. That needs the monitor's copy to be the
/// last, and a forked child holds one until it exits or execs (the descriptor is close-on-exec): a
/// range left registered would make the parent's next munmap or madvise there wait for the child's
/// exit. So name every range in `watching`.
///
/// When reading fails, the thread records the error (`failure`), unregisters the watched ranges, reads
/// once more what is pending (releasing the callers whose events were already queued) and stops: the
/// ranges are no longer watched, and nothing waits on the dead monitor there.
public final class UserFaultMonitor: Sendable {
    /// Called on the monitor thread for each event, with the descriptor to answer it on.
    public typealias Handler = @Sendable (UserFaultEvent, UserFaultFD) -> Void
    /// Called on the monitor thread whenever every pending event has been read.
    public typealias IdleHandler = @Sendable (UserFaultFD) -> Void

    /// The userfaultfd, which the monitor owns from its start and closes on shutdown; register ranges on it.
    public let fd: UserFaultFD
    private let loop: MonitorLoop
    private let thread: pthread_t
    /// Whether the thread still runs; the first `shutdown()` holds it until the thread is joined.
    private let running = Mutex(true)

    /// Starts the monitor thread on `fd`, whose handshake must be done. On failure `fd` stays the caller's.
    ///
    /// `watching`: the ranges registered on `fd` (now or later) that the monitor unregisters when it
    /// stops or fails. `idleInterval`: how long the thread waits for an event before it calls `onIdle`
    /// (nil: no limit).
    public init(fd: UserFaultFD, watching: [AddressRange] = [], idleInterval: Duration? = nil, handler: @escaping Handler,
                onIdle: IdleHandler? = nil) throws(ODPKitError) {
        try Self.checkHandshake(fd)
        let wakeup = try Wakeup(blocking: false, owner: "userfaultfd monitor")
        let loop = MonitorLoop(fd: fd, watched: watching, wakeup: wakeup, idleInterval: idleInterval, handler: handler, onIdle: onIdle)
        do throws(Errno) {
            thread = try system_pthreadCreateBlockingSignals { loop.run() }
        } catch {
            wakeup.close()
            throw ODPKitError.call("pthread_create", errno: error, reason: "cannot start the userfaultfd monitor thread")
        }
        self.fd = fd
        self.loop = loop
        loop.waitUntilServing()
    }

    /// A userfaultfd without its UFFDIO_API handshake polls as an error and cannot be read.
    private static func checkHandshake(_ fd: UserFaultFD) throws(ODPKitError) {
        let descriptors = UnsafeMutableBufferPointer<pollfd>.allocate(capacity: 1)
        defer { descriptors.deallocate() }
        descriptors[0] = pollfd(fd: try fd.live("poll"), events: Int16(POLLIN), revents: 0)
        do throws(Errno) {
            _ = try system_poll(descriptors, timeout: 0)
        } catch {
            throw ODPKitError.call("poll", errno: error, reason: "cannot poll \(fd)")
        }
        if descriptors[0].revents & Int16(POLLERR | POLLNVAL) != 0 {
            throw ODPKitError(.invalidArgument, function: "poll",
                              reason: "\(fd) has no UFFDIO_API handshake yet; call handshake(requesting:) before starting a monitor")
        }
    }

    deinit {
        if isMonitorThread {
            // Dropped by its own handler: the thread cannot join itself, so it closes the descriptors on its way out.
            loop.closesOnExit.store(true, ordering: .releasing)
            loop.requestStop()
            pthread_detach(thread)
        } else {
            try? shutdown()
        }
    }

    private var isMonitorThread: Bool { pthread_equal(pthread_self(), thread) != 0 }

    /// Unregisters the watched ranges while the thread still reads (an event queued meanwhile is
    /// read), stops the thread after the event it is handling, joins it, then closes the eventfd and the
    /// userfaultfd (see the type's notes on what that does to waiting threads). Throws the first error of
    /// unregistering, once the thread is stopped and the descriptors are closed all the same.
    /// Idempotent; safe from any thread and concurrently: every caller returns once the thread is joined.
    ///
    /// From the handler or `onIdle` it only asks the thread to stop; the ranges are unregistered and the
    /// descriptors closed when the monitor is next shut down or dropped.
    public func shutdown() throws(ODPKitError) {
        guard !isMonitorThread else {
            loop.requestStop()
            return
        }
        let unregistering: ODPKitError? = running.withLock { running in
            guard running else { return nil }
            var unregistering: ODPKitError?
            do throws(ODPKitError) {
                try loop.unregisterWatched()
            } catch {
                unregistering = error
            }
            loop.requestStop()
            pthread_join(thread, nil)
            loop.closeDescriptors()
            running = false
            return unregistering
        }
        if let unregistering { throw unregistering }
    }

    /// Makes the monitor thread read what is pending and call `onIdle` soon, from any thread.
    public func wake() {
        loop.nudge()
    }

    /// Events read, idle turns and resolve outcomes so far.
    public var counters: Counters {
        var counters = loop.counters.withLock { $0 }
        counters.resolves = fd.resolveTally
        return counters
    }

    /// Every event read so far, those of a read under way included: the kernel lets a munmap, madvise
    /// or mremap caller go on inside the monitor's read, so once that call has returned, this count
    /// includes its event (it waits, yielding, for a read in progress to be counted).
    public var eventsRead: Int {
        while loop.readPhase.load(ordering: .sequentiallyConsistent) & 1 == 1 { sched_yield() }
        return loop.counters.withLock { $0.events }
    }

    /// The error that stopped the monitor thread early (reading the userfaultfd failed), if any; by
    /// the time it is set, unregistering the watched ranges is under way.
    public var failure: ODPKitError? { loop.failure.withLock { $0 } }

    /// Makes the thread's next read of the userfaultfd fail with `errno` instead of reading: how tests
    /// reach what a failed read does.
    package func failNextRead(with errno: Errno) {
        loop.injectedReadFailure.store(errno.rawValue, ordering: .relaxed)
    }
}
