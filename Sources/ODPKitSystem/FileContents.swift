public import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The bytes of the regular file at `path`, at most `limit` of them: `.invalidArgument` for something
/// else (a directory, a device) or a larger file, the `open` or `read` error otherwise, each reason
/// ending with `remedy`.
public func contents(ofFile path: String, atMost limit: Int, remedy: String) throws(ODPKitError) -> [UInt8] {
    var bytes: [UInt8] = []
    try readChunks(ofFile: path, remedy: remedy) { chunk throws(ODPKitError) in
        guard bytes.count + chunk.count <= limit else {
            throw ODPKitError(.invalidArgument, function: "read", reason: "\(path) is larger than \(limit >> 20) MiB; \(remedy)")
        }
        bytes += chunk
    }
    return bytes
}

/// Calls `body` with the bytes of the regular file at `path`, chunk by chunk in order: `.invalidArgument`
/// for something else (a directory, a device), the `open` or `read` error otherwise, each reason ending
/// with `remedy`.
///
/// The corresponding C functions are `stat`, `open` and `read`.
func readChunks(ofFile path: String, remedy: String, _ body: (ArraySlice<UInt8>) throws(ODPKitError) -> Void) throws(ODPKitError) {
    if let type = fileType(at: path), type != S_IFREG {
        throw ODPKitError(.invalidArgument, function: "open", errno: type == S_IFDIR ? .isDirectory : nil, reason: "\(path) is not a regular file; \(remedy)")
    }
    let descriptor: FileDescriptor
    do {
        descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec], retryOnInterrupt: true)
    } catch {
        let errno = error as? Errno ?? .ioError
        throw ODPKitError.call("open", errno: errno, reason: "cannot read \(path): \(errno.plainDescription); \(remedy)")
    }
    defer { try? descriptor.close() }
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count: Int
        do {
            count = try buffer.withUnsafeMutableBytes { try descriptor.read(into: $0, retryOnInterrupt: true) }
        } catch {
            let errno = error as? Errno ?? .ioError
            throw ODPKitError.call("read", errno: errno, reason: "cannot read \(path): \(errno.plainDescription); \(remedy)")
        }
        guard count > 0 else { return }
        try body(buffer[0..<count])
    }
}
