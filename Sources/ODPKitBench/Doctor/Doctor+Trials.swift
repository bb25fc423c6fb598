import ODPKit

extension Doctor {
    /// The proof: a loopback RC connection on the device, then per mode a region of two mirror chunks
    /// registered, and the two pages around the chunks' boundary read by the NIC (RDMA READ) and written
    /// by it (RDMA WRITE), each compared byte for byte with what the CPU wrote or sees. A mode whose
    /// trial fails cannot run.
    func trialFindings(device: String, modes: [RegistrationMode]) -> [DoctorFinding] {
        guard !modes.isEmpty else { return [] }
        let path: LoopbackPath
        do throws(ODPKitError) {
            path = try LoopbackPath(device: device, stagingBytes: 2 * pageSize)
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
        // The last page of the first chunk and the first of the second: a mirror region's two segments.
        let window = (chunkBytes - pageSize)..<(chunkBytes + pageSize)
        let cpu = BytePattern(salt: 0x3C), nic = BytePattern(salt: 0xC3)
        let span = "bytes \(window.lowerBound)..<\(window.upperBound)"
        let what = "\(span) of a \(byteText(UInt64(2 * chunkBytes))) \(mode) region"
        let action = "run `odpkit coherence --modes \(mode)`; see docs/doctor.md"
        do throws(ODPKitError) {
            let memory = try AnonymousMemory(length: 2 * chunkBytes)
            cpu.fill(UnsafeMutableRawBufferPointer(rebasing: memory.bytes[window]))
            let region = try path.register(mode, memory)
            defer { try? region.close() }
            if let position = Self.firstDifference(try path.read(region, offset: window.lowerBound, length: window.count), cpu.bytes(0..<window.count)) {
                return .fail(check, "the NIC's RDMA READ of \(what) differs from the CPU's bytes from byte \(position) on", action: action, blocks: [mode])
            }
            try path.write(nic.bytes(0..<window.count), to: region, offset: window.lowerBound)
            if let position = Self.firstDifference(Array(memory.bytes[window]), nic.bytes(0..<window.count)) {
                return .fail(check, "after the NIC's RDMA WRITE of \(what) the CPU sees other bytes from byte \(position) on", action: action, blocks: [mode])
            }
            return .ok(check, "registered \(byteText(UInt64(memory.length))); the NIC's RDMA READ of \(span) (two pages across the chunks' boundary) returned the CPU's bytes, and the CPU saw its RDMA WRITE's")
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
