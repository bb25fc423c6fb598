import Foundation
import Testing
@testable import ODPKit
@testable import ODPKitBench

/// The doctor's pure parts: the memlock arithmetic, the verdicts and the exit status, and how each
/// finding reads what it was given (host).
@Suite("odpkit doctor: memlock arithmetic, verdicts, exit status, findings (host)")
struct DoctorTests {
    static let mebibyte = 1 << 20
    static let need = MemoryLockNeed(regionBytes: 1 << 30, chunkBytes: 1 << 18, stagingBytes: 16 << 20)

    @Test func eachModePinsItsPeak() {
        #expect(Self.need.bytes(.pinned) == (1 << 30) + (16 << 20))
        #expect(Self.need.bytes(.odp) == 16 << 20)
        #expect(Self.need.bytes(.mirror) == (1 << 30) + (16 << 20) + (1 << 18))
    }

    @Test func theLimitBlocksTheModesWhosePeakItExceeds() {
        #expect(Self.need.modesBeyond(MemoryLockLimit(bytes: 8 << 20, bypassed: false)) == [.pinned, .odp, .mirror])
        #expect(Self.need.modesBeyond(MemoryLockLimit(bytes: 1 << 30, bypassed: false)) == [.pinned, .mirror])
        // Exactly the pinned peak: pinned fits, the mirror's extra chunk does not.
        #expect(Self.need.modesBeyond(MemoryLockLimit(bytes: Self.need.bytes(.pinned), bypassed: false)) == [.mirror])
        #expect(Self.need.modesBeyond(MemoryLockLimit(bytes: Self.need.bytes(.mirror), bypassed: false)).isEmpty)
        #expect(Self.need.modesBeyond(MemoryLockLimit(bytes: 8 << 20, bypassed: true)).isEmpty)
        #expect(Self.need.modesBeyond(MemoryLockLimit(bytes: nil, bypassed: false)).isEmpty)
    }

    @Test func theLargestRegionThatFitsFitsAndOneMoreMiBDoesNot() throws {
        let limit = MemoryLockLimit(bytes: 64 << 20, bypassed: false)
        let largest = try #require(Self.need.largestRegionMiB(under: limit))
        #expect(largest == 47)
        var fits = Self.need
        fits.regionBytes = largest << 20
        #expect(fits.modesBeyond(limit).isEmpty)
        fits.regionBytes = (largest + 1) << 20
        #expect(fits.modesBeyond(limit) == [.mirror])
        #expect(Self.need.largestRegionMiB(under: MemoryLockLimit(bytes: 8 << 20, bypassed: false)) == 0)
        #expect(Self.need.largestRegionMiB(under: MemoryLockLimit(bytes: nil, bypassed: false)) == nil)
    }

    @Test func theMemlockFindingFailsTheBlockedModesAndSaysHowToRaise() {
        var doctor = Doctor()
        doctor.regionBytes = 1 << 30
        doctor.stagingBytes = 16 << 20
        let soft = doctor.memoryLockFinding(MemoryLockLimit(bytes: 256 << 20, bypassed: false, hardBytes: nil))
        #expect(soft.status == .fail && soft.blocks == [.pinned, .mirror])
        #expect(soft.action?.contains("ulimit -l unlimited") == true && soft.action?.contains("at most 239 MiB") == true, "\(soft.line)")
        let hard = doctor.memoryLockFinding(MemoryLockLimit(bytes: 8 << 20, bypassed: false, hardBytes: 8 << 20))
        #expect(hard.status == .fail && hard.blocks == RegistrationMode.allCases && hard.action?.contains("limits.conf") == true)
        #expect(hard.found.contains("RLIMIT_MEMLOCK 8 MiB (hard 8 MiB)"))
        let bypassed = doctor.memoryLockFinding(MemoryLockLimit(bytes: 8 << 20, bypassed: true))
        #expect(bypassed.status == .ok && bypassed.action == nil && bypassed.found.contains("CAP_IPC_LOCK held"))
    }

    static func report(_ findings: [DoctorFinding], devicePresent: Bool = true) -> DoctorReport {
        DoctorReport(device: devicePresent ? "dev0" : nil, regionBytes: 1 << 30, chunkBytes: 1 << 18,
                     system: SystemInfo(kernel: "k", rdmaCore: "r", libibverbsPath: "p", emulated: false), findings: findings, devicePresent: devicePresent)
    }

