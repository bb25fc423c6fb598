import ODPKit

#if canImport(Glibc)
import Glibc
#endif

/// What the kernel says about the processor: its model, whether a hypervisor runs under it, and the
/// machine's name in its firmware (DMI).
struct CPUInfo: Sendable, Hashable {
    /// The first `model name` of /proc/cpuinfo (`QEMU TCG CPU version 2.5+`), nil when there is none.
    var modelName: String?
    /// Whether the CPU flags include `hypervisor`: the kernel runs in a virtual machine.
    var hypervisor: Bool
    /// DMI's `sys_vendor` and `product_name` (`QEMU Standard PC (i440FX + PIIX, 1996)`), nil when
    /// /sys/class/dmi has neither.
    var machine: String?

    /// Reads `lines` of /proc/cpuinfo; `machine` is the DMI name.
    init(cpuinfo lines: [String], machine: String?) {
        modelName = KernelText.value(of: "model name", in: lines)
        hypervisor = KernelText.value(of: "flags", in: lines)?.split(separator: " ").contains("hypervisor") ?? false
        self.machine = machine
    }

    /// This machine's, now.
    static func current() -> CPUInfo {
        let dmi = ["sys_vendor", "product_name"].compactMap { name in
            firstLine(of: "/sys/class/dmi/id/\(name)", startingWith: "").map { Substring($0).trimmingWhitespace() }
        }.filter { !$0.isEmpty }
        return CPUInfo(cpuinfo: lines(of: "/proc/cpuinfo") ?? [], machine: dmi.isEmpty ? nil : dmi.joined(separator: " "))
    }

    /// qemu names its CPU models "QEMU … CPU" unless told otherwise: TCG's `QEMU TCG CPU`, and the
    /// generic `QEMU Virtual CPU` that TCG and KVM both offer.
    var isEmulated: Bool { modelName?.contains("QEMU") ?? false }
}
