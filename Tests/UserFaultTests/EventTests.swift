import CODPKitLinux
import Testing
import TestSupport
import ODPKitSystem
@testable import UserFault

#if canImport(Glibc)
import Glibc
#endif

extension UserFaultTests {
    /// Each event kind, caused for real on a registered range and decoded by a running monitor.
    /// munmap, madvise, mremap and fork wait until the monitor reads their event, so a hang here
    /// would mean the monitor missed it.
    @Suite("events decoded from the kernel's messages")
    struct EventTests {
        /// A monitor that logs every event and answers faults with zeros, on a registered mapping.
        struct Watched {
            let mapping: Mapping
            let monitor: UserFaultMonitor
            let log = EventLog()

            /// eventFork only where a test forks: any fork in the process would wait for this monitor.
            init(pages: Int, features: UserFaultFD.Features = [.eventRemap, .eventRemove, .eventUnmap, .threadID]) throws {
                mapping = try Mapping(pages: pages)
                let fd = try openHandshaken(features)
                try fd.register(mapping.range, mode: .missing)
                monitor = try UserFaultMonitor(fd: fd) { [log] event, fd in
                    log.append(event)
                    answerWithZeros(event, fd)
                }
            }

            /// Shuts the monitor down (closing the userfaultfd unregisters the range), then unmaps the
            /// `pages` still this test's (unmapping more could hit another test's new mapping).
            func finish(unmapping pages: Range<Int>? = nil) {
                try? monitor.shutdown()
                #expect(monitor.failure == nil)
                let pages = pages ?? 0..<mapping.pages
                if !pages.isEmpty { munmap(mapping.pointer(page: pages.lowerBound), pages.count * page) }
            }
        }

        @Test func madviseDontNeedIsARemove() throws {
            let watched = try Watched(pages: 4)
            defer { watched.finish() }
            #expect(madvise(watched.mapping.pointer(page: 1), 2 * page, MADV_DONTNEED) == 0)
            let events = watched.log.wait(for: 1)
            #expect(events.count == 1)
            guard case let .remove(start, end) = events.first else {
                Issue.record("expected a remove event, got \(events)")
                return
            }
            #expect(start == watched.mapping.address(page: 1))
            #expect(end == watched.mapping.address(page: 3))
            #expect(watched.monitor.counters.removes == 1)
        }

        /// The kernel releases a madvise caller inside the monitor's read; `eventsRead` must count that
        /// event as soon as madvise returns, even before the monitor has handled it (here it never does
        /// quickly: the handler sleeps).
        @Test func eventsReadCountsAnEventOnceTheCallReturns() throws {
            let mapping = try Mapping(pages: 2)
            let fd = try openHandshaken([.eventRemove])
            try fd.register(mapping.range, mode: .missing)
            let monitor = try UserFaultMonitor(fd: fd) { _, _ in usleep(2_000) }
            defer { try? monitor.shutdown(); mapping.unmap() }
            for round in 1...200 {
                #expect(madvise(mapping.pointer(page: round % 2), page, MADV_DONTNEED) == 0)
                let read = monitor.eventsRead
                #expect(read == round, "madvise returned but eventsRead says \(read), not \(round)")
                if read != round { return }
            }
        }

        @Test func munmapIsAnUnmap() throws {
            let watched = try Watched(pages: 3)
            defer { watched.finish(unmapping: 0..<2) }
            #expect(munmap(watched.mapping.pointer(page: 2), page) == 0)
            let events = watched.log.wait(for: 1)
            guard case let .unmap(start, end) = events.first, events.count == 1 else {
                Issue.record("expected one unmap event, got \(events)")
                return
            }
            #expect(start == watched.mapping.address(page: 2))
            #expect(end == watched.mapping.address(page: 3))
            #expect(watched.monitor.counters.unmaps == 1)
        }

