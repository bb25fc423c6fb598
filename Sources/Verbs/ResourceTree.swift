import Synchronization

/// A verbs object that a parent closes before closing itself (pyverbs' model).
public protocol VerbsResource: AnyObject {
    /// Releases the kernel object; a second call does nothing.
    func close() throws(ODPKitError)
}

/// The live children of a verbs object, held weakly: children keep their parent alive, never the reverse.
///
/// Behind a `Mutex`: a mirror region's refresher thread registers and deregisters chunk regions in a
/// protection domain while the owning thread creates other objects in it.
final class Children: @unchecked Sendable {
    /// A weak reference; verbs objects are not Sendable, and only the lock's holder touches it.
    private struct Entry: @unchecked Sendable {
        weak var resource: (any VerbsResource)?
        /// Creation order, so a parent closes its newest children first.
        var sequence: Int
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var nextSequence = 0
    }

    private let state = Mutex(State())

    /// O(1): a mirror region adds and removes one chunk region per re-fault among thousands of children.
    func add(_ child: any VerbsResource) {
        let id = ObjectIdentifier(child)
        state.withLock { state in
            state.entries[id] = Entry(resource: child, sequence: state.nextSequence)
            state.nextSequence += 1
        }
    }

    /// O(1).
    func remove(_ child: any VerbsResource) {
        let id = ObjectIdentifier(child)
        state.withLock { state in
            state.entries[id] = nil
        }
    }

    /// Removes and returns every live child, newest first. The caller closes them after this returns,
    /// outside the lock, so a child that unregisters itself while closing finds nothing to remove.
    func takeAll() -> [any VerbsResource] {
        state.withLock { state in
            let live = state.entries.values.sorted { $0.sequence > $1.sequence }.compactMap(\.resource)
            state = State()
            return live
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
