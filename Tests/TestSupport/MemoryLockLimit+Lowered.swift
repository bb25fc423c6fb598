import CODPKitLinux
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` with `RLIMIT_MEMLOCK` lowered to `bytes` and `CAP_IPC_LOCK` dropped, on a thread of its
/// own, and restores the limit afterwards. The thread matters twice: capabilities are per thread, so the
/// threads running other suites keep `CAP_IPC_LOCK` and the lowered limit does not refuse their
/// registrations; and a thread whose credentials changed may no longer write to a verbs descriptor
/// (uverbs' `ib_safe_file_access` compares the caller's credentials with the opener's: EACCES, which on
/// rxe fails every later post), so the caller's thread must keep its own. Throws when `body` does not
/// return within `timeout`.
public func withMemoryLockLimit<Value>(_ bytes: UInt64, timeout: Duration = .seconds(60), _ body: @escaping () throws -> Value) throws -> Value {
    let resource = __rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue)
    var saved = rlimit()
    getrlimit(resource, &saved)
    var low = rlimit(rlim_cur: rlim_t(bytes), rlim_max: saved.rlim_max)
    guard setrlimit(resource, &low) == 0 else {
        throw TestSetupError("setrlimit(RLIMIT_MEMLOCK, \(bytes)): errno \(errno)")
    }
    defer { setrlimit(resource, &saved) }
    let outcome = LoweredLimitOutcome(body)
    let thread = Thread {
        if odpkit_thread_has_effective_capability(odpkit_CAP_IPC_LOCK) == 1,
           odpkit_thread_set_effective_capability(odpkit_CAP_IPC_LOCK, false) != 0 {
            outcome.finish(.failure(TestSetupError("dropping CAP_IPC_LOCK from the thread: errno \(errno)")))
            return
        }
        outcome.finish(Result { try outcome.body() })
    }
    thread.start()
    guard outcome.done.wait(timeout: .now() + .milliseconds(Int(timeout.components.seconds * 1000))) == .success else {
        throw TestSetupError("the body run with RLIMIT_MEMLOCK at \(bytes) bytes did not return within \(timeout)")
    }
    return try outcome.result!.get()
}

/// The body `withMemoryLockLimit` runs on its thread, and what that thread hands back.
private final class LoweredLimitOutcome<Value>: @unchecked Sendable {
    let body: () throws -> Value
    let done = DispatchSemaphore(value: 0)
    /// Written by the thread before it signals `done`, read after the wait.
    nonisolated(unsafe) var result: Result<Value, any Error>?

    init(_ body: @escaping () throws -> Value) {
        self.body = body
    }

    func finish(_ value: Result<Value, any Error>) {
        result = value
        done.signal()
    }
}
