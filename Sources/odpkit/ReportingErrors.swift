import ArgumentParser
import Foundation
import ODPKit

/// Runs a command's work, the one error handler of every `odpkit` command: an error is printed on
/// standard error as one line, `odpkit: what: why; what to do`, and the command exits 2 when there is
/// no RDMA device, 1 otherwise. ArgumentParser's own exits pass through.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ODPKitError {
        throw failing(error.description, status: error.code == .noDevice ? 2 : 1)
    } catch let error as ExitCode {
        throw error
    } catch {
        throw failing("\(error)", status: 1)
    }
}

/// Prints `odpkit: message` on standard error, on one line, and returns the exit with `status`.
private func failing(_ message: String, status: Int32) -> ExitCode {
    let line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    FileHandle.standardError.write(Data("odpkit: \(line)\n".utf8))
    return ExitCode(status)
}
