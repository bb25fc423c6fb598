import Testing
@testable import ODPKit

@Suite("mirror chunk table: the user-space interval notifier (host)")
struct ChunkTableTests {
    let page = 4096
    func table() -> ChunkTable { ChunkTable(base: 0x10_0000, length: 16 * 4096, chunkSize: 4 * 4096, pageSize: 4096) }

    func establishAll(_ table: ChunkTable) {
        for index in 0..<table.chunkCount {
            guard case .pin(let sequence, _) = table.beginRefresh(index) else { Issue.record("chunk \(index) not pinnable"); return }
            #expect(table.commitRefresh(index, sequence: sequence) == .committed(window: nil))
        }
    }

    @Test func geometry() {
        let table = table()
        #expect(table.chunkCount == 4)
        #expect(table.chunks(overlapping: 0x10_0000, 0x10_1000) == 0..<1)
        #expect(table.chunks(overlapping: 0x10_3000, 0x10_5000) == 0..<2)
        #expect(table.chunks(overlapping: 0x0, 0x10_0000) == 0..<0)
        #expect(table.chunks(overlapping: 0x10_0000 + 16 * 4096, 0x20_0000) == 0..<0)
        #expect(table.chunks(overlapping: 0, .max) == 0..<4)
    }

    @Test func removeWaitsForTheZapThenPinsAndCommits() {
        let table = table()
        establishAll(table)
        let generation = table.generation
        let touched = table.invalidate(0x10_5000, 0x10_6000, cause: .remove)
        #expect(touched == 1..<2)
        #expect(table.generation == generation + 1, "the generation moves at the invalidation: a peer sees the window")
        #expect(table.validity().valid == [true, false, true, true])
        #expect(table.beginRefresh(0) == .valid)
        #expect(table.beginRefresh(1) == .waitForZap)
        #expect(table.pendingRuns().map(\.start) == [0x10_5000])
        #expect(table.pendingRuns().map(\.length) == [4096])
        table.markPopulated(0x10_5000)
        guard case .pin(let sequence, let remapped) = table.beginRefresh(1) else { Issue.record("not pinnable"); return }
        #expect(!remapped)
        guard case .committed(let window) = table.commitRefresh(1, sequence: sequence) else { Issue.record("not committed"); return }
        #expect(window != nil)
        #expect(table.generation == generation + 2, "and again when the chunk is re-established")
        #expect(table.isValid(0..<(16 * page)))
    }

    @Test func anInvalidationDuringThePinIsNeverLost() {
        let table = table()
        establishAll(table)
        table.invalidate(0x10_0000, 0x10_1000, cause: .unmap)
        guard case .pin(let sequence, let remapped) = table.beginRefresh(0) else { Issue.record("not pinnable"); return }
        #expect(remapped)
        table.invalidate(0x10_0000, 0x10_1000, cause: .unmap)  // races with the pin
        #expect(table.commitRefresh(0, sequence: sequence) == .retry)
        #expect(table.beginRefresh(0) != .valid)
    }

    @Test func costFollowsTheInvalidatedRangeNotTheRegion() {
        let large = ChunkTable(base: 0x1000_0000, length: 1 << 30, chunkSize: 1 << 21, pageSize: 4096)
        #expect(large.chunkCount == 512)
        let touched = large.invalidate(0x1000_0000 + 0x40_0000, 0x1000_0000 + 0x40_1000, cause: .remove)
        #expect(touched.count == 1)
        #expect(large.pendingRuns().count == 1)
    }

    @Test func unmapDropsPendingPagesOfTheRange() {
        let table = table()
        table.invalidate(0x10_0000, 0x10_5000, cause: .remove)
        table.invalidate(0x10_6000, 0x10_7000, cause: .remove)
        #expect(table.pendingRuns().map(\.length) == [4 * 4096, 4096, 4096], "runs stop at chunk boundaries and gaps")
        table.markPopulated(0x10_1000, length: 2 * 4096)
        #expect(table.pendingRuns().map(\.start) == [0x10_0000, 0x10_3000, 0x10_4000, 0x10_6000])
        table.invalidate(0x10_0000, 0x10_7000, cause: .unmap)
        #expect(table.pendingRuns().isEmpty)
    }
}

extension ChunkTable {
    /// Every pending run, as the monitor's idle pass reads them (its buffer's capacity at most).
    func pendingRuns() -> [Run] {
        let buffer = UnsafeMutableBufferPointer<Run>.allocate(capacity: MonitorBuffers.capacity)
        defer { buffer.deallocate() }
        return Array(buffer[..<pendingRuns(into: buffer)])
    }
}
