import Foundation

/// The kernel's own count of this process's RDMA objects (`rdma resource show`, the restrack netlink
/// interface): what a leak check trusts, since it does not rely on odpkit's bookkeeping.
public enum KernelResources {
    /// Memory regions the kernel holds for this process.
    public static func memoryRegions() throws -> Int {
        // restrack records the thread that created the object: match any of this process's threads.
        let threads = try self.threads(of: "self")
        return try objects("mr").count { ($0["pid"] as? Int).map(threads.contains) ?? false }
    }

    /// Every object of `kind` (`mr`, `qp`, `cq`, `pd`) the kernel holds, one row each as `rdma -j resource
    /// show KIND` prints it (its `pid` is the thread that created it, its `comm` that thread's name).
    public static func objects(_ kind: String) throws -> [[String: Any]] {
        let result = try run(URL(fileURLWithPath: "/usr/bin/rdma"), ["-j", "resource", "show", kind])
        guard result.status == 0, let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "rdma resource show \(kind): \(result.stderr)"])
        }
        return rows
    }

    /// The thread ids of process `pid` (`self` for this one), from /proc.
    public static func threads(of pid: String) throws -> Set<Int> {
        Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").compactMap(Int.init))
    }
}
