import CODPKitVerbs
import SystemPackage
import ODPKitSystem

#if canImport(Glibc)
import Glibc
#endif

/// The errno of the last failed C call on this thread.
func lastErrno() -> Errno { Errno(rawValue: errno) }

/// Checks a libibverbs return code: verbs return 0 or an errno value (some return -1 and set errno).
func checkVerbs(_ function: String, _ returnCode: Int32, reason: @autoclosure () -> String? = nil) throws(ODPKitError) {
    guard returnCode != 0 else { return }
    let code = returnCode > 0 ? Errno(rawValue: returnCode) : lastErrno()
    throw ODPKitError.call(function, errno: code, reason: reason())
}

/// Checks a libibverbs call that returns an object pointer, NULL with errno set on failure.
func nonNull<T>(_ function: String, _ pointer: T?, reason: @autoclosure () -> String? = nil) throws(ODPKitError) -> T {
    guard let pointer else {
        throw ODPKitError.call(function, errno: lastErrno(), reason: reason())
    }
    return pointer
}

/// The error for using an object after `close()`.
func useAfterClose(_ what: String, function: String) -> ODPKitError {
    ODPKitError(.closed, function: function, reason: "the \(what) was closed; create a new one")
}
