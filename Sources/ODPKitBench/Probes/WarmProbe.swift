public import ODPKit
public import ODPKitReport

/// The warm data path: RDMA READ, RDMA WRITE and SEND latency from `sizes` bytes on present pages,
/// per mode, the baseline that fault costs are read against; and perftest's write ping-pong (half its
/// round trip, what `ib_write_lat` reports). One work request per sample for pinned and ODP regions
/// (posting and polling allocate nothing); a mirror region's READ or WRITE may span chunks (one work
/// request each), its SEND and ping-pong stop at one chunk (one work request, one memory region).
///
/// The modes alternate in blocks of `blockSamples` back-to-back samples, not sample by sample: drift
/// still reaches every mode alike, and each block runs the data path warm, as perftest's loop does
/// (docs/methodology.md says why). Inside a block a READ or WRITE of one work request is timed as
/// `ib_read_lat` times it, completion to completion with one clock read between
/// (`LoopbackPath.timeTransfers`), so that nothing between a completion and the next post delays the
/// next sample. The ping-pong, SEND and a mirror READ or WRITE spanning chunks are timed post to
/// completion, one sample at a time.
public enum WarmProbe {
    public enum Operation: CaseIterable, Sendable {
        case read, write, writePingPong, send

        /// The warm operation a cell operation names; nil when it is none.
        public init?(_ operation: CellOperation) {
            guard let warm = Self.allCases.first(where: { $0.cellOperation == operation }) else { return nil }
            self = warm
        }

        /// The operation of this one's cells.
        public var cellOperation: CellOperation {
            switch self {
            case .read: .read
            case .write: .write
            case .writePingPong: .writePingPong
            case .send: .send
            }
        }

        /// The NIC access of a READ or a WRITE, timed back to back (`LoopbackPath.timeTransfers`); nil for the others.
        var access: NICAccess? {
            switch self {
            case .read: .read
            case .write: .write
            case .writePingPong, .send: nil
            }
        }
    }

    /// Samples of one cell taken back to back before the next mode's.
    public static let blockSamples = 50

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

    /// Measures every operation at every size in every mode into cells of `conditions` (the message-size
    /// sweep's by default).
    public static func run(
        sizes: [Int], operations: [Operation] = Operation.allCases, modes: [RegistrationMode], budget: ProbeBudget,
        conditions: CellConditions = PerftestPairing.sweepConditions,
        on path: LoopbackPath, into results: ProbeResults, progress: (String) -> Void
    ) throws(ODPKitError) {
        // Twice the largest message or page: the write ping-pong's responder WRITEs from the second part.
        let regionBytes = 2 * max(pageSize, sizes.max() ?? pageSize)
        let setups = try ProbeRegion.perMode(modes, bytes: regionBytes, fill: 0x42, mirrorRefresh: .eager, on: path)
        defer { ProbeRegion.closeAll(setups) }
        for operation in operations {
            for size in sizes {
                progress("warm: \(operation.cellOperation) of \(size) bytes")
                let plan = setups.compactMap { setup -> (RegisteredRegion, CellRecorder)? in
                    if operation == .send || operation == .writePingPong, let mirror = setup.region.mirror, size > mirror.chunkSize { return nil }
                    return (setup.region, results.recorder(CellKey(probe: .warm, mode: setup.mode, operation: operation.cellOperation, bytes: size,
                                                                   pages: (size + pageSize - 1) / pageSize, conditions: conditions)))
                }
                try blocks(of: budget).rounds(cells: plan.count) { _, recording throws(ODPKitError) in
                    for (region, recorder) in plan {
                        try budget.checkInterruption()
                        let count = recording ? min(blockSamples, budget.samples - recorder.samples.count - recorder.failures) : blockSamples
                        if let access = operation.access, region.mirror.map({ size <= $0.chunkSize }) ?? true {
                            recorder.measureBlock(recording, count: count) { samples, measured throws(ODPKitError) in
                                try path.timeTransfers(access, region, length: size, into: samples, measured: &measured)
                            }
                            continue
                        }
                        for _ in 0..<count {
                            recorder.measure(recording, dividedBy: operation == .writePingPong ? 2 : 1) { () throws(ODPKitError) in
                                switch operation {
                                case .read: try path.transfer(.read, region, length: size)
                                case .write: try path.transfer(.write, region, length: size)
                                case .writePingPong: try path.writePingPong(region, length: size)
                                case .send: try path.send(into: region, length: size)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `budget` counted in blocks: a round is one block of every cell, so samples, warm-up and the
    /// minimum become block counts (rounded up), and the time per cell is kept.
    static func blocks(of budget: ProbeBudget) -> ProbeBudget {
        func inBlocks(_ samples: Int) -> Int { (samples + blockSamples - 1) / blockSamples }
        return ProbeBudget(samples: inBlocks(budget.samples), warmUp: inBlocks(budget.warmUp),
                           secondsPerCell: budget.secondsPerCell, minimumSamples: inBlocks(budget.minimumSamples))
    }
}
