import CODPKitShim
import Verbs

#if canImport(Glibc)
import Glibc
#endif

/// Where a report's numbers come from: the facts that change a latency, one line at the head of every
/// table and page.
public struct TestbedLabel: Sendable, Codable, Hashable {
    /// `uname -r`.
    public var kernel: String
    /// The RDMA device measured (`rxe0`, `mlx5_0`).
    public var device: String
    /// The device's driver: `rdma_rxe` or `siw` for a software device, the kernel driver
    /// (`mlx5_core`) for hardware, `hardware` when sysfs does not say, `unknown` when it cannot be opened.
    public var driver: String
    /// The rdma-core version of the libibverbs loaded (`50.0`).
    public var rdmaCore: String
    /// The CPU's model name from /proc/cpuinfo.
    public var cpu: String
    /// Whether the CPU is emulated (qemu TCG), which inflates every timing.
    public var emulated: Bool
    /// Transparent huge pages: the chosen mode of /sys/kernel/mm/transparent_hugepage/enabled
    /// (`always`, `madvise`, `never`), `unavailable` without THP.
    public var thp: String
    /// `RLIMIT_MEMLOCK` as `MemoryLockLimit` words it: `8192 KiB`, `unlimited`, `…, bypassed by CAP_IPC_LOCK`.
    public var memlock: String
    /// rdma-core's fork support (`ibv_is_fork_initialized`): `disabled`, `enabled` or `unneeded`
    /// (the kernel keeps pinned pages across fork by itself).
    public var forkMode: String
    /// The testbed's own label (`ODPKIT_TESTBED_LABEL`), when running inside it.
    public var testbed: String?
    /// The kernel's clocksource (`tsc`, `hpet`), whose cost every `clock_gettime` pays; nil in reports
    /// from before it was recorded.
    public var clocksource: String?

    public init(
        kernel: String, device: String, driver: String, rdmaCore: String, cpu: String, emulated: Bool,
        thp: String, memlock: String, forkMode: String, testbed: String? = nil, clocksource: String? = nil
    ) {
        self.kernel = kernel
        self.device = device
        self.driver = driver
        self.rdmaCore = rdmaCore
        self.cpu = cpu
        self.emulated = emulated
        self.thp = thp
        self.memlock = memlock
        self.forkMode = forkMode
        self.testbed = testbed
        self.clocksource = clocksource
    }

    /// The label of this machine and `device` now. Opens the device briefly to tell a software driver
    /// from hardware, as `DeviceReport` does.
    public static func current(device: String) -> TestbedLabel {
        let system = SystemInfo.current()
        let cpu = firstLine(of: "/proc/cpuinfo", startingWith: "model name")
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingWhitespace() } ?? "unknown"
        return TestbedLabel(
            kernel: system.kernel, device: device, driver: driver(of: device), rdmaCore: system.rdmaCore,
            cpu: cpu, emulated: system.emulated, thp: TransparentHugePages.enabled() ?? "unavailable", memlock: MemoryLockLimit.current.description,
            forkMode: forkMode(), testbed: system.testbedLabel, clocksource: currentClocksource()
        )
    }

    /// The clocksource in use now, `unknown` when sysfs does not say.
    public static func currentClocksource() -> String {
        firstLine(of: "/sys/devices/system/clocksource/clocksource0/current_clocksource", startingWith: "")
            .map { Substring($0).trimmingWhitespace() } ?? "unknown"
    }

    /// Clocksources that make every clock read a system call and a device read: timings are inflated.
    public static let slowClocksources: Set<String> = ["hpet", "acpi_pm", "jiffies", "refined-jiffies"]

    /// One line: `rxe-tcg: rxe0 (rdma_rxe), kernel 6.8.0, rdma-core 50.0, QEMU Virtual CPU, emulated CPU (qemu TCG),
    /// THP madvise, memlock 8192 KiB, fork disabled, clocksource tsc`.
    public var summary: String {
        let parts = [
            "\(device) (\(driver))", "kernel \(kernel)", "rdma-core \(rdmaCore)", cpu,
            emulated ? "emulated CPU (qemu TCG)" : "native CPU", "THP \(thp)", "memlock \(memlock)", "fork \(forkMode)",
        ] + (clocksource.map { ["clocksource \($0)"] } ?? [])
        return (testbed.map { "\($0): " } ?? "") + parts.joined(separator: ", ")
    }

    /// `rdma_rxe`/`siw` from the device's vendor ID, else the kernel driver sysfs links the device to.
    static func driver(of device: String) -> String {
        guard let context = try? Context(deviceNamed: device) else { return "unknown" }
        defer { try? context.close() }
        if let software = context.attributes.softwareDriver { return software }
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/sys/class/infiniband/\(device)/device/driver", &target, target.count - 1)
        guard length > 0 else { return "hardware" }
        return string(fromCBuffer: target).split(separator: "/").last.map(String.init) ?? "hardware"
    }

    /// The corresponding C function is `ibv_is_fork_initialized`.
    static func forkMode() -> String {
        switch ibv_is_fork_initialized() {
        case IBV_FORK_DISABLED: "disabled"
        case IBV_FORK_ENABLED: "enabled"
        case IBV_FORK_UNNEEDED: "unneeded"
        default: "unknown"
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0.isNewline }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
