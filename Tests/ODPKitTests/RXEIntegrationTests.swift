import Foundation
import CODPKitLinux
import Testing
import Verbs
@testable import ODPKit
@testable import ODPKitBench
@testable import ODPKitReport

#if canImport(Glibc)
import Glibc
#endif

/// Runs on an RDMA device (rxe0 inside the testbed); serialized because one test lowers RLIMIT_MEMLOCK.
@Suite("rxe integration", .serialized, .enabled(if: RXE.present, "no RDMA device: run inside the testbed (make test does)"))
final class RXEIntegrationTests {
    let path: LoopbackPath

    init() throws {
        path = try LoopbackPath()
    }

    deinit {
        try? path.close()
    }

    // MARK: What the device reports

    @Test func deviceReportListsODPWithRCReadAndWrite() throws {
        let report = try DeviceReport.collect()
        let device = try #require(report.devices.first { $0.name == path.context.deviceName })
        #expect(device.odp.general.words.contains("supported"))
        #expect(device.odp.rc.words.contains("read") && device.odp.rc.words.contains("write"))
        #expect(device.ports.first?.state == "ACTIVE")
        #expect(device.ports.first?.gids.isEmpty == false)
        if path.context.deviceName.hasPrefix("rxe") {
            #expect(device.softwareDriver == "rdma_rxe")
        }
    }

    @Test func devicesCommandPrintsJSON() throws {
        let result = try runProduct("odpkit", ["devices", "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("\"name\" : \"\(path.context.deviceName)\""))
        #expect(result.stdout.contains("\"schema\" : 1"))
    }

    @Test func aReportWithoutTheRegistrationProbeNotesNoRegistrationLimit() throws {
        try withTemporaryDirectory("report-overhead") { directory in
            // 1 TiB is above a quarter of any testbed's memory: the registration probe would stop short of it.
            let result = try runProduct("odpkit", ["report", "--parts", "overhead", "--max-region-mib", "1048576", "--out", directory.path])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let json = try String(contentsOf: directory.appendingPathComponent("report.json"), encoding: .utf8)
            #expect(json.contains(CellOperation.clockPair.rawValue) && !json.contains("Registration sizes stop") && !json.contains("Registration with THP on"))
        }
    }

    // MARK: Coherence after MADV_DONTNEED

    @Test func pinnedRegionServesStaleBytesAfterDontNeed() throws {
        let seen = try CoherenceCheck.run(.pinned, .dontNeed, access: .read, on: path)
        #expect(seen.pagesReadBefore == seen.pages, "before the invalidation the NIC must read the CPU's data: \(seen)")
        #expect(seen.cpuAfter.uniform == 0)
        #expect(seen.stalePages == seen.pages, "the pinned MR should still hold the old pages: \(seen)")
        #expect(!seen.coherent)
    }

    @Test func odpRegionServesZerosAfterDontNeed() throws {
        let seen = try CoherenceCheck.run(.odp, .dontNeed, access: .read, on: path)
        #expect(seen.pagesReadBefore == seen.pages, "before the invalidation the NIC must read the CPU's data: \(seen)")
        #expect(seen.cpuAfter.uniform == 0)
        #expect(seen.coherent, "the ODP MR should re-fault the dropped pages and read zeros: \(seen)")
        #expect(seen.stalePages == 0)
    }

    @Test func odpWriteAfterDontNeedLandsWhereTheCPULooks() throws {
        let seen = try CoherenceCheck.run(.odp, .dontNeed, access: .write, on: path)
        #expect(seen.coherent, "\(seen)")
    }

    @Test func pinnedWriteAfterDontNeedIsLostToTheCPU() throws {
        let seen = try CoherenceCheck.run(.pinned, .dontNeed, access: .write, on: path)
        #expect(seen.cpuAfter.uniform == 0, "the NIC wrote into the old pinned pages: \(seen)")
        #expect(seen.stalePages == seen.pages)
    }

    // MARK: Data-path integrity at offsets inside pages

    @Test func pinnedDataPathIsExactAtEveryOffset() throws {
        let failures = try DataPathIntegrity.run(.pinned, on: path)
        #expect(failures.isEmpty, "\(failures)")
    }

