public import ODPKitSystem

/// Work requests posted one after another with at most `limit` outstanding on one completion queue,
/// every one of them polled: what a transfer of many segments does. A failed completion does not stop
/// the polling, and a failed post drains what is outstanding first, so no work request is left in
/// flight; the first failure is thrown once nothing is outstanding.
public struct PostWindow {
    /// Work requests kept outstanding at once: half a queue pair's default send queue (`QueuePair.Capabilities`).
    public static let defaultLimit = 32

    private let completions: CompletionQueue
    private let limit: Int
    private var outstanding = 0
    private var failure: ODPKitError?

    /// A window over `completions` keeping at most `limit` work requests outstanding.
    public init(completions: CompletionQueue, limit: Int = PostWindow.defaultLimit) {
        precondition(limit > 0, "PostWindow: the limit must be above zero")
        self.completions = completions
        self.limit = limit
    }

    /// Polls one completion first when `limit` are outstanding, then calls `post`, which posts one work
    /// request (signaled, to `completions`); `operation` names it in an error.
    public mutating func post(_ operation: @autoclosure () -> String, _ post: () throws(ODPKitError) -> Void) throws(ODPKitError) {
        if outstanding == limit { poll(operation()) }
        do {
            try post()
        } catch {
            try drain(operation())
            throw error
        }
        outstanding += 1
    }

    /// Polls every outstanding completion; throws the first failure seen since the window was made.
    public mutating func drain(_ operation: @autoclosure () -> String) throws(ODPKitError) {
        while outstanding > 0 { poll(operation()) }
        if let failure {
            self.failure = nil
            throw failure
        }
    }

    private mutating func poll(_ operation: @autoclosure () -> String) {
        outstanding -= 1
        do throws(ODPKitError) {
            try completions.next().requireSuccess(operation())
        } catch {
            failure = failure ?? error
        }
    }
}
