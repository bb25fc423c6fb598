import ODPKit

extension Doctor {
    /// `RLIMIT_MEMLOCK` and `CAP_IPC_LOCK` against what a report with regions of `regionBytes` pins in
    /// each mode (`MemoryLockNeed`).
    func memoryLockFinding(_ limit: MemoryLockLimit) -> DoctorFinding {
        let need = MemoryLockNeed(regionBytes: regionBytes, chunkBytes: chunkBytes, stagingBytes: stagingBytes)
        let soft = limit.bytes.map(byteText) ?? "unlimited"
        let hard = limit.hardBytes.map(byteText) ?? "unlimited"
        let found = "RLIMIT_MEMLOCK \(soft) (hard \(hard)), CAP_IPC_LOCK \(limit.bypassed ? "held" : "not held"); "
            + "regions of \(byteText(UInt64(regionBytes))) pin \(byteText(need.bytes(.pinned))) pinned, \(byteText(need.bytes(.mirror))) mirrored, "
            + "\(byteText(need.bytes(.odp))) with ODP (the report's staging buffer)"
        let blocked = need.modesBeyond(limit)
        guard !blocked.isEmpty else { return .ok("memlock", found) }
        let raise = limit.hardBytes == nil
            ? "raise it: `ulimit -l unlimited`"
            : "raise it past the hard limit (`memlock` in /etc/security/limits.conf, `LimitMEMLOCK=infinity` for a systemd service), then `ulimit -l unlimited`"
        let smaller = need.largestRegionMiB(under: limit).map { $0 > 0 ? "; or measure regions of at most \($0) MiB (--max-region-mib, --region-mib here)" : "" } ?? ""
        return .fail("memlock", found, action: "\(raise), or grant CAP_IPC_LOCK\(smaller)", blocks: blocked)
    }
}
