import CODPKitLinux
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A request to stop a run early, checked between the steps of long work (samples, cells, the slices
/// of a wait) so that the run stops where it can close what it opened and keep what it measured.
///
/// `signals` is the process's own, set by SIGINT or SIGTERM once `catchSignals()` has run; a token made
/// with `init()` is set only by `request(signal:)`. The first request wins; later ones are ignored.
public final class Interruption: Hashable, @unchecked Sendable {
    // A C int read and written only through the shim's atomic operations, which the signal handler uses too.
    private let flag: UnsafeMutablePointer<Int32>
    private let ownsFlag: Bool

    /// The process's token: SIGINT or SIGTERM sets it once `catchSignals()` has run.
    public static let signals = Interruption(flag: odpkit_interrupt_flag(), ownsFlag: false)

    /// A token of its own, which only `request(signal:)` sets.
    public convenience init() {
        let flag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        flag.initialize(to: 0)
        self.init(flag: flag, ownsFlag: true)
    }

    private init(flag: UnsafeMutablePointer<Int32>, ownsFlag: Bool) {
        self.flag = flag
        self.ownsFlag = ownsFlag
    }

    deinit {
        if ownsFlag { flag.deallocate() }
    }

    /// Catches SIGINT and SIGTERM into `signals`; a second one ends the process at once (its default action).
    ///
    /// The corresponding C function is `sigaction`.
    public static func catchSignals() throws(ODPKitError) {
        guard odpkit_catch_interrupts() == 0 else {
            throw ODPKitError.call("sigaction", errno: Errno(rawValue: errno), reason: "cannot catch SIGINT and SIGTERM")
        }
    }

    /// The signal that asked to stop, nil while none has.
    public var signal: Int32? {
        let value = odpkit_flag_load(flag)
        return value == 0 ? nil : value
    }

    /// Asks to stop as `signal` would.
    public func request(signal: Int32) {
        _ = odpkit_flag_set_once(flag, signal)
    }

    /// Throws `.interrupted`, saying it stopped `during` what, once a stop was asked for.
    @inline(__always)
    public func check(_ during: @autoclosure () -> String) throws(ODPKitError) {
        guard let signal else { return }
        throw Self.error(signal, during: during())
    }

    /// The error of a run that `signal` stopped `during` a step.
    public static func error(_ signal: Int32, during: String) -> ODPKitError {
        ODPKitError(.interrupted, function: name(of: signal), reason: "stopped during \(during)")
    }

    /// `SIGINT`, `SIGTERM`, or `signal N`.
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(signal)"
        }
    }

    public static func == (lhs: Interruption, rhs: Interruption) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
