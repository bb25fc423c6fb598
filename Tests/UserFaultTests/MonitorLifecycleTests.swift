import Synchronization
import Testing
import ODPKitSystem
@testable import UserFault

#if canImport(Glibc)
import Glibc
#endif

/// SIGUSR1 deliveries on the monitor thread, counted by the no-op handler of the signal storm.
private let signalsHandled = Atomic(0)

extension UserFaultTests {
    @Suite("the monitor's lifecycle: shutdown, closing, signals")
    struct MonitorLifecycleTests {
        @Test func aDescriptorWithoutHandshakeIsRefused() throws {
            let fd = try UserFaultFD()
            let error = #expect(throws: ODPKitError.self) { try UserFaultMonitor(fd: fd) { _, _ in } }
            #expect(error?.code == .invalidArgument)
            #expect(!fd.isClosed, "on failure the descriptor stays the caller's")
        }

        @Test func shutdownIsIdempotentFromManyThreadsAtOnce() throws {
            let idleTurns = Atomic(0)
            let monitor = try UserFaultMonitor(fd: try openHandshaken([]), idleInterval: .milliseconds(5)) { _, _ in
            } onIdle: { _ in
                idleTurns.add(1, ordering: .relaxed)
            }
            #expect(eventually { idleTurns.load(ordering: .relaxed) >= 2 }, "onIdle runs every idle interval")
            let turns = monitor.counters.idleTurns
            monitor.wake()
            #expect(eventually { monitor.counters.wakeups >= 1 && monitor.counters.idleTurns > turns }, "wake() makes an idle turn")

            let workers = try (0..<8).map { _ in
                try Worker {
                    try? monitor.shutdown()
                    return monitor.fd.isClosed ? 1 : 0
                }
            }
            try? monitor.shutdown()
            #expect(monitor.fd.isClosed)
            #expect(workers.map { $0.wait() } == Array(repeating: 1, count: 8), "every caller returns after the thread is joined")
            try? monitor.shutdown()
            monitor.wake()
            #expect(monitor.failure == nil)
        }

        /// What the kernel does when the last copy of a userfaultfd closes with a thread waiting on a
        /// fault it reported: the range is unregistered and the thread woken; its fault is then served
        /// as if the range had never been registered (a zero page, for anonymous memory).
        @Test func closingTheDescriptorWakesAFaultingThread() throws {
            let mapping = try Mapping(pages: 1)
            defer { mapping.unmap() }
            let fd = try openHandshaken([])
            try fd.register(mapping.range, mode: .missing)
            let reader = try Worker { Int(readByte(mapping.start + 10)) }
            try #require(hasPendingMessage(fd))
            let events = try fd.readEvents()
            #expect(events.count == 1)
            usleep(50_000)
            #expect(!reader.isFinished, "the fault waits for an answer")
            try fd.close()
            #expect(reader.wait() == 0)
        }

        /// The handler takes the last reference to its monitor: the thread cannot join itself, so it
        /// detaches and closes the descriptors on its way out, which wakes the fault it left unanswered.
        @Test func droppedByItsOwnHandlerItClosesOnItsWayOut() throws {
            let mapping = try Mapping(pages: 1)
            defer { mapping.unmap() }
            let fd = try openHandshaken([])
            try fd.register(mapping.range, mode: .missing)
            let holder = Mutex<UserFaultMonitor?>(nil)
            do {
                let monitor = try UserFaultMonitor(fd: fd) { _, _ in
                    // The monitor taken out of the holder is released when this closure returns.
                    _ = holder.withLock { held in
                        defer { held = nil }
                        return held
                    }
                }
                holder.withLock { $0 = monitor }
            }
            let reader = try Worker { Int(readByte(mapping.start)) }
            #expect(reader.wait() == 0)
            #expect(eventually { fd.isClosed })
            #expect(holder.withLock { $0 } == nil)
        }

        /// A monitor stuck in its handler, a fault and a madvise queued behind it, a fault already read
        /// and never answered: shutdown() still returns, and every one of those threads finishes.
        @Test func shutdownWithEventsInFlight() throws {
            let mapping = try Mapping(pages: 4)
            let fd = try openHandshaken(UserFaultFD.Features.addressSpaceEvents)
            try fd.register(mapping.range, mode: .missing)
            let entered = Atomic(false)
            let monitor = try UserFaultMonitor(fd: fd) { event, _ in
                guard case .pageFault = event, !entered.exchange(true, ordering: .acquiringAndReleasing) else { return }
                usleep(300_000) // busy with the first fault, which it never answers
            }
            defer { mapping.unmap() }

            let firstFault = try Worker { Int(readByte(mapping.address(page: 0))) }
            #expect(eventually { entered.load(ordering: .acquiring) })
            let advisor = try Worker { Int(madvise(mapping.pointer(page: 2), 2 * page, MADV_DONTNEED)) }
            let secondFault = try Worker { Int(readByte(mapping.address(page: 1) + 1)) }
            usleep(50_000)

            let clock = ContinuousClock()
            let started = clock.now
            let stopper = try Worker {
                try? monitor.shutdown()
                return 0
            }
            #expect(stopper.wait(timeout: .seconds(10)) == 0, "shutdown() returned")
            let took = clock.now - started
            #expect(firstFault.wait(timeout: .seconds(10)) == 0)
            #expect(secondFault.wait(timeout: .seconds(10)) == 0)
            #expect(advisor.wait(timeout: .seconds(10)) == 0)
            print("shutdown with events in flight took \(took); counters \(monitor.counters)")
        }

