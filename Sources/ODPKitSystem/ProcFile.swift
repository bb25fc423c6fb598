#if canImport(Glibc)
import Glibc
#endif

/// The first line of a text file (under /proc) that starts with `prefix`, or nil.
package func firstLine(of path: String, startingWith prefix: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 512)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = string(fromCBuffer: line)
        if text.hasPrefix(prefix) { return text }
    }
    return nil
}

/// Every line of a text file (under /proc), without its newline, or nil when it cannot be opened.
package func lines(of path: String) -> [String]? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var lines: [String] = []
    var buffer: UnsafeMutablePointer<CChar>?
    var capacity = 0
    defer { free(buffer) }
    while true {
        let count = getline(&buffer, &capacity, file)
        guard count > 0, let buffer else { return lines }
        let bytes = UnsafeRawBufferPointer(start: buffer, count: count).prefix { $0 != UInt8(ascii: "\n") }
        lines.append(String(decoding: bytes, as: UTF8.self))
    }
}
