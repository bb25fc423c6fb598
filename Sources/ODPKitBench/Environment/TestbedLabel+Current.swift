import CODPKitVerbs
public import ODPKitReport
import ODPKitSystem
import ODPKit

#if canImport(Glibc)
import Glibc
#endif

extension TestbedLabel {
    /// The label of this machine and `device` now. Opens the device briefly to tell a software driver
    /// from hardware, as `DeviceReport` does.
    public static func current(device: String) -> TestbedLabel {
        let system = SystemInfo.current()
        let cpu = CPUInfo.current().modelName ?? "unknown"
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
