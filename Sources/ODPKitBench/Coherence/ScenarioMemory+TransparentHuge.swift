import ODPKit

#if canImport(Glibc)
import Glibc
#endif

extension ScenarioMemory {
    /// The size of a transparent huge page mapped by a page-middle-directory entry on x86-64.
    static let hugePageSize = 2 << 20

    /// Maps `length` bytes (whole huge pages) aligned to `hugePageSize`, advises `MADV_HUGEPAGE`, and
    /// touches each huge page; throws `.unsupported` ("no huge page") unless /proc/self/smaps shows the
    /// mapping backed by huge pages. The corresponding C functions are `mmap`, `munmap` and `madvise`.
    static func mapTransparentHuge(length: Int) throws(ODPKitError) -> UnsafeMutableRawPointer {
        let span = length + hugePageSize
        let raw = try system_mmap(length: span, flags: MAP_PRIVATE | MAP_ANONYMOUS)
        let head = Int((UInt(bitPattern: raw) + UInt(hugePageSize - 1)) & ~UInt(hugePageSize - 1) - UInt(bitPattern: raw))
        let base = raw + head
        do throws(ODPKitError) {
            if head > 0 { try system_munmap(raw, head) }
            if span - head - length > 0 { try system_munmap(base + length, span - head - length) }
            try system_madvise(base, length, MADV_HUGEPAGE)
            for offset in stride(from: 0, to: length, by: hugePageSize) { base.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self) }
            guard anonymousHugeBytes(mappingAt: base) >= length else {
                throw ODPKitError(.unsupported, function: "odpkit scenario memory", reason: "no huge page")
            }
        } catch {
            try? system_munmap(base, length)
            throw error
        }
        return base
    }

    /// The `AnonHugePages` of the mapping that contains `address`, in bytes, from /proc/self/smaps;
    /// 0 when the file or the mapping cannot be found.
    static func anonymousHugeBytes(mappingAt address: UnsafeMutableRawPointer) -> Int {
        guard let file = fopen("/proc/self/smaps", "r") else { return 0 }
        defer { fclose(file) }
        let target = UInt(bitPattern: address)
        var line = [CChar](repeating: 0, count: 512)
        var inside = false
        while fgets(&line, Int32(line.count), file) != nil {
            let text = string(fromCBuffer: line)
            let range = text.prefix { $0 != " " }.split(separator: "-")
            if range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16) {
                inside = start <= target && target < end
            } else if inside, text.hasPrefix("AnonHugePages:") {
                return (Int(text.dropFirst("AnonHugePages:".count).split(separator: " ").first ?? "") ?? 0) * 1024
            }
        }
        return 0
    }
}
