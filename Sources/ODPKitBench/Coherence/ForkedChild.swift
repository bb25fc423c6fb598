import CODPKitLinux
import ODPKit
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A child process forked by a coherence scenario: it writes bytes into its copy of a range, or
/// holds still until released, and exits; the parent reaps it within a bound. The child runs C code
/// alone (`odpkit_fork_copying`): the process is multithreaded, so it allocates nothing and takes no lock.
struct ForkedChild {
    /// How the child ended.
    enum Exit: Equatable {
        /// It wrote what it was given (if anything) and exited.
        case done
        /// A page of the range is not mapped in the child (`MADV_DONTFORK`): it wrote nothing.
        case rangeUnmapped
    }

    /// How long the parent waits for the child to exit.
    static let timeout = Duration.seconds(5)

    let pid: pid_t
    /// The pipe's write end while the child holds: closing it releases the child.
    private var release: Int32

    /// Forks a child that copies `bytes` (if any) to `destination`, its copy of the parent's memory,
    /// and exits at once, or, when `holds`, after `releaseAndWait()`.
    ///
    /// The corresponding C functions are `pipe2` and `fork` (in `odpkit_fork_copying`).
    init(writing bytes: [UInt8] = [], to destination: UnsafeMutableRawPointer, holds: Bool = false) throws(ODPKitError) {
        var release: Int32 = -1
        let pid = bytes.withUnsafeBytes { source in
            holds ? odpkit_fork_copying(destination, source.baseAddress, source.count, pageSize, &release)
                  : odpkit_fork_copying(destination, source.baseAddress, source.count, pageSize, nil)
        }
        guard pid > 0 else {
            throw ODPKitError.call("fork", errno: Errno(rawValue: errno), reason: "cannot fork the child that writes the region")
        }
        self.pid = pid
        self.release = release
    }

    /// Releases a holding child and reaps it, waiting at most `timeout`; on the timeout kills it and
    /// throws `timedOut` naming what it waited for.
    ///
    /// The corresponding C functions are `close`, `waitpid` (`WNOHANG`, polled) and `kill`.
    mutating func releaseAndWait() throws(ODPKitError) -> Exit {
        if release >= 0 {
            close(release)
            release = -1
        }
        if let status = try reap(within: Self.timeout) {
            guard status & 0x7F == 0 else {
                throw ODPKitError(.system, function: "waitpid", reason: "the forked child \(pid) died of signal \(status & 0x7F)")
            }
            let code = (status >> 8) & 0xFF
            switch code {
            case 0: return .done
            case odpkit_FORKED_CHILD_UNMAPPED: return .rangeUnmapped
            default: throw ODPKitError(.system, function: "waitpid", reason: "the forked child \(pid) exited with status \(code)")
            }
        }
        kill(pid, SIGKILL)
        _ = try? reap(within: .seconds(1))
        throw ODPKitError(.timedOut, function: "waitpid",
                          reason: "the forked child \(pid) that writes the region did not exit within \(Self.timeout.components.seconds) s; killed it")
    }

    /// The child's wait status once it has exited, polling every millisecond; nil when `bound` passed first.
    private func reap(within bound: Duration) throws(ODPKitError) -> Int32? {
        let deadline = monotonicNanoseconds() + UInt64(bound.components.seconds) * 1_000_000_000
        var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return status }
            if result < 0, errno != EINTR {
                throw ODPKitError.call("waitpid", errno: Errno(rawValue: errno), reason: "cannot reap the forked child \(pid)")
            }
            if monotonicNanoseconds() >= deadline { return nil }
            nanosleep(&pause, nil)
        }
    }
}
