import ODPKitSystem
import SystemPackage
public import ODPKit

#if canImport(Glibc)
import Glibc
#endif

/// Appends raw samples to a CSV file (`SamplesCSV`), writing the header first when the file is new or
/// empty. Each `append` is one `write`, so rows land as they are measured; `close()` may be called twice.
public final class SamplesCSVWriter {
    /// The file's path.
    public let path: String
    private var descriptor: FileDescriptor?

    /// Opens (creating, mode 0644) `path` for appending.
    ///
    /// The corresponding C functions are `open` with `O_WRONLY | O_CREAT | O_APPEND`, `lseek` and `write`.
    public init(path: String) throws(ODPKitError) {
        self.path = path
        let opened: FileDescriptor
        do {
            opened = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .append],
                permissions: [.ownerReadWrite, .groupRead, .otherRead]
            )
        } catch {
            throw failure("open", error, "cannot open \(path) for the samples")
        }
        descriptor = opened
        let end: Int64
        do {
            end = try opened.seek(offset: 0, from: .end)
        } catch {
            try? opened.close()
            throw failure("lseek", error, "cannot find the end of \(path)")
        }
        if end == 0 {
            try write(SamplesCSV.header + "\n")
        }
    }

    deinit {
        try? descriptor?.close()
    }

    /// Appends one row per sample of the cell `key`, numbered from `firstSample`.
    public func append(_ key: CellKey, nanoseconds: [UInt64], firstSample: Int = 0) throws(ODPKitError) {
        guard !nanoseconds.isEmpty else { return }
        var text = ""
        for (index, value) in nanoseconds.enumerated() {
            text += SamplesCSV.row(key, sample: firstSample + index, nanoseconds: value) + "\n"
        }
        try write(text)
    }

    /// Waits until the rows appended so far are written back (otherwise a kernel thread writes dirty
    /// pages back later, taking a CPU from the next probe).
    ///
    /// The corresponding C function is `fsync`.
    public func synchronize() throws(ODPKitError) {
        guard let descriptor else {
            throw ODPKitError(.closed, function: "fsync", reason: "the samples file \(path) is closed")
        }
        try retryingOnInterrupt("fsync", reason: "cannot write \(path) back") { fsync(descriptor.rawValue) }
    }

    /// Closes the file; later appends throw `.closed`.
    ///
    /// The corresponding C function is `close`.
    public func close() throws(ODPKitError) {
        guard let descriptor else { return }
        self.descriptor = nil
        do {
            try descriptor.close()
        } catch {
            throw failure("close", error, "closing \(path) may have lost samples")
        }
    }

    /// Writes all of `text` (`writeAll` retries short writes and EINTR).
    private func write(_ text: String) throws(ODPKitError) {
        guard let descriptor else {
            throw ODPKitError(.closed, function: "write", reason: "the samples file \(path) is closed")
        }
        do {
            _ = try descriptor.writeAll(text.utf8)
        } catch {
            throw failure("write", error, "cannot append to \(path)")
        }
    }
}

/// swift-system throws `Errno`; anything else would be a bug there, reported as EIO.
private func failure(_ function: String, _ error: any Error, _ reason: String) -> ODPKitError {
    ODPKitError.call(function, errno: error as? Errno ?? .ioError, reason: reason)
}
