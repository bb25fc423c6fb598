import Testing
import ODPKitSystem
@testable import UserFault

#if canImport(Glibc)
import Glibc
#endif

extension UserFaultTests {
    /// A monitor unregisters the ranges it watches when it stops or its thread fails, so that nothing a
    /// munmap, madvise or fault there does waits for a read that never comes.
    @Suite("watched ranges: unregistered when the monitor stops or fails")
    struct WatchedRangeTests {
        /// A forked child holds a copy of the userfaultfd, which keeps the descriptor's context alive
        /// after shutdown() closes the monitor's copy: a range still registered there would make the
        /// parent's next munmap wait for a read that only the child's exit ends.
        @Test func aForkedChildHoldsNoWatchedRangeAfterShutdown() throws {
            let mapping = try Mapping(pages: 4)
            let fd = try openHandshaken([.eventUnmap, .eventRemove])
            try fd.register(mapping.range, mode: .missing)
            let monitor = try UserFaultMonitor(fd: fd, watching: [mapping.range]) { event, fd in answerWithZeros(event, fd) }
            let child = try HeldChild()
            defer { child.release() }
            try monitor.shutdown()

            let clock = ContinuousClock()
            let started = clock.now
            let unmapper = try Worker { Int(munmap(mapping.base, mapping.pages * page)) }
            guard let result = unmapper.wait(timeout: .seconds(2)) else {
                child.release()
                let late = unmapper.wait(timeout: .seconds(10)).map { _ in "after \(clock.now - started), once the child was released" } ?? "not even 10 s after the child was released"
                Issue.record("munmap of the watched range did not return within 2 s of shutdown() while a forked child held a copy of the userfaultfd; it returned \(late)")
                return
            }
            #expect(result == 0)
            #expect(monitor.fd.isClosed)
        }

        /// The monitor's read fails while a madvise waits for it: the thread unregisters the watched
        /// range, reads the queued event (which releases madvise), and stops; a later fault there is
        /// the kernel's own (a zero page), not an event for the dead monitor.
        @Test func aFailedReadUnregistersTheWatchedRangeAndReleasesItsCaller() throws {
            let mapping = try Mapping(pages: 4)
            let fd = try openHandshaken([.eventRemove, .eventUnmap])
            try fd.register(mapping.range, mode: .missing)
            let monitor = try UserFaultMonitor(fd: fd, watching: [mapping.range]) { event, fd in answerWithZeros(event, fd) }
            defer {
                try? monitor.shutdown()
                mapping.unmap()
            }
            mapping.base.storeBytes(of: 0x5A, as: UInt8.self)
            monitor.failNextRead(with: .badAddress)

            let advisor = try Worker { Int(madvise(mapping.base, page, MADV_DONTNEED)) }
            guard let advised = advisor.wait(timeout: .seconds(5)) else {
                try? monitor.shutdown() // closing the descriptor releases it
                _ = advisor.wait(timeout: .seconds(10))
                Issue.record("madvise(MADV_DONTNEED) of the watched range did not return within 5 s of the monitor's failed read: it waited for a read the dead monitor never made (failure: \(String(describing: monitor.failure)))")
                return
            }
            #expect(advised == 0)
            let failure = try #require(monitor.failure)
            #expect(failure.function == "read" && failure.errno == .badAddress, "\(failure)")

            // eventsRead, not counters.events: madvise returns inside the monitor's last read, before
            // that read's event is counted.
            let events = monitor.eventsRead
            let reader = try Worker { Int(readByte(mapping.address(page: 3))) }
            #expect(reader.wait(timeout: .seconds(5)) == 0, "a fault on the watched range waited for the dead monitor")
            #expect(monitor.eventsRead == events, "the dead monitor was sent an event: \(monitor.counters)")
        }

        /// UFFDIO_UNREGISTER refuses a range with a private file mapping in it (EINVAL) and unregisters
        /// nothing; unregisterMappings then takes each mapping alone and skips the file's.
        @Test func unregisterMappingsSkipsAMappingThatIsNotRegistered() throws {
            let mapping = try Mapping(pages: 4)
            defer { mapping.unmap() }
            let fd = try openHandshaken([])
            defer { try? fd.close() }
            try fd.register(mapping.range, mode: .missing)

            let name = "/var/tmp/odpkit-unregister-\(getpid())"
            let file = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            try #require(file >= 0, "open \(name): errno \(errno)")
            defer {
                close(file)
                unlink(name) // not before: 9p refuses ftruncate on an unlinked file
            }
            try #require(ftruncate(file, off_t(page)) == 0, "ftruncate \(name): errno \(errno)")
            let placed = mmap(mapping.pointer(page: 2), page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, file, 0)
            try #require(placed == mapping.pointer(page: 2), "mmap of \(name) over page 2: errno \(errno)")

            let refused = #expect(throws: ODPKitError.self) { try fd.unregister(mapping.range) }
            #expect(refused?.errno == .invalidArgument, "\(String(describing: refused))")
            try fd.unregisterMappings(in: mapping.range)
            // Unregistered: faults on pages 0, 1 and 3 are the kernel's own (nobody reads this descriptor).
            let reader = try Worker { Int(readByte(mapping.address(page: 0))) + Int(readByte(mapping.address(page: 3))) }
            #expect(reader.wait(timeout: .seconds(5)) == 0, "a fault on the range waited for a read: the range is still registered")
        }
    }
}
