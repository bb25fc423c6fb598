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

    /// One line: `<name>: <device> (<driver>), kernel <release>, rdma-core <version>, <cpu>, emulated CPU
    /// (qemu TCG), THP <mode>, memlock <limit>, fork <mode>, clocksource <source>`.
    public var summary: String {
        let parts = [
            "\(device) (\(driver))", "kernel \(kernel)", "rdma-core \(rdmaCore)", cpu,
            emulated ? "emulated CPU (qemu TCG)" : "native CPU", "THP \(thp)", "memlock \(memlock)", "fork \(forkMode)",
        ] + (clocksource.map { ["clocksource \($0)"] } ?? [])
        return (testbed.map { "\($0): " } ?? "") + parts.joined(separator: ", ")
    }
}
