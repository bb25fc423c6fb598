import ODPKit
#if canImport(Glibc)
import Glibc
#endif

/// A port's hardware counters (`/sys/class/infiniband/DEVICE/ports/PORT/hw_counters/*`): rxe counts
/// RNR NAKs sent and received, retries and errors there.
///
/// In a network namespace other than the device's, the RDMA subsystem's shared-mode copy of the
/// device in sysfs has no `hw_counters`.
public enum HardwareCounters {
    /// Every counter of `device`'s `port`; nil when this sysfs shows none.
    public static func read(device: String, port: UInt8 = 1) -> [String: UInt64]? {
        let directory = "/sys/class/infiniband/\(device)/ports/\(port)/hw_counters"
        guard let stream = opendir(directory) else { return nil }
        defer { closedir(stream) }
        var counters: [String: UInt64] = [:]
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard !name.hasPrefix("."), name != "lifespan" else { continue }
            if let line = firstLine(of: "\(directory)/\(name)", startingWith: ""),
               let value = UInt64(line.filter { !$0.isWhitespace }) {
                counters[name] = value
            }
        }
        return counters
    }

    /// The counters that moved from `before` to `after`, by how much; nil when either is missing.
    public static func moved(from before: [String: UInt64]?, to after: [String: UInt64]?) -> [String: UInt64]? {
        guard let before, let after else { return nil }
        var moved: [String: UInt64] = [:]
        for (name, value) in after where value != before[name] ?? 0 {
            moved[name] = value &- (before[name] ?? 0)
        }
        return moved
    }
}
