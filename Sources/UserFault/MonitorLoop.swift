import Synchronization
import SystemPackage
import ODPKitSystem

#if canImport(Glibc)
import Glibc
#endif

/// The monitor thread's side of a `UserFaultMonitor`: it waits on the userfaultfd and an eventfd,
/// reads every pending event and hands each to the handler, then calls `onIdle`.
///
/// From waking up to reading, the thread allocates nothing and takes no lock: a thread in fork()
/// holds glibc's malloc locks until the monitor has read the fork event, and a thread in munmap or
/// madvise may hold anything. The poll set and the message buffer are allocated before the thread
/// starts. The thread retains this object, not the monitor, so that dropping the monitor shuts it down.
final class MonitorLoop: Sendable {
    let fd: UserFaultFD
    /// The ranges unregistered when the monitor stops or fails.
    let watched: [AddressRange]
    private let wakeup: Wakeup
    private let stopRequested = Atomic(false)
    /// Set by the thread once it has entered `run()`.
    private let isServing = Atomic(false)
    /// Set when the monitor was dropped on its own thread: the thread, detached, closes the descriptors.
    let closesOnExit = Atomic(false)
    let counters = Mutex(UserFaultMonitor.Counters())
    /// Bumped before and after each read of the userfaultfd: odd while a read's events are uncounted.
    let readPhase = Atomic<UInt64>(0)
    let failure = Mutex<ODPKitError?>(nil)
    /// An errno the next read fails with instead of reading (0: none); set by tests only.
    let injectedReadFailure = Atomic<Int32>(0)
    private let handler: UserFaultMonitor.Handler
    private let onIdle: UserFaultMonitor.IdleHandler?
    private let timeoutMilliseconds: Int32
    /// The userfaultfd and the eventfd, as `poll` takes them; only the monitor thread touches it.
    nonisolated(unsafe) private let pollSet: UnsafeMutableBufferPointer<pollfd>
    /// Room for the messages one read takes; only the monitor thread touches it.
    nonisolated(unsafe) private let messages: UnsafeMutableRawBufferPointer
    /// The events decoded from `messages` (uninitialized between reads); only the monitor thread touches it.
    nonisolated(unsafe) private let events: UnsafeMutableBufferPointer<UserFaultEvent>

    init(fd: UserFaultFD, watched: [AddressRange], wakeup: Wakeup, idleInterval: Duration?, handler: @escaping UserFaultMonitor.Handler,
         onIdle: UserFaultMonitor.IdleHandler?) {
        self.fd = fd
        self.watched = watched
        self.wakeup = wakeup
        self.handler = handler
        self.onIdle = onIdle
        timeoutMilliseconds = idleInterval.map(Self.milliseconds) ?? -1
        pollSet = .allocate(capacity: 2)
        _ = pollSet.initialize(from: [pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0),
                                      pollfd(fd: wakeup.descriptor, events: Int16(POLLIN), revents: 0)])
        messages = .allocate(byteCount: Self.messagesPerRead * UserFaultFD.messageSize, alignment: 8)
        events = .allocate(capacity: Self.messagesPerRead)
    }

    deinit {
        pollSet.deallocate()
        messages.deallocate()
        events.deallocate()
    }

    /// The most messages one read takes.
    private static let messagesPerRead = 16

    /// `duration` in whole milliseconds, rounded up so that a short interval does not become a busy loop.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }

    /// The thread's body: runs until a stop is requested or reading fails.
    func run() {
        isServing.store(true, ordering: .releasing)
        while !isStopRequested {
            do throws(ODPKitError) {
                try turn()
            } catch {
                stop(failing: error)
                break
            }
        }
        if closesOnExit.load(ordering: .acquiring) { closeDescriptors() }
    }

    /// The thread cannot go on: records why, unregisters the watched ranges (no later munmap, madvise or
    /// fault there waits for a read that would never come), then reads once more what is pending, which
    /// releases the callers whose events were queued before (a failure to read stops that too).
    /// Off the event path, this may allocate.
    private func stop(failing error: ODPKitError) {
        failure.withLock { $0 = error }
        do throws(ODPKitError) {
            try unregisterWatched()
        } catch let unregistering {
            failure.withLock { $0?.reason += "; unregistering the watched ranges then failed too: \(unregistering)" }
        }
        try? deliverPendingEvents()
    }

    /// Unregisters every watched range, each as far as it is still this descriptor's; throws the first
    /// failure once all were tried.
    func unregisterWatched() throws(ODPKitError) {
        var firstError: ODPKitError?
        for range in watched {
            do throws(ODPKitError) {
                try fd.unregisterMappings(in: range)
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    /// Returns once the thread has entered `run()`. A new thread allocates on its way there (the Swift
    /// runtime does), and a fork() begun meanwhile on another thread would hold glibc's malloc locks
    /// until the monitor reads its event: the monitor's init waits, so nobody can fork against a
    /// monitor that is not yet in its loop.
    func waitUntilServing() {
        while !isServing.load(ordering: .acquiring) { sched_yield() }
    }

    /// One wait and what follows it: the nudge, the pending events, the idle hook.
    private func turn() throws(ODPKitError) {
        do throws(Errno) {
            _ = try system_poll(pollSet, timeout: timeoutMilliseconds)
        } catch {
            throw ODPKitError.call("poll", errno: error, reason: "the userfaultfd monitor cannot wait for events")
        }
        if pollSet[0].revents != 0 {
            try deliverPendingEvents()
        }
        if pollSet[1].revents != 0 {
            wakeup.consume()
            counters.withLock { $0.wakeups += 1 }
        }
        if isStopRequested { return }
        counters.withLock { $0.idleTurns += 1 }
        onIdle?(fd)
    }

    /// Reads events until none is pending and hands each, in order, to the handler. Decodes into
    /// `events`, allocated beforehand: nothing here allocates (but the descriptor of a fork event).
    private func deliverPendingEvents() throws(ODPKitError) {
        while !isStopRequested {
            // Odd while a read's events are not counted yet: the kernel releases a munmap/madvise caller
            // inside the read, and `UserFaultMonitor.eventsRead` must not miss its event.
            readPhase.add(1, ordering: .sequentiallyConsistent)
            let count: Int
            do throws(ODPKitError) {
                if injectedReadFailure.load(ordering: .relaxed) != 0 {
                    let injected = injectedReadFailure.exchange(0, ordering: .relaxed)
                    throw ODPKitError.call("read", errno: Errno(rawValue: injected), reason: "reading userfaultfd events failed (a failure injected by a test)")
                }
                count = try UserFaultEvent.decode(messages, count: fd.readMessages(into: messages), into: events)
            } catch {
                readPhase.add(1, ordering: .releasing)
                throw error
            }
            let read = UnsafeMutableBufferPointer(rebasing: events[..<count])
            defer { read.deinitialize() }
            if count > 0 {
                counters.withLock { counters in
                    for event in read { counters.count(event) }
                }
            }
            readPhase.add(1, ordering: .releasing)
            if count == 0 { return }
            for event in read {
                handler(event, fd)
            }
        }
    }

    private var isStopRequested: Bool { stopRequested.load(ordering: .acquiring) }

    /// Asks the thread to leave its loop after the event it is handling.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        nudge()
    }

    /// Makes the thread's wait return: it then reads what is pending and calls `onIdle`.
    func nudge() {
        wakeup.signal()
    }

    /// Closes the eventfd and the userfaultfd; only once the thread has left its loop.
    func closeDescriptors() {
        wakeup.close()
        try? fd.close()
    }
}
