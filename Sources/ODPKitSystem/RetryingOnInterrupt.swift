package import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Runs `call` again while it fails with EINTR; returns its result, or throws the errno of any other
/// failure (a result of -1 is a failure). Every system call odpkit makes that may be interrupted is
/// retried here and nowhere else; the callers decide which errors are outcomes (EAGAIN, EEXIST) and word
/// the rest as an `ODPKitError`.
@inline(__always)
package func retryingOnInterrupt<Result: FixedWidthInteger>(_ call: () -> Result) throws(Errno) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = Errno(rawValue: errno)
        if code != .interrupted { throw code }
    }
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