    @Test func exitStatusIsTwoWithoutADeviceOneWhenAModeCannotRunElseZero() {
        let warned = Self.report([.ok("a", "x"), .warn("b", "y", action: "z")])
        #expect(warned.exitStatus == 0 && warned.modes.allSatisfy(\.runs))
        let blocked = Self.report([.ok("a", "x"), .fail("memlock", "y", action: "z", blocks: [.mirror]), .fail("odp", "y", action: "z", blocks: [.odp, .mirror])])
        #expect(blocked.exitStatus == 1)
        #expect(blocked.modes.map(\.runs) == [true, false, false])
        #expect(blocked.modes.last?.blockedBy == ["memlock", "odp"])
        #expect(blocked.text.hasSuffix("exit 1: odp, mirror cannot run"), "\(blocked.text)")
        let none = Self.report([.fail("devices", "none", action: "load", blocks: RegistrationMode.allCases)], devicePresent: false)
        #expect(none.exitStatus == 2 && none.text.hasSuffix("exit 2: no RDMA device"))
        #expect(DoctorReport.exitStatus(devicePresent: false, modes: warned.modes) == 2)
    }

    @Test func theJSONKeepsEveryKeyWithNullsForTheAbsent() throws {
        let report = Self.report([.ok("a", "x")], devicePresent: false)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        #expect(json?["device"] is NSNull && json?["schema"] as? Int == 1 && json?["exitStatus"] as? Int == 2)
        let finding = (json?["findings"] as? [[String: Any]])?.first
        #expect(finding?["action"] is NSNull && finding?["status"] as? String == "ok" && finding?["blocks"] as? [String] == [])
        let decoded = try JSONDecoder().decode(DoctorReport.self, from: JSONEncoder().encode(report))
        #expect(decoded.findings == report.findings && decoded.modes == report.modes)
    }

    static func port(_ number: Int = 1, state: String = "ACTIVE", linkLayer: String = "Ethernet", mtu: Int = 4096, lid: Int = 0, gids: Int = 1) -> DeviceReport.Port {
        DeviceReport.Port(number: number, state: state, linkLayer: linkLayer, activeMTU: mtu, lid: lid,
                          gids: (0..<gids).map { DeviceReport.GIDRow(index: $0, gid: "fe80::\($0)", type: "RoCE v2", netdev: "eth0") })
    }

    @Test func aPortThatCannotCarryTrafficFailsEveryModeOnPortOneAndWarnsElsewhere() {
        #expect(Doctor.portFinding(Self.port(), softwareDriver: nil).status == .ok)
        let down = Doctor.portFinding(Self.port(state: "DOWN"), softwareDriver: nil)
        #expect(down.status == .fail && down.blocks == RegistrationMode.allCases && down.found.hasPrefix("DOWN, Ethernet, active MTU 4096"))
        #expect(Doctor.portFinding(Self.port(2, state: "DOWN"), softwareDriver: nil).status == .warn)
        #expect(Doctor.portFinding(Self.port(gids: 0), softwareDriver: nil).status == .fail)
        #expect(Doctor.portFinding(Self.port(linkLayer: "InfiniBand", lid: 0, gids: 1), softwareDriver: nil).status == .fail)
        #expect(Doctor.portFinding(Self.port(linkLayer: "InfiniBand", lid: 7, gids: 1), softwareDriver: nil).status == .ok)
        let many = Doctor.portFinding(Self.port(gids: 6), softwareDriver: nil)
        #expect(many.found.contains("[3] fe80::3") && !many.found.contains("[4]") && many.found.contains("and 2 more"))
    }

    @Test func rxeWithAnMTUBelowThePageSizeWarns() {
        #expect(Doctor.portFinding(Self.port(mtu: 1024), softwareDriver: "rdma_rxe").status == .warn)
        #expect(Doctor.portFinding(Self.port(mtu: 1024), softwareDriver: nil).status == .ok)
    }