    /// rxe's ODP copy (kernel 7.3.4+deb13) starts every access at the beginning of its page: a packet
    /// that starts inside a page reads or writes the page's first bytes. If a kernel fixes it, this
    /// known issue stops being recorded and the test says so.
    @Test func odpDataPathAtOffsetsInsidePages() throws {
        let failures = try DataPathIntegrity.run(.odp, on: path)
        let pageAligned = failures.filter { $0.offset % pageSize == 0 }
        #expect(pageAligned.isEmpty, "page-aligned ODP accesses must be exact: \(pageAligned)")
        let unaligned = failures.filter { $0.offset % pageSize != 0 }
        withKnownIssue("rdma_rxe ODP ignores the offset within a page", isIntermittent: !path.context.deviceName.hasPrefix("rxe")) {
            #expect(unaligned.isEmpty, "\(unaligned)")
        }
    }

    // MARK: Bad input: a clear error, nothing leaked

    /// The inaccessible range is a PROT_NONE mapping, not an unmapped hole (see `inaccessibleRange`).
    @Test func badInputLeaksNoMemoryRegion() throws {
        let before = try KernelResources.memoryRegions()
        #expect(before >= 1, "the loopback path's staging region should be visible to the kernel's restrack")
        let memory = try AnonymousMemory(length: pageSize)
        let hole = try inaccessibleRange(length: pageSize)
        defer { munmap(hole, pageSize) }
        for mode in RegistrationMode.allCases {
            _ = try? RegisteredRegion(mode, pd: path.pd, address: memory.baseAddress, length: 0)
            _ = try? RegisteredRegion(mode, pd: path.pd, address: hole, length: pageSize)
            _ = try? RegisteredRegion(mode, pd: path.pd, memory: memory, transport: .xrc)
        }
        _ = try? path.pd.registerMemory(address: hole, length: pageSize, access: .readWrite)
        _ = try? path.pd.registerMemory(address: memory.baseAddress, length: pageSize, access: [.remoteWrite])
        #expect(try KernelResources.memoryRegions() == before)
        let region = try path.register(.odp, memory)
        #expect(try KernelResources.memoryRegions() == before + 1)
        try region.close()
        #expect(try KernelResources.memoryRegions() == before)
    }

    /// perftest's write ping-pong: the requester's WRITE lands in the CPU's view of the region's first
    /// part (the staging buffer is zeros), the responder's WRITE back from the second part arrives (else
    /// the call times out), and the CPU touched only the second part's last byte (its mark).
    @Test(arguments: RegistrationMode.allCases)
    func writePingPongMovesTheBytesBothWays(mode: RegistrationMode) throws {
        let memory = try AnonymousMemory(length: 4 * pageSize)
        memory.fill(0x42)
        let region = try path.register(mode, memory)
        defer { try? region.close() }
        for _ in 0..<3 { try path.writePingPong(region, length: pageSize) }
        #expect(memory.bytes[0..<(pageSize - 1)].allSatisfy { $0 == 0 })
        #expect(memory.bytes[pageSize..<(2 * pageSize - 1)].allSatisfy { $0 == 0x42 })
        #expect(memory.bytes[(2 * pageSize - 1)] != 0x42)
        #expect(memory.bytes[(2 * pageSize)...].allSatisfy { $0 == 0x42 })
        let tooLong = #expect(throws: ODPKitError.self) { try self.path.writePingPong(region, length: 1 << 20) }
        #expect(tooLong?.code == .invalidArgument)
    }

