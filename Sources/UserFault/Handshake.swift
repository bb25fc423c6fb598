import CODPKitLinux
import SystemPackage
public import ODPKitSystem

extension UserFaultFD {
    /// What UFFDIO_API settled for a descriptor: what was asked for, what the kernel offers, what it enabled.
    public struct Handshake: Sendable, CustomStringConvertible {
        /// The features the caller asked for.
        public let requested: Features
        /// Every feature the running kernel offers (its reply to UFFDIO_API).
        public let supported: Features
        /// The features enabled on the descriptor: `requested` ∩ `supported`, less eventFork without
        /// CAP_SYS_PTRACE, plus wpUnpopulated when wpAsync was granted (the kernel implies it).
        public let granted: Features
        /// The ioctls the descriptor itself takes (register, unregister, api); ranges report theirs on register.
        public let ioctls: Ioctls

        /// What was asked for and not granted.
        public var refused: Features { requested.subtracting(granted) }

        public var description: String {
            "granted \(granted) of requested \(requested); refused \(refused); kernel offers \(supported); ioctls \(ioctls)"
        }
    }
}

extension UserFaultFD {
    /// Enables the `requested` features that the kernel offers (UFFDIO_API) and reports what it
    /// enabled. The descriptor takes no other ioctl and reports no fault before this.
    ///
    /// The kernel fails UFFDIO_API with EINVAL when asked for a feature it lacks, and a descriptor takes
    /// UFFDIO_API only once, so this first asks a throwaway userfaultfd what the kernel offers (UFFDIO_API
    /// with no features), then asks this one for the intersection. eventFork is left out when the calling
    /// thread lacks CAP_SYS_PTRACE, for which the kernel would refuse the whole handshake with EPERM.
    @discardableResult
    public func handshake(requesting requested: Features) throws(ODPKitError) -> Handshake {
        let probe = try UserFaultFD(source: source == .forkEvent ? nil : source)
        let offered = try probe.negotiate([]).supported
        try probe.close()

        var grantable = requested.intersection(offered)
        if grantable.contains(.eventFork), try !Self.hasPtraceCapability() {
            grantable.remove(.eventFork)
        }
        let reply = try negotiate(grantable)
        var granted = grantable
        if granted.contains(.wpAsync) { granted.insert(.wpUnpopulated) }
        return Handshake(requested: requested, supported: reply.supported, granted: granted, ioctls: reply.ioctls)
    }

    /// UFFDIO_API asking for exactly `features`; returns what the kernel offers and the descriptor's ioctls.
    private func negotiate(_ features: Features) throws(ODPKitError) -> (supported: Features, ioctls: Ioctls) {
        let function = "ioctl(UFFDIO_API)"
        var api = uffdio_api(api: UInt64(UFFD_API), features: features.rawValue, ioctls: 0)
        let descriptor = try live(function)
        do throws(Errno) {
            try system_ioctl(descriptor, odpkit_UFFDIO_API, &api)
        } catch {
            let reason = switch error {
            case .invalidArgument where source == .forkEvent:
                "a fork event's userfaultfd has its parent's features already; it takes no handshake"
            case .invalidArgument:
                "the handshake was done on this descriptor already, or the kernel lacks one of \(features)"
            case .notPermitted:
                "eventFork needs CAP_SYS_PTRACE"
            default:
                "the handshake asking for \(features) failed"
            }
            throw ODPKitError.call(function, errno: error, reason: reason)
        }
        return (Features(rawValue: api.features), Ioctls(rawValue: api.ioctls))
    }
}
