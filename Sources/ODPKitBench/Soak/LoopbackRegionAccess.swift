public import ODPKit

/// A registered region as one loopback path's NIC reaches it, for the soak: each access takes the
/// region's segments at its start (a mirror region's keys change with every re-pin), waits at most
/// `LoopbackPath.coherenceTimeout` for each completion, and after a failed one recovers the path's
/// queue pairs, so the next access starts clean.
public struct LoopbackRegionAccess: SoakNIC {
    public let path: LoopbackPath
    public let region: RegisteredRegion

    public init(path: LoopbackPath, region: RegisteredRegion) {
        self.path = path
        self.region = region
    }

    public func read(offset: Int, canary: [UInt8]) throws(ODPKitError) -> [UInt8] {
        switch path.coherenceRead(region, offset: offset, length: canary.count, canary: canary) {
        case .success(let bytes): return bytes
        case .failure(let failure): throw error(failure, "RDMA READ of \(canary.count) bytes at offset \(offset)")
        }
    }

    public func write(_ bytes: [UInt8], offset: Int) throws(ODPKitError) {
        if let failure = path.coherenceWrite(bytes, to: region, offset: offset) {
            throw error(failure, "RDMA WRITE of \(bytes.count) bytes at offset \(offset)")
        }
    }

    /// The failure as an error naming the access, its verdict, and a recovery that failed.
    private func error(_ failure: CoherenceFailure, _ access: String) -> ODPKitError {
        if let refusal = failure.refusal {
            return ODPKitError(refusal.code, function: refusal.function, errno: refusal.errno, reason: "\(access) of the \(region.mode) region refused: \(refusal.reason)")
        }
        let code: ODPKitError.Code = if failure.keysRetired { .retiredKey } else if case .timedOut = failure.verdict { .timedOut } else { .completionError }
        let retired = failure.keysRetired ? " (a re-pin had replaced the chunk's memory region when the access failed: its key was retired)" : ""
        let recovery = failure.recoveryError.map { "; recovering the queue pairs failed: \($0)" } ?? ""
        return ODPKitError(code, function: "odpkit soak", reason: "\(access) of the \(region.mode) region: \(failure.verdict)\(retired)\(recovery)")
    }
}

extension ODPKitError.Code {
    /// A NIC access failed after the memory region it was posted to had been deregistered: another
    /// thread's re-pin of a mirror chunk retired the key it had taken.
    public static let retiredKey = ODPKitError.Code(name: "retired-key")
}