    @Test(arguments: RegistrationMode.allCases)
    func zeroLengthIsRefused(mode: RegistrationMode) throws {
        let memory = try AnonymousMemory(length: pageSize)
        let error = #expect(throws: ODPKitError.self) {
            try RegisteredRegion(mode, pd: self.path.pd, address: memory.baseAddress, length: 0)
        }
        #expect(error?.code == .invalidArgument)
        let direct = #expect(throws: ODPKitError.self) {
            try self.path.pd.registerMemory(address: memory.baseAddress, length: 0, access: .readWrite)
        }
        #expect(direct?.code == .invalidArgument)
    }

    @Test(arguments: RegistrationMode.allCases)
    func unmappedRangeIsRefused(mode: RegistrationMode) throws {
        let memory = try AnonymousMemory(length: 2 * pageSize)
        try memory.unmap()
        let error = #expect(throws: ODPKitError.self) {
            try RegisteredRegion(mode, pd: self.path.pd, address: memory.baseAddress, length: memory.length)
        }
        #expect(error?.code == .notMapped)
    }

    /// The range is held by a PROT_NONE mapping, not left unmapped (see `inaccessibleRange`).
    @Test func pinnedRegistrationOfUnmappedRangeFailsInTheKernelToo() throws {
        let length = 2 * pageSize
        let hole = try inaccessibleRange(length: length)
        defer { munmap(hole, length) }
        let error = #expect(throws: ODPKitError.self) {
            try self.path.pd.registerMemory(address: hole, length: length, access: .readWrite)
        }
        #expect(error?.code == .notMapped)
        #expect(error?.errno == .badAddress)
    }

    @Test func odpOverATransportWithoutItIsRefusedBeforeAnyVerb() throws {
        let xrc = path.context.attributes.odp.xrc
        try #require(xrc.isEmpty, "this device reports XRC ODP (\(xrc.words)); the check needs a transport without it")
        let memory = try AnonymousMemory(length: pageSize)
        let error = #expect(throws: ODPKitError.self) {
            try RegisteredRegion(.odp, pd: self.path.pd, memory: memory, transport: .xrc)
        }
        #expect(error?.code == .unsupported)
        #expect(error?.function == "odpkit ODP check")
        #expect(error?.reason.contains("xrc_odp_caps") == true)
    }

    @Test func accessFlagsTheDeviceRefusesAreNamed() throws {
        let memory = try AnonymousMemory(length: pageSize)
        let error = #expect(throws: ODPKitError.self) {
            try self.path.pd.registerMemory(address: memory.baseAddress, length: memory.length, access: [.remoteWrite])
        }
        #expect(error?.code == .unsupported)
        #expect(error?.reason.contains("IBV_ACCESS_LOCAL_WRITE") == true)
    }

    @Test func pinnedRegionBeyondMemlockNamesTheLimit() throws {
        let memory = try AnonymousMemory(length: 1 << 20)
        memory.fill(1)
        var saved = rlimit()
        getrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &saved)
        var low = rlimit(rlim_cur: 64 * 1024, rlim_max: saved.rlim_max)
        let hadCapability = odpkit_thread_has_effective_capability(odpkit_CAP_IPC_LOCK) == 1
        #expect(setrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &low) == 0)
        if hadCapability { #expect(odpkit_thread_set_effective_capability(odpkit_CAP_IPC_LOCK, false) == 0) }
        defer {
            if hadCapability { _ = odpkit_thread_set_effective_capability(odpkit_CAP_IPC_LOCK, true) }
            setrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &saved)
        }
        // odpkit's own check, before the verb:
        let checked = #expect(throws: ODPKitError.self) { try RegisteredRegion(.pinned, pd: self.path.pd, memory: memory) }
        #expect(checked?.code == .memoryLockLimit)
        #expect(checked?.reason.contains("ulimit -l") == true && checked?.reason.contains("64 KiB") == true)
        // the kernel's refusal (ib_umem_get's ENOMEM), in the same words:
        let kernel = #expect(throws: ODPKitError.self) {
            try self.path.pd.registerMemory(address: memory.baseAddress, length: memory.length, access: .readWrite)
        }
        #expect(kernel?.code == .memoryLockLimit)
        #expect(kernel?.errno == .noMemory)
        #expect(kernel?.reason.contains("ulimit -l") == true)
        // ODP pins nothing, so the limit does not apply:
        let odp = try RegisteredRegion(.odp, pd: path.pd, memory: memory)
        try odp.close()
    }

    // MARK: Lifetimes

    @Test func useAfterCloseIsAnError() throws {
        let memory = try AnonymousMemory(length: pageSize)
        let region = try path.register(.pinned, memory)
        let mr = try #require(region.memoryRegion)
        try region.close()
        try region.close()
        let posted = #expect(throws: ODPKitError.self) {
            try self.path.queuePair.postWrite(from: mr, length: 8, to: mr.remote(), id: 1)
        }
        #expect(posted?.code == .closed)

        let context = try Context(deviceNamed: path.context.deviceName)
        try context.close()
        try context.close()
        let allocated = #expect(throws: ODPKitError.self) { try ProtectionDomain(context: context) }
        #expect(allocated?.code == .closed)
    }

    @Test func closingTheContextClosesItsChildren() throws {
        let context = try Context(deviceNamed: path.context.deviceName)
        let pd = try ProtectionDomain(context: context)
        let cq = try CompletionQueue(context: context)
        let qp = try QueuePair(pd: pd, sendQueue: cq, receiveQueue: cq)
        let memory = try AnonymousMemory(length: pageSize)
        let mr = try pd.registerMemory(address: memory.baseAddress, length: memory.length, access: .readWrite)
        try qp.connectToSelf()
        try qp.postWrite(from: mr, length: 64, to: mr.remote(offset: 64, length: 64), id: 1)
        #expect(mr.inFlight == 1)
        try context.close()  // the queue pair goes first, so the busy region is released, then deregistered
        #expect(mr.isClosed)
        #expect(mr.inFlight == 0)
        let error = #expect(throws: ODPKitError.self) { try qp.endpoint() }
        #expect(error?.code == .closed)
        try qp.close()
        try pd.close()
    }

    /// The in-flight ring: a full send queue refuses with `.busy`; each region's in-flight count stays
    /// exact while two regions alternate through the ring's slots past its wrap-around; and the queue
    /// pair lets go of the regions its slots kept once it is closed.
    @Test func theInFlightRingCountsEveryRegionAndLetsGoWhenClosed() throws {
        let context = try Context(deviceNamed: path.context.deviceName)
        defer { try? context.close() }
        let pd = try ProtectionDomain(context: context)
        let cq = try CompletionQueue(context: context)
        var capabilities = QueuePair.Capabilities()
        capabilities.maxSendWorkRequests = 4
        let qp = try QueuePair(pd: pd, sendQueue: cq, receiveQueue: cq, capabilities: capabilities)
        try qp.connectToSelf()
        let memory = try AnonymousMemory(length: 2 * pageSize)
        var regions: [MemoryRegion] = [
            try pd.registerMemory(address: memory.baseAddress, length: pageSize, access: .readWrite),
            try pd.registerMemory(address: memory.baseAddress + pageSize, length: pageSize, access: .readWrite),
        ]
        weak let first = regions[0], second = regions[1]
        var id: UInt64 = 0
        var capacity: Int?
        for round in 0..<5 {
            // Post until the queue is full (the device may round the 4 asked for up), alternating regions.
            var perRegion = [0, 0]
            var refused: ODPKitError?
            while refused == nil {
                let which = (round + perRegion[0] + perRegion[1]) % 2
                id += 1
                do {
                    try qp.postWrite(from: regions[which], length: 8, to: regions[1 - which].remote(length: 8), id: id)
                    perRegion[which] += 1
                } catch {
                    refused = error
                }
            }
            #expect(refused?.code == .busy)
            let posted = perRegion[0] + perRegion[1]
            #expect(posted >= 4 && posted == capacity ?? posted)
            capacity = posted
            #expect(regions.map(\.inFlight) == perRegion)
            for _ in 0..<posted { try cq.next().requireSuccess("RDMA WRITE") }
            #expect(regions.map(\.inFlight) == [0, 0])
            #expect(qp.outstanding.sends == 0)
        }
        for region in regions { try region.close() }
        regions.removeAll()
        #expect(first != nil && second != nil)  // deregistered, and still kept by the ring's slots
        try qp.close()
        #expect(first == nil && second == nil)
    }

    /// The back-to-back loop (perftest's): every sample stored and every request accounted; a queue pair
    /// with a request in flight refused; a failed completion thrown once the next request is posted,
    /// which then completes flushed and is accounted like any other.
    @Test func aBackToBackLoopTimesEveryTransferAndAccountsForEachPost() throws {
        let context = try Context(deviceNamed: path.context.deviceName)
        defer { try? context.close() }
        let pd = try ProtectionDomain(context: context)
        let cq = try CompletionQueue(context: context)
        let qp = try QueuePair(pd: pd, sendQueue: cq, receiveQueue: cq)
        try qp.connectToSelf()
        let half = 65536
        let memory = try AnonymousMemory(length: 2 * half)
        memory.fill(3, range: 0..<half)
        memory.fill(0, range: half..<(2 * half))
        let mr = try pd.registerMemory(address: memory.baseAddress, length: memory.length, access: .readWrite)
        // READs of the first 64 KiB into the second.
        let read = try qp.prepareRead(into: mr, offset: half, length: half, from: mr.remote(offset: 0, length: half))
        var samples = [UInt64](repeating: 0, count: 100)
        var measured = -1
        func loop(_ prepared: borrowing PreparedSend, firstID: UInt64) throws {
            try samples.withUnsafeMutableBufferPointer { buffer in try qp.timeBackToBack(prepared, firstID: firstID, into: buffer, measured: &measured) }
        }
        try loop(read, firstID: 1000)
        #expect(measured == 100)
        // Each sample holds a whole 64 KiB READ, a loop's first too: it is timed from before its post (on
        // rxe the post may carry the transfer out before it returns; first samples timed from after it
        // read 1-2 µs in about half of the report's cells). Many short loops, many first samples.
        var shortest = samples.min() ?? 0
        for round in 0..<500 {
            try samples.withUnsafeMutableBufferPointer { buffer in
                try qp.timeBackToBack(read, firstID: UInt64(2 * round), into: UnsafeMutableBufferPointer(rebasing: buffer[0..<2]), measured: &measured)
            }
            shortest = min(shortest, samples[0], samples[1])
        }
        #expect(shortest > 5_000)
        #expect(mr.inFlight == 0 && qp.outstanding.sends == 0)
        #expect(ByteSummary(memory.bytes[half..<(2 * half)]).uniform == 3)

        try qp.post(read, id: 7)
        let busy = #expect(throws: ODPKitError.self) { try loop(read, firstID: 1) }
        #expect(busy?.code == .busy && measured == 0)
        #expect(try cq.next().id == 7)

        let remote = mr.remote(offset: 0, length: 64)
        let wrongKey = try qp.prepareRead(into: mr, offset: half, length: 64, from: RemoteBuffer(address: remote.address, rkey: remote.rkey ^ 0xFF, length: 64))
        let failed = #expect(throws: ODPKitError.self) { try loop(wrongKey, firstID: 2000) }
        #expect(failed?.code == .completionError && measured == 0)
        #expect(mr.inFlight == 1 && qp.outstanding.sends == 1)
        let flushed = try cq.next()
        #expect(flushed.id == 2001 && !flushed.status.isSuccess)
        #expect(mr.inFlight == 0 && qp.outstanding.sends == 0)
    }

    @Test func aRegionIsNotDeregisteredUnderAPostedWorkRequest() throws {
        let memory = try AnonymousMemory(length: pageSize)
        memory.fill(7)
        let source = try path.register(.pinned, memory)
        let target = try AnonymousMemory(length: pageSize)
        let sink = try path.register(.pinned, target)
        let sourceMR = try #require(source.memoryRegion), sinkMR = try #require(sink.memoryRegion)
        try path.queuePair.postWrite(from: sourceMR, length: pageSize, to: sinkMR.remote(), id: 42)
        #expect(sourceMR.inFlight == 1)
        let busy = #expect(throws: ODPKitError.self) { try source.close() }
        #expect(busy?.code == .busy)
        let completion = try path.completions.next()
        #expect(completion.id == 42 && completion.status.isSuccess)
        #expect(sourceMR.inFlight == 0)
        try source.close()
        try sink.close()
        #expect(ByteSummary(target.bytes).uniform == 7)
    }

    @Test func twoQueuePairsConnectedToEachOtherExchangeASend() throws {
        let cq = try CompletionQueue(context: path.context)
        let a = try QueuePair(pd: path.pd, sendQueue: cq, receiveQueue: cq)
        let b = try QueuePair(pd: path.pd, sendQueue: cq, receiveQueue: cq)
        defer { try? a.close(); try? b.close(); try? cq.close() }
        try a.connect(to: b)
        let memory = try AnonymousMemory(length: 2 * pageSize)
        memory.fill(9, range: 0..<pageSize)
        memory.fill(0, range: pageSize..<(2 * pageSize))
        let region = try path.register(.odp, memory)
        defer { try? region.close() }
        let mr = try #require(region.memoryRegion)
        try b.postReceive(into: mr, offset: pageSize, length: pageSize, id: 2)
        try a.postSend(from: mr, length: 64, id: 1)
        var seen: [UInt64: WorkCompletion] = [:]
        while seen.count < 2 {
            let completion = try cq.next()
            seen[completion.id] = completion
        }
        #expect(seen[1]?.status.isSuccess == true)
        #expect(seen[2]?.status.isSuccess == true && seen[2]?.byteLength == 64)
        #expect(ByteSummary(memory.bytes[pageSize..<(pageSize + 64)]).uniform == 9)
    }

    // MARK: perftest rounds

    @Test func perftestRoundsMeasureEachRunAndOdpkitsCellInTurns() throws {
        try withTemporaryDirectory("perftest-rounds") { directory in
            // odpkit's side of each pair: a fresh odpkit process, the debug build beside this test bundle,
            // started through a link whose name no other process has.
            let partner = directory.appendingPathComponent("odpkit-rounds-partner").path
            let built = URL(fileURLWithPath: PerftestPartner.runningExecutable).deletingLastPathComponent().appendingPathComponent("odpkit").path
            try FileManager.default.createSymbolicLink(atPath: partner, withDestinationPath: built)
            // A stand-in for testbed/perftest-latency: logs its arguments and whether odpkit's partner is
            // still waiting to measure (perftest first) or has measured and exited (odpkit first), prints one result.
            let log = directory.appendingPathComponent("calls").path
            let program = directory.appendingPathComponent("perftest").path
            let script = """
                #!/bin/sh
                if grep -qs 'odpkit-rounds-partne[r]' /proc/[0-9]*/cmdline; then state=waiting; else state=done; fi
                echo "$* partner $state" >> \(log)
                echo '{"tool":"perftest","version":"stand-in","test":"ib_'$2'_lat","bytes":'$4',"iterations":'$6',"t_min":1,"t_max":3,"t_typical":2,"t_avg":2,"t_stdev":0.5,"p99":3,"p999":3}'
                """
            try script.write(toFile: program, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program)
            let results = ProbeResults(expectedSamples: 20)
            // Two rounds of 8 B, one of 4 KiB.
            let pairs = PerftestRounds.pairs(rounds: [2, 1], sizes: [8, 4096])
            #expect(pairs.map(\.round) == [1, 1, 1, 1, 2, 2] && pairs.map(\.odpkitFirst) == [false, false, false, false, true, true])
            // Before each pair, odpkit's cells of every earlier pair are measured.
            var cellsBeforeEachPair: [Int] = []
            let perftest = try PerftestRounds.run(
                program: PerftestProgram(path: program), odpkit: partner, rounds: [2, 1], sizes: [8, 4096],
                budget: ProbeBudget(samples: 20, warmUp: 2), device: path.context.deviceName, into: results
            ) { _ in cellsBeforeEachPair.append(results.recorders.count) }
            #expect(cellsBeforeEachPair == Array(0..<6))
            let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            #expect(calls == pairs.map { "--tests \($0.test) --sizes \($0.bytes) --iterations 20 partner \($0.odpkitFirst ? "done" : "waiting")" })
            #expect(perftest.map(\.round) == [1, 1, 1, 1, 2, 2])
            let cells = results.cells
            #expect(cells.map(\.operation) == pairs.map(\.operation.cellOperation))
            #expect(cells.allSatisfy { $0.mode == .registration(.pinned) && $0.summary.samples == 20 && $0.failures == 0 })
            #expect(cells.map(\.conditions.round) == [1, 1, 1, 1, 2, 2])
            #expect(cells.map(\.conditions.first) == [.perftest, .perftest, .perftest, .perftest, .odpkit, .odpkit])
            #expect(cells.allSatisfy { $0.conditions.process == .fresh && $0.summary.minimum > 0 })
            // Each perftest run is set beside the cell of its round.
            let comparisons = PerftestComparison.all(LatencyReport(testbed: TestbedLabel.current(device: path.context.deviceName), cells: cells, perftest: perftest))
            #expect(comparisons.map(\.rounds.count) == [2, 1, 2, 1] && comparisons.allSatisfy { $0.rounds.allSatisfy { $0.odpkit != nil } })
        }
    }

    /// `length` bytes no access may touch, held by a PROT_NONE mapping. Not an unmapped hole: suites
    /// running alongside in this process map memory too, and a hole reused under a registration was
    /// pinned by the kernel (the registration then succeeded). A userfaultfd test's fresh page found
    /// already populated before its UFFDIO_COPY, once, is probably the same reuse.
    private func inaccessibleRange(length: Int) throws -> UnsafeMutableRawPointer {
        try #require(mmap(nil, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0).flatMap { $0 == MAP_FAILED ? nil : $0 })
    }
}
