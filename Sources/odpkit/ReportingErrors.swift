import ArgumentParser
import Foundation
import ODPKit

/// Runs a command's work, the one error handler of every `odpkit` command: an error is printed on
/// standard error as one line, `odpkit: what: why; what to do`, and the command exits 2 when there is
/// no RDMA device, 1 otherwise. ArgumentParser's own exits pass through.
///
/// With `interruptible`, SIGINT and SIGTERM are caught into `Interruption.signals` first: the work stops
/// at its next check (closing what it opened, writing what it keeps), and the command exits 128 plus the
/// signal's number (130, 143), with one line when the work stopped with `.interrupted`.
func reportingErrors(interruptible: Bool = false, _ body: () throws -> Void) throws {
    do {
        if interruptible { try Interruption.catchSignals() }
        try body()
    } catch let error as ODPKitError where error.code == .interrupted {
        throw failing("interrupted by \(error.function), \(error.reason); nothing was written", status: interruptedStatus ?? 1)
    } catch let error as ODPKitError {
        throw failing(error.description, status: error.code == .noDevice ? 2 : 1)
    } catch let error as ExitCode {
        throw error
    } catch {
        throw failing(plainDescription(error), status: 1)
    }
    if interruptible, let status = interruptedStatus { throw ExitCode(status) }
}

/// 128 plus the number of the signal that interrupted the work, nil when none did.
private var interruptedStatus: Int32? {
    Interruption.signals.signal.map { 128 + $0 }
}

/// Prints `odpkit: message` on standard error, on one line, and returns the exit with `status`.
private func failing(_ message: String, status: Int32) -> ExitCode {
    let line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    FileHandle.standardError.write(Data("odpkit: \(line)\n".utf8))
    return ExitCode(status)
}

/// What an error from Foundation or elsewhere means, in words (`no such file or directory`), instead of
/// its domain, code and user-info dump.
func plainDescription(_ error: any Error) -> String {
    let error = error as NSError
    let posix = [error, error.userInfo[NSUnderlyingErrorKey] as? NSError].compactMap { $0 }.first { $0.domain == NSPOSIXErrorDomain }
    if let posix {
        return plainDescription(ofErrno: Int32(posix.code))
    }
    guard error.domain == NSCocoaErrorDomain else { return "\(error)" }
    switch CocoaError.Code(rawValue: error.code) {
    case .fileNoSuchFile, .fileReadNoSuchFile: return plainDescription(ofErrno: ENOENT)
    case .fileReadNoPermission, .fileWriteNoPermission: return plainDescription(ofErrno: EACCES)
    case .fileWriteOutOfSpace: return plainDescription(ofErrno: ENOSPC)
    case .fileWriteVolumeReadOnly: return plainDescription(ofErrno: EROFS)
    case .fileReadInapplicableStringEncoding: return "not UTF-8 text"
    default: return error.localizedDescription
    }
}
