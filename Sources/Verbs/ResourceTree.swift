/// A verbs object that a parent closes before closing itself (pyverbs' model).
public protocol VerbsResource: AnyObject {
    /// Releases the kernel object; a second call does nothing.
    func close() throws(ODPKitError)
}

/// The live children of a verbs object, held weakly: children keep their parent alive, never the reverse.
struct Children {
    private struct Entry {
        weak var resource: (any VerbsResource)?
    }

    private var entries: [ObjectIdentifier: Entry] = [:]
    private var order: [ObjectIdentifier] = []

    mutating func add(_ child: any VerbsResource) {
        let id = ObjectIdentifier(child)
        entries[id] = Entry(resource: child)
        order.append(id)
    }

    mutating func remove(_ child: any VerbsResource) {
        let id = ObjectIdentifier(child)
        entries[id] = nil
        order.removeAll { $0 == id }
    }

    /// Removes and returns every live child, newest first. The caller closes them after this
    /// returns, so a child that unregisters itself while closing does not touch this registry mid-access.
    mutating func takeAll() -> [any VerbsResource] {
        let live = order.reversed().compactMap { entries[$0]?.resource }
        entries = [:]
        order = []
        return live
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
