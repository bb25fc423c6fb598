package import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Runs `call` again while it fails with EINTR; returns its result, or the errno of any other failure
/// (a result of -1 is a failure), without throwing: a thread that must not allocate (the userfaultfd
/// monitor) takes its outcomes (EAGAIN, EEXIST) this way, since a throw may allocate where a runtime
/// hook watches throws. Every system call odpkit makes that may be interrupted is retried here and
/// nowhere else.
@inline(__always)
package func resultRetryingOnInterrupt<Value: FixedWidthInteger>(_ call: () -> Value) -> Result<Value, Errno> {
    while true {
        let result = call()
        if result != -1 { return .success(result) }
        let code = Errno(rawValue: errno)
        if code != .interrupted { return .failure(code) }
    }
}

/// `resultRetryingOnInterrupt`, throwing the errno of a failure; the callers decide which errors are
/// outcomes (EAGAIN, EEXIST) and word the rest as an `ODPKitError`.
@inline(__always)
package func retryingOnInterrupt<Value: FixedWidthInteger>(_ call: () -> Value) throws(Errno) -> Value {
    try resultRetryingOnInterrupt(call).get()
}

/// `retryingOnInterrupt`, with any other failure an `ODPKitError` naming `function` (and `reason`).
@inline(__always)
@discardableResult
package func retryingOnInterrupt<Result: FixedWidthInteger>(
    _ function: String, reason: @autoclosure () -> String? = nil, _ call: () -> Result
) throws(ODPKitError) -> Result {
    do {
        return try retryingOnInterrupt(call)
    } catch {
        throw ODPKitError.call(function, errno: error, reason: reason())
    }
}
