public import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// A file written under a temporary name beside its own (`NAME.partial`) and renamed to its name only
/// once complete (`commit()`): a failed or interrupted run leaves no file that looks finished.
/// `discard()`, or the end of the object before `commit()`, removes the temporary file.
public final class OutputFile {
    /// The file's name once committed.
    public let path: String
    /// Where it is written until then.
    public let temporaryPath: String
    /// The bytes the file holds so far (with those copied from the file it appends to).
    public private(set) var size: Int64 = 0
    private var descriptor: FileDescriptor?

    /// Opens `NAME.partial` beside `path` (replacing one a killed run left behind), mode 0644 less the
    /// umask. When `appending`, it starts as a copy of the file at `path`, if there is one, so that
    /// `commit()` leaves that file with its old bytes and the new ones, or `discard()` leaves it untouched.
    ///
    /// The corresponding C functions are `stat`, `open` (`O_CREAT | O_TRUNC`) and `write`.
    public init(path: String, appending: Bool = false) throws(ODPKitError) {
        self.path = path
        temporaryPath = path + ".partial"
        if let type = fileType(at: path), type != S_IFREG {
            throw ODPKitError(.invalidArgument, function: "open", errno: type == S_IFDIR ? .isDirectory : nil,
                              reason: "\(path) exists and is not a regular file; name a file to write")
        }
        do {
            descriptor = try FileDescriptor.open(FilePath(temporaryPath), .writeOnly, options: [.create, .truncate, .closeOnExec],
                                                 permissions: [.ownerReadWrite, .groupRead, .otherRead], retryOnInterrupt: true)
        } catch {
            throw Self.failure("open", error, "cannot create \(temporaryPath)", "choose a directory this user may write to")
        }
        if appending, fileType(at: path) != nil {
            do throws(ODPKitError) {
                try copyExisting()
            } catch {
                discard()
                throw error
            }
        }
    }

    deinit {
        discard()
    }

    /// Appends `text`.
    public func write(_ text: String) throws(ODPKitError) {
        try write(bytes: Array(text.utf8))
    }

    /// Waits until what was written so far is on the device.
    ///
    /// The corresponding C function is `fsync`.
    public func synchronize() throws(ODPKitError) {
        let descriptor = try live("fsync")
        do throws(Errno) {
            _ = try retryingOnInterrupt { fsync(descriptor.rawValue) }
        } catch {
            throw Self.failure("fsync", error, "cannot write \(temporaryPath) back", "free space or choose another directory")
        }
    }

    /// Writes the file back, closes it and renames it to `path`, replacing the file there; the file is
    /// then finished, and a later `discard()` leaves it.
    ///
    /// The corresponding C functions are `fsync`, `close` and `rename`.
    public func commit() throws(ODPKitError) {
        try synchronize()
        let descriptor = try live("close")
        self.descriptor = nil
        do {
            try descriptor.close()
        } catch {
            unlink(temporaryPath)
            throw Self.failure("close", error, "closing \(temporaryPath) may have lost bytes", "choose another directory")
        }
        guard rename(temporaryPath, path) == 0 else {
            let error = Errno(rawValue: errno)
            unlink(temporaryPath)
            throw Self.failure("rename", error, "cannot rename \(temporaryPath) to \(path)", "check the directory's permissions")
        }
    }

    /// Closes and removes the temporary file, unless committed; a second call does nothing.
    ///
    /// The corresponding C functions are `close` and `unlink`.
    public func discard() {
        guard let descriptor else { return }
        self.descriptor = nil
        try? descriptor.close()
        unlink(temporaryPath)
    }

    /// Writes `text` to `path` through a temporary file, renamed when complete.
    public static func write(_ text: String, to path: String) throws(ODPKitError) {
        let file = try OutputFile(path: path)
        try file.write(text)
        try file.commit()
    }

    private func live(_ function: String) throws(ODPKitError) -> FileDescriptor {
        guard let descriptor else {
            throw ODPKitError(.closed, function: function, reason: "\(temporaryPath) was already committed or discarded")
        }
        return descriptor
    }

    private func write(bytes: [UInt8]) throws(ODPKitError) {
        let descriptor = try live("write")
        do {
            size += Int64(try descriptor.writeAll(bytes))
        } catch {
            throw Self.failure("write", error, "cannot write \(temporaryPath)", "free space or choose another directory")
        }
    }

    /// Copies the bytes of the file at `path` into the temporary file.
    private func copyExisting() throws(ODPKitError) {
        try readChunks(ofFile: path, remedy: "name a file this user may read and write to append to it") { chunk throws(ODPKitError) in
            try write(bytes: Array(chunk))
        }
    }

    /// swift-system throws `Errno`; anything else would be a bug there, reported as EIO.
    private static func failure(_ function: String, _ error: any Error, _ what: String, _ remedy: String) -> ODPKitError {
        let errno = error as? Errno ?? .ioError
        return ODPKitError.call(function, errno: errno, reason: "\(what): \(errno.plainDescription); \(remedy)")
    }
}

/// The type bits (`S_IFDIR`, `S_IFREG`, …) of what `path` names, following symbolic links; nil when nothing is there.
///
/// The corresponding C function is `stat`.
func fileType(at path: String) -> mode_t? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    return status.st_mode & S_IFMT
}
