import CODPKitLinux
import CODPKitVerbs
import Synchronization
public import ODPKitSystem

/// A verbs object that a parent closes before closing itself (pyverbs' model).
public protocol VerbsResource: AnyObject {
    /// Releases the kernel object; a second call does nothing.
    func close() throws(ODPKitError)
}

/// The live children of a verbs object, held without keeping them alive: children keep their parent
/// alive, never the reverse.
///
/// Not with `weak` references: a weakly referenced Swift object moves its reference counts to a side
/// table, and every retain of it on the data path (a queue pair, a memory region) then takes a 16-byte
/// compare-and-swap (`lock cmpxchg16b`), which an emulated CPU may implement by stopping every other
/// vCPU. Instead each entry holds an unowned count (the object
/// stays allocated, not alive) and `takeAll()` keeps only the children it can still retain
/// (`swift_tryRetain` fails once a child's deinit has begun; that deinit closes the child itself).
///
/// Behind a `Mutex`: a mirror region's refresher thread registers and deregisters chunk regions in a
/// protection domain while the owning thread creates other objects in it.
final class Children: @unchecked Sendable {
    /// Only the lock's holder touches an entry; the child's address itself carries no state.
    private struct Entry: @unchecked Sendable {
        /// The child's address, with one unowned count of ours on it.
        let object: UnsafeMutableRawPointer
        /// Creation order, so a parent closes its newest children first.
        let sequence: Int
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var nextSequence = 0
    }

    private let state = Mutex(State())

    deinit {
        state.withLock { state in
            for entry in state.entries.values { odpkit_swift_unowned_release(entry.object) }
        }
    }

    /// O(1): a mirror region adds and removes one chunk region per re-fault among thousands of children.
    func add(_ child: any VerbsResource) {
        let object = Unmanaged.passUnretained(child as AnyObject).toOpaque()
        odpkit_swift_unowned_retain(object)
        state.withLock { state in
            let previous = state.entries.updateValue(Entry(object: object, sequence: state.nextSequence), forKey: ObjectIdentifier(child))
            state.nextSequence += 1
            if let previous { odpkit_swift_unowned_release(previous.object) }
        }
    }

    /// O(1).
    func remove(_ child: any VerbsResource) {
        let id = ObjectIdentifier(child)
        let removed = state.withLock { state in state.entries.removeValue(forKey: id) }
        if let removed { odpkit_swift_unowned_release(removed.object) }
    }

    /// Removes and returns every child still alive, newest first. The caller closes them after this
    /// returns, outside the lock, so a child that unregisters itself while closing finds nothing to remove.
    func takeAll() -> [any VerbsResource] {
        let entries = state.withLock { state in
            let entries = state.entries.values.sorted { $0.sequence > $1.sequence }
            state = State()
            return entries
        }
        return entries.compactMap { entry in
            defer { odpkit_swift_unowned_release(entry.object) }
            guard odpkit_swift_try_retain(entry.object) else { return nil }
            return Unmanaged<AnyObject>.fromOpaque(entry.object).takeRetainedValue() as? any VerbsResource
        }
    }
}

/// Closes each resource in order; every one is tried, the first error is rethrown at the end.
func closeAll(_ resources: [any VerbsResource]) throws(ODPKitError) {
    var firstError: ODPKitError?
    for resource in resources {
        do {
            try resource.close()
        } catch {
            firstError = firstError ?? error
        }
    }
    if let firstError { throw firstError }
}

/// Closes a parent's `children`, then the parent itself with `destroy` (a verb returning 0 or an error);
/// both steps always run, the first error is rethrown.
func closeChildren(_ children: [any VerbsResource], thenDestroy function: String, _ destroy: () -> Int32) throws(ODPKitError) {
    var firstError: ODPKitError?
    do { try closeAll(children) } catch { firstError = error }
    do { try checkVerbs(function, destroy()) } catch { firstError = firstError ?? error }
    if let firstError { throw firstError }
}
