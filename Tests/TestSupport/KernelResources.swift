import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The kernel's own record of this process's RDMA objects (`rdma -j resource show`, the restrack
/// netlink interface): what a leak check trusts, since it does not rely on odpkit's bookkeeping.
public enum KernelResources {
    /// The object types a leak check counts, named as `rdma resource show` names them.
    public enum Kind: String, CaseIterable, Sendable {
        case memoryRegion = "mr"
        case queuePair = "qp"
        case completionQueue = "cq"
        case protectionDomain = "pd"
        case context = "ctx"
    }

    /// One object the kernel tracks: its type and its fields as `rdma -j` prints them.
    public struct Object: CustomStringConvertible, @unchecked Sendable {
        public let kind: Kind
        public let fields: [String: Any]

        public func number(_ key: String) -> Int? { fields[key] as? Int }

        public var description: String {
            "\(kind.rawValue) " + fields.keys.sorted().map { "\($0)=\(fields[$0]!)" }.joined(separator: " ")
        }
    }

    /// Every object of `kinds` that a thread of this process created (restrack records the thread).
    public static func held(_ kinds: [Kind] = Kind.allCases) throws -> [Object] {
        let threads = try threads(of: getpid())
        return try all(kinds).filter { $0.number("pid").map(threads.contains) ?? false }
    }

    /// Every object of `kinds` the kernel tracks, whichever process created it.
    public static func all(_ kinds: [Kind] = Kind.allCases) throws -> [Object] {
        try kinds.flatMap { kind in try rows(of: kind).map { Object(kind: kind, fields: $0) } }
    }

    /// The ids of the threads of process `pid` (a thread's id is what restrack records as `pid`).
    public static func threads(of pid: Int32) throws -> Set<Int> {
        Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").compactMap(Int.init))
    }

    /// This process's objects of the device context that holds the memory region with local key
    /// `lkey`: its protection domains and completion queues (by `ctxn`), their memory regions and
    /// queue pairs (by `pdn`), and the context itself. What a test counts so that suites running
    /// alongside, with contexts of their own, cannot change the count.
    public static func held(inContextOf lkey: UInt32) throws -> [Object] {
        let objects = try held()
        let key = String(lkey, radix: 16)
        guard let pdn = objects.first(where: { $0.kind == .memoryRegion && ($0.fields["lkey"] as? String) == key })?.number("pdn"),
              let ctxn = objects.first(where: { $0.kind == .protectionDomain && $0.number("pdn") == pdn })?.number("ctxn") else {
            throw TestSetupError("rdma resource show: no memory region of this process has lkey 0x\(key)")
        }
        let pdns = Set(objects.filter { $0.kind == .protectionDomain && $0.number("ctxn") == ctxn }.compactMap { $0.number("pdn") })
        return objects.filter { object in
            switch object.kind {
            case .memoryRegion, .queuePair: object.number("pdn").map(pdns.contains) ?? false
            case .protectionDomain, .completionQueue, .context: object.number("ctxn") == ctxn
            }
        }
    }

    /// The rows `rdma -j resource show KIND` prints, read through `popen` (it spawns without forking the
    /// address space, and needs nothing but libc: `leakCheckAtExit` calls it while the process exits).
    static func rows(of kind: Kind) throws -> [[String: Any]] {
        let command = "/usr/bin/rdma -j resource show \(kind.rawValue) 2>&1"
        guard let pipe = popen(command, "r") else {
            throw TestSetupError("popen(\(command)): errno \(errno)")
        }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count == 0 { break }
            output.append(contentsOf: buffer[..<count])
        }
        let status = pclose(pipe)
        guard status == 0, let rows = try JSONSerialization.jsonObject(with: output) as? [[String: Any]] else {
            throw TestSetupError("\(command) (status \(status)): \(String(decoding: output, as: UTF8.self))")
        }
        return rows
    }

    /// Makes the process check, as it exits (after every suite has finished), that the kernel lists
    /// none of its RDMA objects; if it lists some, they are printed and the process exits 1. Set by
    /// `make test` inside the testbed (`ODPKIT_CHECK_LEAKS_AT_EXIT=1`); called once, from `RXE`.
    static func checkAtExitIfAsked() {
        guard getenv("ODPKIT_CHECK_LEAKS_AT_EXIT").map({ String(cString: $0) == "1" }) ?? false else { return }
        atexit {
            do {
                let left = try KernelResources.held()
                guard left.isEmpty else {
                    let lines = left.map { "  " + $0.description }.joined(separator: "\n")
                    printToStandardError("odpkit tests: LEAK: after every suite finished the kernel still lists \(left.count) RDMA object(s) of this process:\n\(lines)")
                    _exit(1)
                }
                printToStandardError("odpkit tests: leak check at exit: the kernel lists no mr, qp, cq, pd or ctx of this process")
            } catch {
                printToStandardError("odpkit tests: the leak check at exit could not read the kernel's resource tracking: \(error)")
                _exit(1)
            }
        }
    }
}

/// Writes `line` and a newline to standard error, unbuffered.
private func printToStandardError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