        @Test func mremapIsARemapAndTheRangeStaysRegisteredAtItsNewPlace() throws {
            let watched = try Watched(pages: 2)
            defer { watched.finish(unmapping: 0..<0) }
            // A place to move to: reserved, not registered.
            let destination = try Mapping(pages: 2, protection: PROT_NONE)
            let moved = odpkit_mremap_fixed(watched.mapping.base, 2 * page, destination.base)
            #expect(moved == destination.base)

            // The move is reported, then (with eventUnmap) the unmapping of the old place.
            let events = watched.log.wait(for: 2)
            guard events.count == 2, case let .remap(from, to, length) = events[0], case let .unmap(start, end) = events[1] else {
                Issue.record("expected a remap and an unmap event, got \(events)")
                destination.unmap()
                return
            }
            #expect(from == watched.mapping.start)
            #expect(to == destination.start)
            #expect(length == 2 * page)
            #expect(start == from && end == from + UInt(length))

            // The registration moved with the mapping: a fault there reaches the monitor, as does the munmap.
            let worker = try Worker { Int(readByte(destination.address(page: 1) + 7)) }
            #expect(worker.wait() == 0)
            destination.unmap()
            let after = watched.log.wait(for: 4)
            #expect(after.count == 4, "\(after)")
            if case let .pageFault(address, _, _, _, _) = after.dropFirst(2).first {
                #expect(address == destination.address(page: 1))
            } else {
                Issue.record("expected a page fault at the new place, got \(after)")
            }
            if case let .unmap(start, end) = after.last {
                #expect(start == destination.start && end == destination.start + UInt(2 * page))
            } else {
                Issue.record("expected an unmap of the new place, got \(after)")
            }
        }

        /// The child only `_exit`s: after fork a multithreaded process may call only async-signal-safe
        /// functions in the child. fork() returns in the parent once the monitor read the event.
        ///
        /// Not under ThreadSanitizer: its fork() interceptor locks every thread's slot until the real
        /// fork returns, and the monitor thread cannot reach its read without its slot, while the kernel
        /// holds fork until that read (a hang of the sanitizer's making; see docs/sanitizers.md).
        @Test(.disabled(if: Sanitizer.thread, "ThreadSanitizer's fork() holds every thread's slot lock, which the monitor needs to read the fork event fork() waits for"))
        func forkHandsOverTheChildsDescriptor() throws {
            let watched = try Watched(pages: 1, features: UserFaultFD.Features.addressSpaceEvents)
            defer { watched.finish() }
            let child = fork()
            if child == 0 { _exit(0) }
            try #require(child > 0, "fork: errno \(errno)")
            var status: Int32 = 0
            #expect(waitpid(child, &status, 0) == child)
            #expect(status == 0)

            let events = watched.log.wait(for: 1)
            guard case let .fork(childFD) = events.first, events.count == 1 else {
                Issue.record("expected one fork event, got \(events)")
                return
            }
            print("fork event: \(events[0])")
            #expect(childFD.source == .forkEvent)
            #expect(childFD.rawValue >= 0 && childFD.rawValue != watched.monitor.fd.rawValue)
            #expect(fcntl(childFD.rawValue, F_GETFL) & O_NONBLOCK != 0, "the child's descriptor has the parent's flags")
            #expect(fcntl(childFD.rawValue, F_GETFD) & FD_CLOEXEC != 0)
            #expect(try childFD.readEvents().isEmpty, "the child exited without touching the range")
            let handshake = #expect(throws: ODPKitError.self) { try childFD.handshake(requesting: []) }
            #expect(handshake?.errno == .invalidArgument, "it carries the parent's handshake")
            try childFD.close()
            #expect(watched.monitor.counters.forks == 1)
        }

        @Test func pageFaultsSayWhoAndHow() throws {
            let watched = try Watched(pages: 2)
            defer { watched.finish() }
            let reader = try Worker {
                let thread = currentThreadID()
                return readByte(watched.mapping.address(page: 0) + 100) == 0 ? Int(thread) : -1
            }
            let readerThread = try #require(reader.wait())
            let writer = try Worker {
                watched.mapping.pointer(page: 1).storeBytes(of: 0x5A, toByteOffset: 9, as: UInt8.self)
                return Int(currentThreadID())
            }
            let writerThread = try #require(writer.wait())
            #expect(watched.mapping.pointer(page: 1).load(fromByteOffset: 9, as: UInt8.self) == 0x5A)

            let events = watched.log.wait(for: 2)
            try #require(events.count == 2, "\(events)")
            guard case let .pageFault(address, write, writeProtect, minor, thread) = events[0],
                  case let .pageFault(address2, write2, _, _, thread2) = events[1] else {
                Issue.record("expected two page faults, got \(events)")
                return
            }
            #expect(address == watched.mapping.address(page: 0), "page-aligned without exactAddress")
            #expect(!write && !writeProtect && !minor)
            #expect(thread == UInt32(readerThread))
            #expect(address2 == watched.mapping.address(page: 1))
            #expect(write2)
            #expect(thread2 == UInt32(writerThread))
            #expect(watched.monitor.counters.pageFaults == 2)
        }
    }
}
