import Foundation
import Synchronization
import ODPKitSystem
import Testing
@testable import Verbs

/// A stand-in verbs object: counts its closes and deinits, and can hold its deinit until told to go on.
private final class FakeResource: VerbsResource, @unchecked Sendable {
    let closes = Atomic<Int>(0)
    let deinits: Counter
    let deinitStarted: DispatchSemaphore?
    let deinitMayFinish: DispatchSemaphore?

    init(deinits: Counter, deinitStarted: DispatchSemaphore? = nil, deinitMayFinish: DispatchSemaphore? = nil) {
        self.deinits = deinits
        self.deinitStarted = deinitStarted
        self.deinitMayFinish = deinitMayFinish
    }

    func close() throws(ODPKitError) { closes.add(1, ordering: .relaxed) }

    deinit {
        deinitStarted?.signal()
        deinitMayFinish?.wait()
        deinits.value.add(1, ordering: .relaxed)
    }
}

private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

@Suite("verbs parents' child registry (host)")
struct ResourceTreeTests {
    @Test func aRegisteredChildIsNotKeptAlive() {
        let deinits = Counter()
        let children = Children()
        do {
            let child = FakeResource(deinits: deinits)
            children.add(child)
        }
        #expect(deinits.value.load(ordering: .relaxed) == 1)
        #expect(children.takeAll().isEmpty)
    }

    @Test func takeAllReturnsTheLiveChildrenNewestFirstAndEmptiesTheRegistry() {
        let deinits = Counter()
        let children = Children()
        let first = FakeResource(deinits: deinits), second = FakeResource(deinits: deinits), third = FakeResource(deinits: deinits)
        for child in [first, second, third] { children.add(child) }
        children.remove(second)
        let taken = children.takeAll()
        #expect(taken.map(ObjectIdentifier.init) == [ObjectIdentifier(third), ObjectIdentifier(first)])
        #expect(children.takeAll().isEmpty)
        #expect(deinits.value.load(ordering: .relaxed) == 0)
    }

    /// The race a weak reference used to settle: a parent closing while another thread drops its last
    /// reference to a child. Once the child's deinit has begun, the parent must not take it.
    @Test(.timeLimit(.minutes(1))) func aChildWhoseDeinitHasBegunIsNotTaken() async {
        let deinits = Counter()
        let started = DispatchSemaphore(value: 0), mayFinish = DispatchSemaphore(value: 0)
        let children = Children()
        let dropped = Thread {
            let child = FakeResource(deinits: deinits, deinitStarted: started, deinitMayFinish: mayFinish)
            children.add(child)
        }
        dropped.start()
        started.wait()
        let taken = children.takeAll()
        mayFinish.signal()
        #expect(taken.isEmpty)
        while deinits.value.load(ordering: .relaxed) == 0 { await Task.yield() }
    }

    @Test func aChildRegisteredWithTwoParentsIsTakenByEach() throws {
        let deinits = Counter()
        let pd = Children(), cq = Children()
        let child = FakeResource(deinits: deinits)
        pd.add(child)
        cq.add(child)
        for resource in pd.takeAll() + cq.takeAll() { try resource.close() }
        #expect(child.closes.load(ordering: .relaxed) == 2)
    }
}
