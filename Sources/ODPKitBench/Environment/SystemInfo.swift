import CODPKitLinux
import CODPKitVerbs
import ODPKit

#if canImport(Glibc)
import Glibc
#endif

/// Facts about the machine a result comes from: the testbed label's parts.
public struct SystemInfo: Sendable, Codable, Hashable {
    /// `uname -r`.
    public var kernel: String
    /// The rdma-core version of the libibverbs actually loaded (`44.0`), from its file name.
    public var rdmaCore: String
    /// The path of that libibverbs.
    public var libibverbsPath: String
    /// Whether this runs under an emulated CPU (qemu TCG), where timings are inflated.
    public var emulated: Bool
    /// The testbed's own label, when running inside it (`ODPKIT_TESTBED_LABEL`).
    public var testbedLabel: String?

    /// Reads the facts of this machine now.
    public static func current() -> SystemInfo {
        var name = utsname()
        uname(&name)
        let kernel = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let path = odpkit_shared_object_path(odpkit_libibverbs_symbol()).map { String(cString: $0) } ?? "unknown"
        return SystemInfo(
            kernel: kernel,
            rdmaCore: rdmaCoreVersion(libraryPath: path),
            libibverbsPath: path,
            emulated: cpuIsEmulated(),
            testbedLabel: getenv("ODPKIT_TESTBED_LABEL").map { String(cString: $0) }
        )
    }

    /// `libibverbs.so.1.14.44.0` is rdma-core 44.0: the last two parts of the resolved file name.
    static func rdmaCoreVersion(libraryPath: String) -> String {
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let real = realpath(libraryPath, &resolved) != nil ? string(fromCBuffer: resolved) : libraryPath
        let fileName = real.split(separator: "/").last.map(String.init) ?? real
        // libibverbs.so.1.14.44.0 → ["libibverbs", "so", "1", "14", "44", "0"]
        let parts = fileName.split(separator: ".")
        guard parts.count >= 6, parts[1] == "so" else { return "unknown" }
        return parts.suffix(2).joined(separator: ".")
    }

    /// qemu names its CPU models "QEMU … CPU" unless told otherwise (`CPUInfo.isEmulated`); the testbed also says so.
    static func cpuIsEmulated() -> Bool {
        if let label = getenv("ODPKIT_TESTBED_LABEL"), String(cString: label).contains("TCG") { return true }
        return CPUInfo.current().isEmulated
    }

    /// One line for a report: `kernel <release>, rdma-core <version>, emulated (TCG)`.
    public var summary: String {
        if let testbedLabel { return testbedLabel }
        return "kernel \(kernel), rdma-core \(rdmaCore), \(emulated ? "emulated CPU (qemu TCG)" : "native CPU")"
    }
}
