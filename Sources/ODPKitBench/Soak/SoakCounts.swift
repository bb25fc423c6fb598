import ODPKit

/// What the soak's threads counted: every checked access, every mismatch by kind, every change, every
/// access that failed. Each thread counts its own; they are added up when it ends.
public struct SoakCounts: Sendable, Hashable, Codable {
    /// READs checked (completed and compared).
    public var reads = 0
    /// WRITEs checked.
    public var writes = 0
    public var readMismatches = 0
    public var writeMismatches = 0
    /// Mismatches where another content of the page came: the old page (stale).
    public var staleMismatches = 0
    /// Mismatches where nothing of the READ landed.
    public var canaryMismatches = 0
    /// Mismatches with other bytes.
    public var otherMismatches = 0
    /// The first mismatches, in the order their threads ended (at most `keptExamples` of them).
    public var firstMismatches: [SoakMismatch] = []
    /// The longest access with its check, checked or failed (from taking the region's segments to the
    /// comparison), in nanoseconds.
    public var longestAccessNanoseconds: UInt64 = 0
    /// Accesses that failed (the NIC's completion, a refusal, a timeout): not checked.
    public var failedAccesses = 0
    /// Failed accesses by their error's code and function: `retired-key (odpkit soak)`, `timed-out (odpkit mirror refresh)`.
    public var failureKinds: [String: Int] = [:]
    /// The first distinct failures, as their errors read (at most `keptExamples`).
    public var failures: [String] = []
    /// Changes made, by `MappingChange` raw value.
    public var changes: [String: Int] = [:]
    /// Pages those changes covered.
    public var pagesChanged = 0
    /// Threads that stopped before the end, and why.
    public var stoppedThreads: [String] = []

    static let keptExamples = 10

    public init() {}

    public var accesses: Int { reads + writes }
    public var mismatches: Int { readMismatches + writeMismatches }
    public var changeCount: Int { changes.values.reduce(0, +) }

    /// Counts `mismatch`, by its access and what was found.
    mutating func record(_ mismatch: SoakMismatch) {
        switch mismatch.access {
        case .read: readMismatches += 1
        case .write: writeMismatches += 1
        }
        switch mismatch.found {
        case .content: staleMismatches += 1
        case .canary: canaryMismatches += 1
        case .otherBytes: otherMismatches += 1
        }
        if firstMismatches.count < Self.keptExamples { firstMismatches.append(mismatch) }
    }

    /// Notes an access that took `nanoseconds`.
    mutating func recordDuration(_ nanoseconds: UInt64) {
        longestAccessNanoseconds = max(longestAccessNanoseconds, nanoseconds)
    }

    /// Counts a failed access that took `nanoseconds`.
    mutating func recordFailure(_ error: ODPKitError, after nanoseconds: UInt64) {
        recordDuration(nanoseconds)
        failedAccesses += 1
        failureKinds[Self.kind(of: error), default: 0] += 1
        let text = "\(error) (after \(nanoseconds / 1_000_000) ms)"
        if failures.count < Self.keptExamples, !failures.contains(text) { failures.append(text) }
    }

    /// The key of `error` in `failureKinds`.
    static func kind(of error: ODPKitError) -> String {
        "\(error.code) (\(error.function))"
    }

    /// Counts a change of `pages` pages.
    mutating func recordChange(_ change: MappingChange, pages: Int) {
        changes[change.rawValue, default: 0] += 1
        pagesChanged += pages
    }

    /// Adds `other`'s counts to these.
    mutating func add(_ other: SoakCounts) {
        reads += other.reads
        writes += other.writes
        readMismatches += other.readMismatches
        writeMismatches += other.writeMismatches
        staleMismatches += other.staleMismatches
        canaryMismatches += other.canaryMismatches
        otherMismatches += other.otherMismatches
        firstMismatches = Array((firstMismatches + other.firstMismatches).prefix(Self.keptExamples))
        longestAccessNanoseconds = max(longestAccessNanoseconds, other.longestAccessNanoseconds)
        failedAccesses += other.failedAccesses
        failureKinds.merge(other.failureKinds, uniquingKeysWith: +)
        failures = Array((failures + other.failures.filter { !failures.contains($0) }).prefix(Self.keptExamples))
        changes.merge(other.changes, uniquingKeysWith: +)
        pagesChanged += other.pagesChanged
        stoppedThreads += other.stoppedThreads
    }
}
