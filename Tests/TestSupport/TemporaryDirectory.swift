public import Foundation

/// Runs `body` with a new directory under the temporary directory, named from `prefix`, and removes it after.
public func withTemporaryDirectory<Result>(_ prefix: String, _ body: (URL) throws -> Result) throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return try body(directory)
}