        /// 10,000 SIGUSR1s aimed at the monitor thread (which unblocks SIGUSR1 for itself from its
        /// handler, so its poll and read really are interrupted) while faults and removes flow: the
        /// thread survives, and every event arrives.
        @Test func aSignalStormNeitherKillsTheMonitorNorLosesEvents() throws {
            _ = signalsHandled.load(ordering: .relaxed) // initialise the global outside the handler
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in signalsHandled.add(1, ordering: .relaxed) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0 // no SA_RESTART: interrupted calls fail with EINTR
            var previous = sigaction()
            try #require(sigaction(SIGUSR1, &action, &previous) == 0)
            defer { sigaction(SIGUSR1, &previous, nil) }

            let faultPages = 200, removes = 100
            let mapping = try Mapping(pages: faultPages + 2)
            let fd = try openHandshaken(UserFaultFD.Features.addressSpaceEvents)
            try fd.register(mapping.range, mode: .missing)
            let monitorThread = Atomic<UInt>(0)
            let monitor = try UserFaultMonitor(fd: fd) { event, fd in
                if monitorThread.load(ordering: .acquiring) == 0 {
                    var usr1 = sigset_t()
                    sigemptyset(&usr1)
                    sigaddset(&usr1, SIGUSR1)
                    pthread_sigmask(SIG_UNBLOCK, &usr1, nil)
                    monitorThread.store(UInt(pthread_self()), ordering: .releasing)
                }
                answerWithZeros(event, fd)
            }
            defer {
                try? monitor.shutdown()
                mapping.unmap()
            }
            // The first fault tells the test which thread to aim at.
            #expect(try Worker { Int(readByte(mapping.address(page: 0))) }.wait() == 0)
            let target = pthread_t(monitorThread.load(ordering: .acquiring))
            try #require(target != 0)

            let storm = try Worker {
                var failures = 0
                for round in 0..<10_000 {
                    if pthread_kill(target, SIGUSR1) != 0 { failures += 1 }
                    if round % 8 == 0 { sched_yield() }
                }
                return failures
            }
            let faulter = try Worker {
                (1...faultPages).reduce(0) { sum, index in sum + Int(readByte(mapping.address(page: index) + 5)) }
            }
            var adviceFailures = 0
            for index in 0..<removes {
                let target = mapping.pointer(page: 1 + index % faultPages)
                if madvise(target, page, MADV_DONTNEED) != 0 { adviceFailures += 1 }
            }
            #expect(storm.wait(timeout: .seconds(40)) == 0, "every pthread_kill was delivered")
            #expect(faulter.wait(timeout: .seconds(40)) == 0, "every faulting read got zeros")
            #expect(adviceFailures == 0)

            #expect(monitor.failure == nil)
            #expect(signalsHandled.load(ordering: .relaxed) > 0, "the signals reached the monitor thread")
            // A resolve wakes its reader inside the ioctl, before the monitor tallies it: the last
            // resolve may be counted a moment after the reader finished.
            _ = eventually(timeout: .seconds(5)) { monitor.counters.resolves.resolved >= faultPages + 1 }
            // And madvise returns inside the monitor's read, before that read's events are counted:
            // eventsRead waits until they are.
            _ = monitor.eventsRead
            let counters = monitor.counters
            #expect(counters.removes == removes)
            #expect(counters.pageFaults >= faultPages + 1, "one fault per page at least (a retried fault comes again)")
            // A page can be mapped twice: a remove may drop it before its woken reader got to it.
            #expect(counters.resolves.resolved >= faultPages + 1, "\(counters.resolves)")
            // Still alive after the storm: the last page, untouched so far, is answered.
            #expect(try Worker { Int(readByte(mapping.address(page: faultPages + 1) + 1)) }.wait() == 0)
            #expect(eventually(timeout: .seconds(5)) { monitor.counters.resolves.resolved == counters.resolves.resolved + 1 }, "\(monitor.counters.resolves)")
            print("signal storm: \(signalsHandled.load(ordering: .relaxed)) SIGUSR1 handled on the monitor thread; \(monitor.counters)")
        }
    }
}
