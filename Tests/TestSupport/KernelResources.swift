import Foundation

/// The kernel's own count of this process's RDMA objects (`rdma resource show`, the restrack netlink
/// interface): what a leak check trusts, since it does not rely on odpkit's bookkeeping.
public enum KernelResources {
    /// Memory regions the kernel holds for this process.
    public static func memoryRegions() throws -> Int {
        let result = try run(URL(fileURLWithPath: "/usr/bin/rdma"), ["-j", "resource", "show", "mr"])
        guard result.status == 0, let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "rdma resource show mr: \(result.stderr)"])
        }
        // restrack records the thread that created the object: match any of this process's threads.
        let threads = Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap(Int.init))
        return rows.count { ($0["pid"] as? Int).map(threads.contains) ?? false }
    }
}