    static func attributes(rc: ODPCapabilities.Operations = [.send, .receive, .read, .write], uc: ODPCapabilities.Operations = [],
                           maxMemoryRegions: Int = 1 << 20, maxMemoryRegionSize: UInt64 = .max) -> DeviceAttributes {
        DeviceAttributes(maxMemoryRegionSize: maxMemoryRegionSize, maxMemoryRegions: maxMemoryRegions,
                         odp: ODPCapabilities(general: .supported, rc: rc, uc: uc, ud: [.send], xrc: []))
    }

    @Test func rcWithoutTheOperationsOdpkitUsesFailsTheODPModeOtherTransportsWarn() {
        #expect(Doctor.transportFinding(.rc, Self.attributes(), device: "dev0").status == .ok)
        let noRead = Doctor.transportFinding(.rc, Self.attributes(rc: [.send, .receive, .write]), device: "dev0")
        #expect(noRead.status == .fail && noRead.blocks == [.odp] && noRead.action?.contains("IBV_ODP_SUPPORT_READ") == true, "\(noRead.line)")
        #expect(Doctor.transportFinding(.uc, Self.attributes(), device: "dev0").status == .warn)
        #expect(Doctor.transportFinding(.uc, Self.attributes(uc: [.send]), device: "dev0").status == .ok)
    }

    @Test func theDevicesMemoryRegionLimitsAgainstTheRegion() {
        var doctor = Doctor()
        doctor.regionBytes = 1 << 30
        #expect(doctor.memoryRegionLimitFinding(Self.attributes(), device: "dev0").status == .ok)
        let few = doctor.memoryRegionLimitFinding(Self.attributes(maxMemoryRegions: 4096), device: "dev0")
        #expect(few.status == .fail && few.blocks == [.mirror] && few.found.contains("4096 chunks of 256 KiB"))
        let small = doctor.memoryRegionLimitFinding(Self.attributes(maxMemoryRegionSize: 1 << 20), device: "dev0")
        #expect(small.status == .fail && small.blocks == [.pinned, .odp])
    }

    @Test func theSysctlWarnsOnlyWhenNothingElseOpensForKernelFaults() {
        #expect(Doctor.sysctlFinding(0, ptrace: false, deviceOpens: false).status == .warn)
        #expect(Doctor.sysctlFinding(0, ptrace: true, deviceOpens: false).status == .ok)
        #expect(Doctor.sysctlFinding(0, ptrace: false, deviceOpens: true).status == .ok)
        #expect(Doctor.sysctlFinding(1, ptrace: false, deviceOpens: false).status == .ok)
        #expect(Doctor.sysctlFinding(nil, ptrace: false, deviceOpens: false).status == .ok)
    }

    @Test func forkModesAndTheCPU() {
        #expect(Doctor.forkFinding("unneeded").status == .ok)
        #expect(Doctor.forkFinding("enabled").status == .warn && Doctor.forkFinding("disabled").status == .warn)
        let tcg = CPUInfo(cpuinfo: ["model name\t: QEMU TCG CPU version 2.5+", "flags\t\t: hypervisor"], machine: nil)
        #expect(Doctor.cpuFinding(tcg, testbedLabel: nil).found.hasPrefix("emulated (qemu TCG)"))
        let vm = CPUInfo(cpuinfo: ["model name\t: AMD EPYC", "flags\t\t: hypervisor"], machine: nil)
        #expect(Doctor.cpuFinding(vm, testbedLabel: nil).found.hasPrefix("virtual machine"))
        #expect(Doctor.cpuFinding(vm, testbedLabel: "…, qemu 7.2.22 TCG, 2 vCPUs").found.hasPrefix("emulated"))
        let native = CPUInfo(cpuinfo: ["model name\t: AMD EPYC", "flags\t\t: fpu"], machine: nil)
        #expect(Doctor.cpuFinding(native, testbedLabel: nil).status == .ok)
    }

    @Test func bytesForAReader() {
        #expect(byteText(1040 << 20) == "1040 MiB")
        #expect(byteText((1040 << 20) + (1 << 18)) == "1040.25 MiB")
        #expect(byteText((1 << 20) + 1) == "1 MiB")
        #expect(byteText((2 << 20) - 1) == "2 MiB")
        #expect(byteText((1 << 20) + (1 << 20) / 20) == "1.05 MiB")
        #expect(byteText(8192) == "8 KiB" && byteText(100) == "100 bytes")
        #expect(byteText(.max) == "17592186044416 MiB")
    }
}
