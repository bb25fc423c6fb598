import Dispatch
import Foundation
import ODPKit

extension Process {
    /// Runs `body`, which waits for this process, while a watcher checks `interruption` every 50 ms and,
    /// once it is set, terminates the process (SIGTERM, once: the process may be cleaning up), so that the
    /// wait ends; then throws `.interrupted` if it was set, whatever `body` did, naming `waitingFor`.
    ///
    /// Foundation counts the process as running until every process it started has ended too (they
    /// inherit the socket it watches), so the process must stop its own children on SIGTERM.
    func waiting<Result>(for waitingFor: String, interruption: Interruption, _ body: () throws(ODPKitError) -> Result) throws(ODPKitError) -> Result {
        let watcher = DispatchSource.makeTimerSource(queue: .global())
        watcher.schedule(deadline: .now(), repeating: .milliseconds(50))
        watcher.setEventHandler { [self] in
            guard interruption.signal != nil else { return }
            if isRunning { terminate() }
            watcher.cancel()
        }
        watcher.resume()
        defer { watcher.cancel() }
        let result: Result
        do throws(ODPKitError) {
            result = try body()
        } catch {
            try interruption.check(waitingFor)
            throw error
        }
        try interruption.check(waitingFor)
        return result
    }
}
