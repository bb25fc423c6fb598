public import SystemPackage

extension Errno {
    /// The C name of the error (`ENOMEM`), for messages an engineer can search for.
    public var symbolicName: String {
        switch self {
        case .permissionDenied: "EACCES"
        case .resourceTemporarilyUnavailable: "EAGAIN"
        case .badFileDescriptor: "EBADF"
        case .resourceBusy: "EBUSY"
        case .fileExists: "EEXIST"
        case .badAddress: "EFAULT"
        case .interrupted: "EINTR"
        case .invalidArgument: "EINVAL"
        case .ioError: "EIO"
        case .operationNotSupportedByDevice: "ENODEV"
        case .noSuchFileOrDirectory: "ENOENT"
        case .noMemory: "ENOMEM"
        case .noFunction: "ENOSYS"
        case .notSupported: "EOPNOTSUPP"
        case .notPermitted: "EPERM"
        case .timedOut: "ETIMEDOUT"
        case .noSuchProcess: "ESRCH"
        case .outOfRange: "ERANGE"
        default: "errno \(rawValue)"
        }
    }
}
