import Testing
import ODPKitSystem
@testable import UserFault

#if canImport(Glibc)
import Glibc
#endif

extension UserFaultTests {
    /// A monitor unregisters the ranges it watches when it stops, so that nothing a munmap, madvise or
    /// fault there does waits for a read that never comes.
    @Suite("watched ranges: unregistered when the monitor stops")
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
