import Foundation
import Testing
import TestSupport
import Verbs
@testable import ODPKit
@testable import ODPKitBench

@Suite("anonymous memory, page dropping, memlock accounting (host)")
struct MemoryTests {
    @Test func dropPagesMakesTheCPUSeeZeros() throws {
        let memory = try AnonymousMemory(length: 3 * pageSize + 1)
        #expect(memory.length == 4 * pageSize)
        memory.fill(0xAB)
        #expect(ByteSummary(memory.bytes).uniform == 0xAB)
        try memory.dropPages(pageSize..<(2 * pageSize))
        #expect(ByteSummary(memory.bytes[pageSize..<(2 * pageSize)]).description == "zeros × \(pageSize)")
        #expect(ByteSummary(memory.bytes[0..<pageSize]).uniform == 0xAB)
    }

    @Test func aFreshMappingOverSomePagesMakesTheCPUSeeZerosThereOnly() throws {
        let memory = try AnonymousMemory(length: 4 * pageSize)
        memory.fill(0xAB)
        try memory.replaceWithFreshMapping(pageSize..<(3 * pageSize))
        #expect(ByteSummary(memory.bytes[pageSize..<(3 * pageSize)]).description == "zeros × \(2 * pageSize)")
        #expect(ByteSummary(memory.bytes[0..<pageSize]).uniform == 0xAB && ByteSummary(memory.bytes[(3 * pageSize)...]).uniform == 0xAB)
        try memory.replaceWithFreshMapping()
        #expect(ByteSummary(memory.bytes).description == "zeros × \(4 * pageSize)")
    }

    @Test func unmapIsIdempotentAndTheRangeIsThenUnmapped() throws {
        let memory = try AnonymousMemory(length: pageSize)
        #expect(try system_rangeIsMapped(memory.baseAddress, memory.length))
        try memory.unmap()
        try memory.unmap()
        #expect(try !system_rangeIsMapped(memory.baseAddress, memory.length))
    }

    @Test func zeroLengthMappingIsRefused() {
        let error = #expect(throws: ODPKitError.self) { try AnonymousMemory(length: 0) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func summaries() {
        #expect(ByteSummary([0, 0, 0]).description == "zeros × 3")
        #expect(ByteSummary([0xAB, 0xAB]).description == "0xab × 2")
        #expect(ByteSummary([1, 1, 2]).description == "mixed (0x1 × 2, 0x2 × 1)")
    }

    @Test func patternTellsOffsetsAndPagesApart() {
        let pattern = BytePattern(salt: 0x11)
        let bytes = pattern.bytes(0..<(2 * pageSize))
        #expect(zip(bytes, bytes.dropFirst()).allSatisfy { $0 != $1 }, "neighbours must differ")
        #expect(bytes[0..<pageSize].elementsEqual(bytes[pageSize...]) == false, "pages must differ")
        #expect(ByteSummary(bytes[0..<1024]).histogram.count > 64)
        #expect(BytePattern(salt: 0x5A).byte(at: 5) != pattern.byte(at: 5))
    }

    @Test func memlockLimitArithmetic() {
        let limited = MemoryLockLimit(bytes: 64 * 1024, bypassed: false)
        #expect(limited.allows(32 * 1024, alreadyPinned: 32 * 1024))
        #expect(!limited.allows(32 * 1024, alreadyPinned: 33 * 1024))
        #expect(MemoryLockLimit(bytes: 64 * 1024, bypassed: true).allows(1 << 30, alreadyPinned: 0))
        #expect(MemoryLockLimit(bytes: nil, bypassed: false).allows(1 << 30, alreadyPinned: 0))
        #expect(PinnedPages.current() != nil)
    }

    @Test func rdmaCoreVersionFromTheLibraryFileName() {
        #expect(SystemInfo.rdmaCoreVersion(libraryPath: "/nonexistent/libibverbs.so.1.14.44.0") == "44.0")
        #expect(SystemInfo.rdmaCoreVersion(libraryPath: "/nonexistent/libibverbs.so.1") == "unknown")
        #expect(SystemInfo.current().rdmaCore != "unknown")
    }

    @Test func theSmallestAdvisedHugePageFollowsThePerSizeSettings() throws {
        try withTemporaryDirectory("thp") { directory in
            func write(_ text: String, _ path: String) throws {
                let url = directory.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try (text + "\n").write(to: url, atomically: true, encoding: .utf8)
            }
            let root = directory.path
            // Before Linux 6.8: the PMD size unless THP is never.
            try write("always [madvise] never", "enabled")
            try write("2097152", "hpage_pmd_size")
            #expect(TransparentHugePages.smallestAdvised(settings: root) == 2 << 20 && TransparentHugePages.enabled(in: root) == "madvise")
            // Per-size settings (the kernel's default: only the PMD size, inheriting).
            try write("always [inherit] madvise never", "hugepages-2048kB/enabled")
            try write("always inherit madvise [never]", "hugepages-64kB/enabled")
            #expect(TransparentHugePages.smallestAdvised(settings: root) == 2 << 20)
            try write("always inherit [madvise] never", "hugepages-64kB/enabled")
            #expect(TransparentHugePages.smallestAdvised(settings: root) == 64 << 10)
            // THP never: inheriting sizes are off too; without any size, none.
            try write("always madvise [never]", "enabled")
            #expect(TransparentHugePages.smallestAdvised(settings: root) == 64 << 10)
            try write("always inherit madvise [never]", "hugepages-64kB/enabled")
            #expect(TransparentHugePages.smallestAdvised(settings: root) == nil)
            #expect(TransparentHugePages.smallestAdvised(settings: root + "/missing") == nil)
        }
    }
}
