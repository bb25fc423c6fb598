public import SystemPackage

/// A failed call into libibverbs or the kernel, or a precondition odpkit checks before making one.
///
/// `function` names the C function (`ibv_reg_mr`, `madvise`) or the odpkit check that refused;
/// `errno` is the C error where there is one; `reason` says what happened and what to do.
public struct ODPKitError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of failure this is; stable across releases, so callers can match on it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        /// A code named `name`; a layer above may define codes of its own this way.
        public init(name: String) { self.name = name }

        /// No RDMA device is present, or the kernel has no RDMA support loaded.
        public static let noDevice = Code(name: "no-device")
        /// A device, port or GID that was asked for does not exist.
        public static let notFound = Code(name: "not-found")
        /// The device, transport or kernel lacks a capability the operation needs.
        public static let unsupported = Code(name: "unsupported")
        /// An argument is out of range or inconsistent.
        public static let invalidArgument = Code(name: "invalid-argument")
        /// The address range is not mapped in this process.
        public static let notMapped = Code(name: "not-mapped")
        /// Pinning would exceed `RLIMIT_MEMLOCK`.
        public static let memoryLockLimit = Code(name: "memlock-limit")
        /// The object was closed; it cannot be used again.
        public static let closed = Code(name: "closed")
        /// The object is still used by posted work requests or a full queue.
        public static let busy = Code(name: "busy")
        /// A work request completed with an error status.
        public static let completionError = Code(name: "completion-error")
        /// No completion arrived before the deadline.
        public static let timedOut = Code(name: "timed-out")
        /// SIGINT or SIGTERM asked the run to stop (`Interruption`); `function` names the signal.
        public static let interrupted = Code(name: "interrupted")
        /// Any other failure of a C call; see `errno`.
        public static let system = Code(name: "system")
    }

    public var code: Code
    public var function: String
    public var errno: Errno?
    public var reason: String

    public init(_ code: Code, function: String, errno: Errno? = nil, reason: String) {
        self.code = code
        self.function = function
        self.errno = errno
        self.reason = reason
    }

    /// A failed C call: `errno` carries the error, the reason describes the attempt.
    public static func call(_ function: String, errno: Errno, reason: String? = nil) -> ODPKitError {
        ODPKitError(.system, function: function, errno: errno, reason: reason ?? errno.description)
    }

    public var description: String {
        if let errno {
            return "\(function): \(errno.symbolicName) — \(reason)"
        }
        return "\(function): \(reason)"
    }
}
