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

    /// Bytes moved from any other place differ from the expected ones: no shift by 1 byte to a page, by
    /// a multiple of 256 bytes (the period of the pattern this one replaced) or by whole pages up to
    /// 16 MiB leaves 8 bytes in a row equal anywhere in the first pages.
    @Test func patternTellsEveryShiftApart() {
        let pattern = BytePattern(salt: 0x11)
        let span = 4 * pageSize
        let shifts = Array(1...pageSize) + stride(from: 256, through: 64 * pageSize, by: 256) + stride(from: pageSize, through: 16 << 20, by: pageSize)
        let bytes = pattern.bytes(0..<(span + shifts.max()!))
        for shift in Set(shifts) {
            var run = 0
            for position in 0..<span {
                run = bytes[position] == bytes[position + shift] ? run + 1 : 0
                if run == 8 {
                    Issue.record("a shift by \(shift) leaves 8 equal bytes in a row, ending at \(position)")
                    break
                }
            }
        }
        #expect(ByteSummary(bytes[0..<1024]).histogram.count > 200)
        let other = BytePattern(salt: 0x5A)
        #expect((0..<span).allSatisfy { other.byte(at: $0) != pattern.byte(at: $0) }, "patterns with different salts differ everywhere")
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

/// `/proc/self/maps` lines as the mirror reads them (host).
@Suite("process mappings from /proc/self/maps (host)")
struct ProcessMappingTests {
    @Test func linesParse() {
        let memfd = ProcessMapping(line: "7f0000000000-7f0000004000 rw-s 00000000 00:01 1234                       /memfd:odpkit (deleted)\n")
        #expect(memfd?.start == 0x7f00_0000_0000 && memfd?.end == 0x7f00_0000_4000 && memfd?.shared == true && memfd?.path == "/memfd:odpkit (deleted)")
        let anonymous = ProcessMapping(line: "55d0c0000000-55d0c0021000 rw-p 00000000 00:00 0 \n")
        #expect(anonymous?.shared == false && anonymous?.path == "")
        #expect(ProcessMapping(line: "garbage") == nil && ProcessMapping(line: "1-2 rw-x 0 0 0") == nil)
    }

    @Test func aSharedMappingIsFoundAndAPrivateOneIsNot() throws {
        let length = 4 * pageSize
        let shared = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        let own = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(shared, length); munmap(own, length) }
        let start = UInt(bitPattern: shared), privateStart = UInt(bitPattern: own)
        #expect(try ProcessMapping.overlapping(start, start + UInt(length)).contains { $0.shared })
        #expect(try ProcessMapping.overlapping(privateStart, privateStart + UInt(length)).allSatisfy { !$0.shared })
        let error = #expect(throws: ODPKitError.self) { try MirrorRegion.refuseSharedMappings(start + UInt(pageSize), start + UInt(2 * pageSize)) }
        #expect(error?.reason.contains("shared anonymous memory") == true, "\(String(describing: error))")
    }
}
