import ODPKit
#if canImport(Glibc)
import Glibc
#endif

/// Writes one progress line to standard error, unbuffered, so it shows while a probe runs (also through a pipe).
func progressLine(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
