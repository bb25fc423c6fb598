import CODPKitLinux
import SystemPackage
public import ODPKitSystem

extension UserFaultFD {
    /// Registers `range` so that the faults `mode` names (and the address-space events the handshake
    /// enabled) are reported on this descriptor; returns the ioctls the kernel offers for the range.
    ///
    /// The corresponding C function is `ioctl(UFFDIO_REGISTER)`.
    @discardableResult
    public func register(_ range: AddressRange, mode: RegisterMode) throws(ODPKitError) -> Ioctls {
        let function = "ioctl(UFFDIO_REGISTER)"
        var request = uffdio_register(range: try range.uffdioRange(function), mode: mode.rawValue, ioctls: 0)
        try rangeIoctl(function, odpkit_UFFDIO_REGISTER, &request, range)
        return Ioctls(rawValue: request.ioctls)
    }

    /// Stops reporting faults and events in `range`, and wakes the threads waiting on faults there.
    ///
    /// The corresponding C function is `ioctl(UFFDIO_UNREGISTER)`.
    public func unregister(_ range: AddressRange) throws(ODPKitError) {
        let function = "ioctl(UFFDIO_UNREGISTER)"
        var request = try range.uffdioRange(function)
        try rangeIoctl(function, odpkit_UFFDIO_UNREGISTER, &request, range)
    }

    /// Wakes the threads waiting on faults in `range` (after copy or zeroPage with `wake: false`);
    /// they retry the access and fault again where nothing was mapped.
    ///
    /// The corresponding C function is `ioctl(UFFDIO_WAKE)`.
    public func wake(_ range: AddressRange) throws(ODPKitError) {
        let function = "ioctl(UFFDIO_WAKE)"
        var request = try range.uffdioRange(function)
        try rangeIoctl(function, odpkit_UFFDIO_WAKE, &request, range)
    }

    /// Write-protects the pages of `range` (registered with `.writeProtect`), or lifts the protection
    /// and, unless `wake` is false, wakes the threads waiting to write there.
    ///
    /// The corresponding C function is `ioctl(UFFDIO_WRITEPROTECT)`.
    public func writeProtect(_ range: AddressRange, enabled: Bool, wake: Bool = true) throws(ODPKitError) {
        let function = "ioctl(UFFDIO_WRITEPROTECT)"
        var mode: UInt64 = enabled ? UInt64(UFFDIO_WRITEPROTECT_MODE_WP) : 0
        if !wake { mode |= UInt64(UFFDIO_WRITEPROTECT_MODE_DONTWAKE) }
        var request = uffdio_writeprotect(range: try range.uffdioRange(function), mode: mode)
        try rangeIoctl(function, odpkit_UFFDIO_WRITEPROTECT, &request, range)
    }

    /// An ioctl on a range whose errors all become an `ODPKitError` that names the range.
    private func rangeIoctl<Request: BitwiseCopyable>(_ function: String, _ request: UInt, _ argument: inout Request, _ range: AddressRange) throws(ODPKitError) {
        let descriptor = try live(function)
        do throws(Errno) {
            try system_ioctl(descriptor, request, &argument)
        } catch {
            throw rangeError(function, error, range)
        }
    }

    /// The error for a failed range ioctl, with what the errno means there.
    func rangeError(_ function: String, _ error: Errno, _ range: AddressRange) -> ODPKitError {
        switch error {
        case .noMemory:
            return ODPKitError(.notMapped, function: function, errno: error, reason: "\(range) is not mapped in this process")
        case .invalidArgument:
            return ODPKitError(.invalidArgument, function: function, errno: error,
                               reason: "\(range) is not wholly mapped, is not memory the kernel supports here (anonymous, shmem, hugetlbfs), or is not registered in a mode that allows this")
        case .resourceBusy:
            return ODPKitError(.busy, function: function, errno: error, reason: "\(range) is registered with another userfaultfd; unregister it there first")
        case .notPermitted:
            return ODPKitError.call(function, errno: error, reason: "\(range) is a mapping this process may not write (write-protect mode needs a writable mapping)")
        case .noSuchFileOrDirectory:
            return ODPKitError(.notMapped, function: function, errno: error, reason: "\(range) is not registered with this userfaultfd, or was unmapped")
        case .noSuchProcess:
            return ODPKitError.call(function, errno: error, reason: "the process whose memory this userfaultfd watches has exited")
        default:
            return ODPKitError.call(function, errno: error, reason: "on \(range)")
        }
    }
}
