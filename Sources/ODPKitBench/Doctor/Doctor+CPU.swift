extension Doctor {
    /// Whether the CPU is emulated or virtual: then timings are not hardware timings. `testbedLabel` is
    /// the testbed's own (`ODPKIT_TESTBED_LABEL`), which says TCG when it is.
    static func cpuFinding(_ cpu: CPUInfo, testbedLabel: String?) -> DoctorFinding {
        let model = cpu.modelName ?? "unknown model"
        let found = "\(model)\(cpu.hypervisor ? ", hypervisor flag set" : "")\(cpu.machine.map { ", machine \($0)" } ?? "")"
        if model.contains("TCG") || testbedLabel?.contains("TCG") == true {
            return .warn("cpu", "emulated (qemu TCG): \(found)",
                         action: "timings here are not hardware timings: compare the modes with each other, not with a NIC's figures")
        }
        if cpu.isEmulated {
            return .warn("cpu", "qemu's generic CPU model (emulated by TCG or virtualized by KVM): \(found)",
                         action: "timings here are not hardware timings: measure on the machine with the NIC")
        }
        if cpu.hypervisor {
            return .warn("cpu", "virtual machine: \(found)",
                         action: "timings include the hypervisor's: measure on bare metal for hardware timings")
        }
        return .ok("cpu", "native: \(found)")
    }
}
