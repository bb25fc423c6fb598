import ODPKit

extension Doctor {
    /// The proof: a loopback RC connection on the device, then per mode one chunk's worth of memory
    /// registered, read whole by the NIC (RDMA READ) and written whole by it (RDMA WRITE), each compared
    /// byte for byte with what the CPU wrote or sees. A mode whose trial fails cannot run.
    func trialFindings(device: String, modes: [RegistrationMode]) -> [DoctorFinding] {
        guard !modes.isEmpty else { return [] }
        let path: LoopbackPath
        do throws(ODPKitError) {
            path = try LoopbackPath(device: device, stagingBytes: chunkBytes)
        } catch {
            return [.fail("loopback", error.description, action: "check port 1's link and GIDs (`ibv_devinfo -v -d \(device)`)", blocks: modes)]
        }
        defer { try? path.close() }
        return [.ok("loopback", "an RC queue pair connected to another on \(device) port \(path.options.port)")]
            + modes.map { trialFinding($0, on: path) }
    }

    /// One mode's trial on `path`.
    func trialFinding(_ mode: RegistrationMode, on path: LoopbackPath) -> DoctorFinding {
        let check = "trial.\(mode)"
        let cpu = BytePattern(salt: 0x3C), nic = BytePattern(salt: 0xC3)
        do throws(ODPKitError) {
            let memory = try AnonymousMemory(length: chunkBytes)
            cpu.fill(memory.bytes)
            let region = try path.register(mode, memory)
            defer { try? region.close() }
            if let position = Self.firstDifference(try path.read(region, length: memory.length), cpu.bytes(0..<memory.length)) {
                return .fail(check, "the NIC's RDMA READ of a \(byteText(UInt64(memory.length))) \(mode) region differs from the CPU's bytes from byte \(position) on",
                             action: "run `odpkit coherence --modes \(mode)` and see docs/doctor.md", blocks: [mode])
            }
            try path.write(nic.bytes(0..<memory.length), to: region)
            if let position = Self.firstDifference(Array(memory.bytes), nic.bytes(0..<memory.length)) {
                return .fail(check, "after the NIC's RDMA WRITE into a \(byteText(UInt64(memory.length))) \(mode) region the CPU sees other bytes from byte \(position) on",
                             action: "run `odpkit coherence --modes \(mode)` and see docs/doctor.md", blocks: [mode])
            }
            return .ok(check, "registered \(byteText(UInt64(memory.length))); the NIC's RDMA READ returned the CPU's bytes and the CPU saw its RDMA WRITE's")
        } catch {
            return .fail(check, error.description, action: "fix what the findings above name; the error says which call refused", blocks: [mode])
        }
    }

    /// The first position where `seen` and `expected` differ, nil when they are equal.
    static func firstDifference(_ seen: [UInt8], _ expected: [UInt8]) -> Int? {
        guard seen.count == expected.count else { return min(seen.count, expected.count) }
        return seen.indices.first { seen[$0] != expected[$0] }
    }
}
