import Synchronization
import Testing
import ODPKitSystem
@testable import UserFault

#if canImport(Glibc)
import Glibc
#endif

extension UserFaultTests {
    @Suite("answering faults: zero pages, copies, EEXIST, EAGAIN, write protection")
    struct ResolutionTests {
        @Test func aFaultingReaderGetsZerosFromZeroPage() throws {
            let mapping = try Mapping(pages: 1)
            let fd = try openHandshaken([])
            try fd.register(mapping.range, mode: .missing)
            let results = Mutex<[UserFaultFD.ResolveResult]>([])
            let monitor = try UserFaultMonitor(fd: fd) { event, fd in
                guard case let .pageFault(address, _, _, _, _) = event,
                      let result = try? fd.zeroPage(.page(containing: address)) else { return }
                results.withLock { $0.append(result) }
            }
            defer {
                try? monitor.shutdown()
                mapping.unmap()
            }
            let reader = try Worker { Int(readByte(mapping.start + 1234)) }
            #expect(reader.wait() == 0)
            // The ioctl wakes the reader before the handler records its result: wait for the handler.
            #expect(eventually { !results.withLock { $0 }.isEmpty })
            #expect(results.withLock { $0 } == [.resolved(bytes: page)])
            let counters = monitor.counters
            #expect(counters.pageFaults == 1)
            #expect(counters.resolves == ResolveTally(resolved: 1, exists: 0, retries: 0))
        }

        @Test func aFaultingReaderSeesTheCopiedBytes() throws {
            let mapping = try Mapping(pages: 2)
            let fd = try openHandshaken([])
            try fd.register(mapping.range, mode: .missing)
            let source = UnsafeMutableRawBufferPointer.allocate(byteCount: page, alignment: page)
            defer { source.deallocate() }
            for index in 0..<page { source[index] = UInt8(truncatingIfNeeded: index * 7 + 3) }
            let pattern = UInt(bitPattern: source.baseAddress)
            let monitor = try UserFaultMonitor(fd: fd) { event, fd in
                guard case let .pageFault(address, _, _, _, _) = event else { return }
                _ = try? fd.copy(from: UnsafeRawPointer(bitPattern: pattern)!, to: .page(containing: address))
            }
            defer {
                try? monitor.shutdown()
                mapping.unmap()
            }
            let reader = try Worker { Int(readByte(mapping.address(page: 1) + 100)) }
            #expect(reader.wait() == Int(source[100]))
            let copied = UnsafeRawBufferPointer(start: mapping.pointer(page: 1), count: page)
            #expect(copied.elementsEqual(source), "the whole page is the copy")
            #expect(eventually { monitor.counters.resolves.resolved == 1 }, "the tally is recorded after the ioctl woke the reader")
        }

        /// Without a monitor: the test thread resolves pages nobody waits for.
        @Test func aPresentPageIsExistsAndAPartlyPresentRangeIsRetry() throws {
            let mapping = try Mapping(pages: 3)
            defer { mapping.unmap() }
            let fd = try openHandshaken([])
            defer { try? fd.close() }
            try fd.register(mapping.range, mode: .missing)
            let source = UnsafeMutableRawBufferPointer.allocate(byteCount: 3 * page, alignment: page)
            defer { source.deallocate() }
            source.initializeMemory(as: UInt8.self, repeating: 0xC3)
            let bytes = UnsafeRawPointer(source.baseAddress!)

            #expect(try fd.zeroPage(mapping.range(pages: 1..<2)) == .resolved(bytes: page))
            #expect(try fd.zeroPage(mapping.range(pages: 1..<2)) == .exists)
            #expect(try fd.copy(from: bytes, to: mapping.range(pages: 1..<2)) == .exists)
            // Page 0 is copied, then page 1 exists: the kernel reports the part done and EAGAIN.
            #expect(try fd.copy(from: bytes, to: mapping.range(pages: 0..<3)) == .retry(completedBytes: page))
            #expect(mapping.pointer(page: 0).load(fromByteOffset: 5, as: UInt8.self) == 0xC3)
            #expect(mapping.pointer(page: 1).load(fromByteOffset: 5, as: UInt8.self) == 0, "the old page stayed")
            #expect(fd.resolveTally == ResolveTally(resolved: 1, exists: 2, retries: 1))
        }

        /// While a remove event is queued and unread, the mm is "changing": resolving fails with EAGAIN
        /// until the event is read (and the madvise caller, woken, has finished).
        @Test func resolvingWaitsForPendingEventsToBeRead() throws {
            let mapping = try Mapping(pages: 2)
            defer { mapping.unmap() }
            let fd = try openHandshaken([.eventRemove])
            defer { try? fd.close() }
            try fd.register(mapping.range, mode: .missing)

            let advisor = try Worker { Int(madvise(mapping.pointer(page: 1), page, MADV_DONTNEED)) }
            try #require(hasPendingMessage(fd))
            #expect(!advisor.isFinished, "madvise waits until its event is read")
            #expect(try fd.zeroPage(mapping.range(pages: 0..<1)) == .retry(completedBytes: 0))

            let events = try fd.readEvents()
            guard case let .remove(start, end) = events.first, events.count == 1 else {
                Issue.record("expected one remove event, got \(events)")
                return
            }
            #expect(start == mapping.address(page: 1) && end == mapping.address(page: 2))
            #expect(advisor.wait() == 0)
            var retries = 0
            var result = try fd.zeroPage(mapping.range(pages: 0..<1))
            while result == .retry(completedBytes: 0), retries < 1000 {
                retries += 1
                usleep(100)
                result = try fd.zeroPage(mapping.range(pages: 0..<1))
            }
            #expect(result == .resolved(bytes: page))
            print("zeroPage after the remove event was read and madvise returned: \(retries) more EAGAIN")
        }

        @Test func aWriteToAWriteProtectedPageWaitsUntilTheMonitorLiftsIt() throws {
            let mapping = try Mapping(pages: 1)
            let fd = try openHandshaken([.pagefaultFlagWP])
            let ioctls = try fd.register(mapping.range, mode: [.missing, .writeProtect])
            try #require(ioctls.contains(.writeProtect), "\(ioctls)")
            let source = UnsafeMutableRawBufferPointer.allocate(byteCount: page, alignment: page)
            defer { source.deallocate() }
            source.initializeMemory(as: UInt8.self, repeating: 0x11)
            #expect(try fd.copy(from: UnsafeRawPointer(source.baseAddress!), to: mapping.range) == .resolved(bytes: page))
            try fd.writeProtect(mapping.range, enabled: true)

            let log = EventLog()
            let monitor = try UserFaultMonitor(fd: fd) { event, fd in
                log.append(event)
                if case let .pageFault(address, true, true, _, _) = event {
                    try? fd.writeProtect(.page(containing: address), enabled: false)
                }
            }
            defer {
                try? monitor.shutdown()
                mapping.unmap()
            }
            #expect(readByte(mapping.start + 3) == 0x11, "reading a write-protected page does not fault")
            let writer = try Worker {
                mapping.base.storeBytes(of: 0x22, toByteOffset: 3, as: UInt8.self)
                return 0
            }
            #expect(writer.wait() == 0)
            #expect(readByte(mapping.start + 3) == 0x22)
            let events = log.all
            guard case let .pageFault(address, write, writeProtect, _, _) = events.first, events.count == 1 else {
                Issue.record("expected one write-protect fault, got \(events)")
                return
            }
            #expect(address == mapping.start && write && writeProtect)
        }
    }
}
