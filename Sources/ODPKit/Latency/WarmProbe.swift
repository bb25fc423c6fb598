public import Verbs

/// The warm data path: RDMA READ, RDMA WRITE and SEND latency from `sizes` bytes on present pages,
/// per mode, the baseline that fault costs are read against. One work request per sample for pinned
/// and ODP regions (posting and polling allocate nothing); a mirror region's access may span chunks
/// (one work request each), and its SEND stops at one chunk (a receive takes one memory region).
public enum WarmProbe {
    public enum Operation: String, CaseIterable, Sendable {
        case read = "RDMA READ"
        case write = "RDMA WRITE"
        case send = "SEND"
    }

    /// 8 bytes doubling up to `maximum`.
    public static func sizes(upTo maximum: Int) -> [Int] {
        var sizes: [Int] = []
        var size = 8
        while size <= maximum {
            sizes.append(size)
            size *= 2
        }
        return sizes
    }

    public static func run(
        sizes: [Int], operations: [Operation] = Operation.allCases, modes: [RegistrationMode], budget: ProbeBudget,
        on path: LoopbackPath, into results: ProbeResults, progress: (String) -> Void
    ) throws(ODPKitError) {
        let regionBytes = max(pageSize, sizes.max() ?? pageSize)
        let setups = try ProbeRegion.perMode(modes, bytes: regionBytes, fill: 0x42, mirrorRefresh: .eager, on: path)
        defer { ProbeRegion.closeAll(setups) }
        for operation in operations {
            for size in sizes {
                progress("warm: \(operation.rawValue) of \(size) bytes")
                let plan = setups.compactMap { setup -> (RegisteredRegion, CellRecorder)? in
                    if operation == .send, let mirror = setup.region.mirror, size > mirror.chunkSize { return nil }
                    return (setup.region, results.recorder(.warm, setup.mode.rawValue, operation.rawValue, bytes: size, pages: (size + pageSize - 1) / pageSize,
                                                           conditions: ["pages": "present", "sweep": "message size"]))
                }
                try budget.rounds(cells: plan.count) { _, recording throws(ODPKitError) in
                    for (region, recorder) in plan {
                        recorder.measure(recording) { () throws(ODPKitError) in
                            switch operation {
                            case .read: try path.transfer(.read, region, length: size)
                            case .write: try path.transfer(.write, region, length: size)
                            case .send: try path.send(into: region, length: size)
                            }
                        }
                    }
                }
            }
        }
    }
}
