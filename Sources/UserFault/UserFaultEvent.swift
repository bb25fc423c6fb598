import CODPKitLinux
import SystemPackage
public import ODPKitSystem

/// One message read from a userfaultfd (`struct uffd_msg`).
///
/// Apart from page faults, each event is reported while the thread that caused it waits in the kernel
/// until the message is read (not until it is handled): munmap, madvise, mremap and fork of a
/// registered range do not return before the monitor reads their event.
public enum UserFaultEvent: Sendable, CustomStringConvertible {
    /// A thread touched a registered page (`UFFD_EVENT_PAGEFAULT`) and waits until the page is mapped,
    /// unprotected or woken. `address` is page-aligned unless the exactAddress feature was granted;
    /// `thread` is the faulting thread's ID when the threadID feature was granted.
    case pageFault(address: UInt, write: Bool, writeProtect: Bool, minor: Bool, thread: UInt32?)
    /// The process forked (`UFFD_EVENT_FORK`); `child` watches the child's copy of the registered ranges.
    case fork(child: UserFaultFD)
    /// A registered range moved (`UFFD_EVENT_REMAP`, mremap); it stays registered at its new place.
    /// With eventUnmap, an `.unmap` of the old place follows.
    case remap(from: UInt, to: UInt, length: Int)
    /// The pages of `start..<end` were dropped (`UFFD_EVENT_REMOVE`, madvise DONTNEED or REMOVE);
    /// the range stays registered and its next touches fault as missing.
    case remove(start: UInt, end: UInt)
    /// `start..<end` was unmapped (`UFFD_EVENT_UNMAP`, munmap or a mapping placed over it).
    case unmap(start: UInt, end: UInt)

    public var description: String {
        switch self {
        case let .pageFault(address, write, writeProtect, minor, thread):
            let kind = [write ? "write" : "read", writeProtect ? "write-protect" : nil, minor ? "minor" : nil]
                .compactMap { $0 }.joined(separator: " ")
            return "page fault (\(kind)) at \(hex(address))\(thread.map { " by thread \($0)" } ?? "")"
        case let .fork(child):
            return "fork, child's \(child)"
        case let .remap(from, to, length):
            return "remap of \(length) bytes from \(hex(from)) to \(hex(to))"
        case let .remove(start, end):
            return "remove \(hex(start))..<\(hex(end))"
        case let .unmap(start, end):
            return "unmap \(hex(start))..<\(hex(end))"
        }
    }

    /// Decodes one 32-byte `struct uffd_msg`; a fork message's descriptor is adopted by the event.
    static func decode(_ message: UnsafeRawBufferPointer) throws(ODPKitError) -> UserFaultEvent {
        func u64(_ offset: Int) -> UInt64 { message.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
        func u32(_ offset: Int) -> UInt32 { message.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        let event = message[odpkit_uffd_msg_event_offset]
        switch Int32(event) {
        case UFFD_EVENT_PAGEFAULT:
            let flags = u64(odpkit_uffd_msg_pagefault_flags_offset)
            let thread = u32(odpkit_uffd_msg_pagefault_ptid_offset)
            return .pageFault(address: UInt(u64(odpkit_uffd_msg_pagefault_address_offset)),
                              write: flags & UInt64(UFFD_PAGEFAULT_FLAG_WRITE) != 0,
                              writeProtect: flags & UInt64(UFFD_PAGEFAULT_FLAG_WP) != 0,
                              minor: flags & UInt64(UFFD_PAGEFAULT_FLAG_MINOR) != 0,
                              thread: thread == 0 ? nil : thread)
        case UFFD_EVENT_FORK:
            let descriptor = Int32(bitPattern: u32(odpkit_uffd_msg_fork_ufd_offset))
            return .fork(child: UserFaultFD(adopting: descriptor, source: .forkEvent, userModeOnly: false))
        case UFFD_EVENT_REMAP:
            return .remap(from: UInt(u64(odpkit_uffd_msg_remap_from_offset)), to: UInt(u64(odpkit_uffd_msg_remap_to_offset)),
                          length: Int(u64(odpkit_uffd_msg_remap_len_offset)))
        case UFFD_EVENT_REMOVE:
            return .remove(start: UInt(u64(odpkit_uffd_msg_remove_start_offset)), end: UInt(u64(odpkit_uffd_msg_remove_end_offset)))
        case UFFD_EVENT_UNMAP:
            return .unmap(start: UInt(u64(odpkit_uffd_msg_remove_start_offset)), end: UInt(u64(odpkit_uffd_msg_remove_end_offset)))
        default:
            throw ODPKitError(.unsupported, function: "read", reason: "userfaultfd message with unknown event 0x\(String(event, radix: 16)); the kernel sends only events of features that were granted")
        }
    }
}

/// `0x7f…`: an address as engineers read it.
func hex(_ address: UInt) -> String { "0x\(String(address, radix: 16))" }

extension UserFaultEvent {
    /// Decodes the first `count` messages of `buffer` into the uninitialized `events` (room for
    /// `count` at least), without allocating; returns `count`. On a failure none is left initialized.
    static func decode(_ buffer: UnsafeMutableRawBufferPointer, count: Int, into events: UnsafeMutableBufferPointer<UserFaultEvent>) throws(ODPKitError) -> Int {
        precondition(count <= events.count)
        for index in 0..<count {
            let start = index * UserFaultFD.messageSize
            do throws(ODPKitError) {
                events.initializeElement(at: index, to: try decode(UnsafeRawBufferPointer(rebasing: buffer[start..<(start + UserFaultFD.messageSize)])))
            } catch {
                UnsafeMutableBufferPointer(rebasing: events[..<index]).deinitialize()
                throw error
            }
        }
        return count
    }
}

extension UserFaultFD {
    /// The size of one `struct uffd_msg`.
    static let messageSize = odpkit_uffd_msg_size

    /// Reads up to `limit` pending events without blocking; an empty array means none is pending.
    ///
    /// The corresponding C function is `read`.
    public func readEvents(limit: Int = 16) throws(ODPKitError) -> [UserFaultEvent] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, limit) * Self.messageSize, alignment: 8)
        let events = UnsafeMutableBufferPointer<UserFaultEvent>.allocate(capacity: max(1, limit))
        defer {
            buffer.deallocate()
            events.deallocate()
        }
        let read = UnsafeMutableBufferPointer(rebasing: events[..<(try UserFaultEvent.decode(buffer, count: try readMessages(into: buffer), into: events))])
        defer { read.deinitialize() }
        return Array(read)
    }

    /// Reads as many whole pending messages as fit into `buffer`, without blocking and without
    /// allocating; returns how many (0: none pending). A fork message's descriptor is installed by
    /// this read: decode it, or it leaks.
    ///
    /// The corresponding C function is `read`.
    func readMessages(into buffer: UnsafeMutableRawBufferPointer) throws(ODPKitError) -> Int {
        let function = "read"
        let descriptor = try live(function)
        switch system_read(descriptor, buffer) {
        case .success(let bytes):
            return bytes / Self.messageSize
        case .failure(.resourceTemporarilyUnavailable):
            return 0
        case .failure(let error):
            let reason = error == .invalidArgument ? "the descriptor needs its UFFDIO_API handshake first" : "reading userfaultfd events failed"
            throw ODPKitError.call(function, errno: error, reason: reason)
        }
    }
}
