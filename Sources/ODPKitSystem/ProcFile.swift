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
