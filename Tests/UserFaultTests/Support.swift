import CODPKitLinux
import Synchronization
import Testing
import ODPKitSystem
@testable import UserFault

#if canImport(Glibc)
import Glibc
#endif

/// Every userfaultfd test, one at a time: they fork, install a signal handler and count on being the
/// only ones whose descriptors a fork copies.
@Suite("userfaultfd (host)", .serialized, .timeLimit(.minutes(1)))
struct UserFaultTests {}

let page = pageSize

/// A private anonymous mapping a test owns; `unmap()` it explicitly, after its monitor is shut down.
/// Its threads share it on purpose: that is what the tests are about.
struct Mapping: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let pages: Int

    init(pages: Int, protection: Int32 = PROT_READ | PROT_WRITE) throws {
        let address = mmap(nil, pages * page, protection, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let address, address != MAP_FAILED else { throw Failure("mmap: errno \(errno)") }
        base = address
        self.pages = pages
    }

    var start: UInt { UInt(bitPattern: base) }
    var range: AddressRange { AddressRange(address: base, length: pages * page) }
    func range(pages: Range<Int>) -> AddressRange { AddressRange(start: address(page: pages.lowerBound), length: pages.count * page) }
    func address(page index: Int) -> UInt { start + UInt(index * page) }
    func pointer(page index: Int) -> UnsafeMutableRawPointer { base + index * page }

    func unmap() {
        munmap(base, pages * page)
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A thread a test starts to fault, munmap or madvise where the test thread cannot (it would wait on
/// itself); the test waits for it with a deadline, so a hang fails the test instead of the run.
final class Worker: Sendable {
    private let finished = Atomic(false)
    private let result = Mutex<Int>(0)

    init(_ body: @escaping @Sendable () -> Int) throws {
        let thread = try system_pthreadCreateBlockingSignals { [self] in
            let value = body()
            result.withLock { $0 = value }
            finished.store(true, ordering: .releasing)
        }
        pthread_detach(thread)
    }

    var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// The body's result once it returned within `timeout`, else nil.
    func wait(timeout: Duration = .seconds(20)) -> Int? {
        eventually(timeout: timeout) { isFinished } ? result.withLock { $0 } : nil
    }
}

/// Polls `condition` every millisecond until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(20), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        usleep(1000)
    }
    return true
}

/// Whether `fd` has a message waiting (the kernel queued a fault or event), within `timeout`.
func hasPendingMessage(_ fd: UserFaultFD, timeout: Duration = .seconds(20)) -> Bool {
    eventually(timeout: timeout) {
        var descriptor = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 1 && descriptor.revents & Int16(POLLIN) != 0
    }
}

/// The calling thread's ID, from /proc/thread-self (a link to PID/task/TID).
func currentThreadID() -> UInt32 {
    var buffer = [CChar](repeating: 0, count: 64)
    let count = readlink("/proc/thread-self", &buffer, buffer.count - 1)
    guard count > 0 else { return 0 }
    let link = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return UInt32(link.split(separator: "/").last ?? "") ?? 0
}

/// Reads the byte at `address`; the access faults when the page is missing or protected.
func readByte(_ address: UInt) -> UInt8 {
    UnsafeRawPointer(bitPattern: address)!.load(as: UInt8.self)
}

/// The events a monitor's handler saw, in order.
final class EventLog: Sendable {
    private let events = Mutex<[UserFaultEvent]>([])

    func append(_ event: UserFaultEvent) { events.withLock { $0.append(event) } }
    var all: [UserFaultEvent] { events.withLock { $0 } }

    /// The events once `count` of them arrived within `timeout`.
    func wait(for count: Int, timeout: Duration = .seconds(20)) -> [UserFaultEvent] {
        _ = eventually(timeout: timeout) { all.count >= count }
        return all
    }
}

/// A userfaultfd with its handshake done, asking for `features`.
func openHandshaken(_ features: UserFaultFD.Features) throws -> UserFaultFD {
    let fd = try UserFaultFD()
    let handshake = try fd.handshake(requesting: features)
    try #require(handshake.granted.isSuperset(of: features.subtracting(.eventFork)), "\(handshake)")
    return fd
}

/// Answers a missing-page fault with zeros. When the page is already there (EEXIST) or the kernel
/// asks to retry (an address-space event is unread, or its madvise/munmap caller has not finished),
/// it wakes the faulting thread: the thread retries its access, and faults again if the page is
/// still missing, which brings a new event and a new try.
func answerWithZeros(_ event: UserFaultEvent, _ fd: UserFaultFD) {
    guard case let .pageFault(address, _, _, _, _) = event else { return }
    switch try? fd.zeroPage(.page(containing: address)) {
    case .resolved, nil: break
    case .exists, .retry: try? fd.wake(.page(containing: address))
    }
}

/// A forked child that holds still until `release()`, with a copy of every descriptor of the process
/// (a userfaultfd's too: close-on-exec drops it only at exec). The child runs C code alone
/// (`odpkit_fork_copying`): the process is multithreaded, so it allocates nothing and takes no lock.
final class HeldChild {
    let pid: pid_t
    /// The pipe's write end; closing it releases the child.
    private var releaseEnd: Int32 = -1

    init() throws {
        var end: Int32 = -1
        let pid = odpkit_fork_copying(nil, nil, 0, page, &end)
        guard pid > 0 else { throw Failure("fork: errno \(errno)") }
        self.pid = pid
        releaseEnd = end
    }

    deinit {
        release()
    }

    /// Lets the child exit and reaps it within 10 s, else kills it; a second call does nothing.
    func release() {
        guard releaseEnd >= 0 else { return }
        close(releaseEnd)
        releaseEnd = -1
        var status: Int32 = 0
        if !eventually(timeout: .seconds(10), { waitpid(pid, &status, WNOHANG) == pid }) {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
            Issue.record("the forked child \(pid) did not exit within 10 s of its release; killed it")
        }
    }
}
