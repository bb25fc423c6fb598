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
        case .notDirectory: "ENOTDIR"
        case .isDirectory: "EISDIR"
        case .readOnlyFileSystem: "EROFS"
        case .noSpace: "ENOSPC"
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

extension Errno {
    /// What the error means in words, as `strerror` says it, lower-cased to sit inside a sentence
    /// (`no such file or directory`).
    public var plainDescription: String {
        description.prefix(1).lowercased() + description.dropFirst()
    }
}

/// What the C error `code` means in words (`Errno.plainDescription`), for code that does not import SystemPackage.
public func plainDescription(ofErrno code: Int32) -> String {
    Errno(rawValue: code).plainDescription
}
