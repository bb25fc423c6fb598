import ODPKit

#if canImport(Glibc)
import Glibc
#endif

extension CoherenceScenario {
    /// The bytes the parent writes after a fork.
    static let parentWritePattern = BytePattern(salt: 0x2F)
    /// The bytes a forked child writes into its copy of the range.
    static let childWritePattern = BytePattern(salt: 0x5D)

    /// `fork()`; the parent writes the whole region while the child, which wrote nothing, still lives
    /// (so each page is copy-on-write shared at the write), then the child exits.
    static let forkParentWrites = CoherenceScenario("fork-parent-writes", "fork(); the parent writes the region while the child lives",
                                                    patterns: [parentWritePattern]) { memory throws(ODPKitError) in
        try forkThenParentWrites(memory)
    }

    /// `fork-parent-writes` on a region marked `MADV_DONTFORK` first: the child gets no copy of it.
    static let forkParentWritesDontFork = CoherenceScenario("fork-parent-writes-dontfork", "madvise(MADV_DONTFORK); fork(); the parent writes the region",
                                                            patterns: [parentWritePattern]) { memory throws(ODPKitError) in
        try system_madvise(memory.base, memory.length, MADV_DONTFORK)
        try forkThenParentWrites(memory)
    }

    /// `fork()`; the child writes the whole region (its copy) and exits; the parent reaps it.
    static let forkChildWrites = CoherenceScenario("fork-child-writes", "fork(); the child writes the region and exits",
                                                   patterns: [childWritePattern]) { memory throws(ODPKitError) in
        try forkThenChildWrites(memory)
    }

    /// `fork-child-writes` on a region marked `MADV_DONTFORK` first: the child has no mapping to write,
    /// which makes the cell n/a.
    static let forkChildWritesDontFork = CoherenceScenario("fork-child-writes-dontfork", "madvise(MADV_DONTFORK); fork(); the child writes the region",
                                                           patterns: [childWritePattern]) { memory throws(ODPKitError) in
        try system_madvise(memory.base, memory.length, MADV_DONTFORK)
        try forkThenChildWrites(memory)
    }

    /// `fork()` of a `MAP_SHARED` anonymous region; the child writes it (the parent's pages too) and exits.
    static let forkSharedChildWrites = CoherenceScenario("fork-shared-child-writes", "fork() with a MAP_SHARED anonymous region; the child writes it",
                                                         memory: .sharedAnonymous, patterns: [childWritePattern]) { memory throws(ODPKitError) in
        try forkThenChildWrites(memory)
    }

    /// Forks a child that holds, writes `parentWritePattern` over the region, releases and reaps the child.
    private static func forkThenParentWrites(_ memory: ScenarioMemory) throws(ODPKitError) {
        var child = try ForkedChild(to: memory.base, holds: true)
        parentWritePattern.fill(memory.bytes)
        _ = try child.releaseAndWait()
    }

    /// Forks a child that writes `childWritePattern` over its copy of the region, and reaps it; a
    /// child without the mapping makes the cell n/a.
    private static func forkThenChildWrites(_ memory: ScenarioMemory) throws(ODPKitError) {
        var child = try ForkedChild(writing: childWritePattern.bytes(0..<memory.length), to: memory.base)
        if try child.releaseAndWait() == .rangeUnmapped {
            throw ODPKitError(.notApplicable, function: "fork", reason: "the child has no mapping of the region (MADV_DONTFORK)")
        }
    }
}
