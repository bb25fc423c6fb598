/// Room for what the monitor's idle pass reads out of the table, allocated with the region so that
/// the monitor thread never allocates: the runs of pages to populate and the suspect pages to probe.
/// Only the monitor thread touches it.
final class MonitorBuffers: @unchecked Sendable {
    /// The most runs, and the most suspect pages, one idle pass handles; the rest waits for the next.
    static let capacity = 1024

    let runs = UnsafeMutableBufferPointer<ChunkTable.Run>.allocate(capacity: capacity)
    let pages = UnsafeMutableBufferPointer<UInt>.allocate(capacity: capacity)

    deinit {
        runs.deallocate()
        pages.deallocate()
    }
}
