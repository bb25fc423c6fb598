import Testing
@testable import ODPKitBench

/// What the doctor reads from /proc and /sys, parsed from text the kernel writes.
@Suite("kernel text: sysctls, settings, key-value lines, mounts, the CPU (host)")
struct KernelTextTests {
    @Test func aSysctlIsOneIntegerOrNothing() {
        #expect(KernelText.integer("65530\n") == 65530)
        #expect(KernelText.integer("  4\t\n") == 4)
        #expect(KernelText.integer("0") == 0)
        #expect(KernelText.integer("") == nil)
        #expect(KernelText.integer("4 8\n") == nil)
        #expect(KernelText.integer("unlimited") == nil)
    }

    @Test func aSettingsChoiceIsItsBracketedWord() {
        #expect(KernelText.bracketedChoice("always [madvise] never\n") == "madvise")
        #expect(KernelText.bracketedChoice("[always] madvise never") == "always")
        #expect(KernelText.bracketedChoice("always defer defer+madvise madvise [never]") == "never")
        #expect(KernelText.bracketedChoice("always madvise never") == nil)
        #expect(KernelText.bracketedChoice("always [madvise never") == nil)
    }

    @Test func aKeyMatchesWholeNotAsAPrefix() {
        let cpuinfo = ["processor\t: 0", "vendor_id\t: AuthenticAMD", "model\t\t: 1", "model name\t: QEMU TCG CPU version 2.5+", "flags\t\t: fpu sse2 hypervisor lahf_lm", "", "processor\t: 1", "model name\t: other"]
        #expect(KernelText.value(of: "model", in: cpuinfo) == "1")
        #expect(KernelText.value(of: "model name", in: cpuinfo) == "QEMU TCG CPU version 2.5+")
        #expect(KernelText.value(of: "stepping", in: cpuinfo) == nil)
        let meminfo = ["HugePages_Total:       4", "HugePages_Free:        3", "Hugepagesize:       2048 kB"]
        #expect(KernelText.value(of: "HugePages_Free", in: meminfo) == "3")
        #expect(KernelText.value(of: "Hugepagesize", in: meminfo) == "2048 kB")
    }

    @Test func mountPointsOfOneType() {
        let mounts = ["proc /proc proc rw,nosuid 0 0", "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0",
                      "none /mnt/huge\\0401G hugetlbfs rw,pagesize=1024M 0 0", "tmpfs /tmp tmpfs rw 0 0", "broken"]
        #expect(KernelText.mountPoints(ofType: "hugetlbfs", in: mounts) == ["/dev/hugepages", "/mnt/huge\\0401G"])
        #expect(KernelText.mountPoints(ofType: "9p", in: mounts).isEmpty)
    }

    @Test func theCPUsModelAndHypervisorFlag() {
        let tcg = CPUInfo(cpuinfo: ["model name\t: QEMU TCG CPU version 2.5+", "flags\t\t: fpu hypervisor lahf_lm"], machine: "QEMU Standard PC (i440FX + PIIX, 1996)")
        #expect(tcg.modelName == "QEMU TCG CPU version 2.5+" && tcg.hypervisor && tcg.isEmulated)
        let kvm = CPUInfo(cpuinfo: ["model name\t: AMD EPYC", "flags\t\t: fpu hypervisor"], machine: nil)
        #expect(kvm.hypervisor && !kvm.isEmulated)
        let native = CPUInfo(cpuinfo: ["model name\t: Intel(R) Xeon(R) Gold 6330", "flags\t\t: fpu vmx hypervisor_less"], machine: nil)
        #expect(!native.hypervisor && !native.isEmulated)
    }
}
