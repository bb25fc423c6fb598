import Testing
import Verbs
@testable import ODPKit
@testable import ODPKitBench

extension RXEIntegration {
    /// Lifetimes of verbs objects: use after close, a context closing its children, the in-flight ring, the back-to-back loop, a region under a posted work request.
    @Suite("lifetimes: closing, in-flight work requests")
    final class VerbsLifetimeTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

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
    }
}
