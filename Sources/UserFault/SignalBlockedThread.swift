import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// What a new thread runs, passed through `pthread_create`'s context pointer.
private final class ThreadBody {
    let run: @Sendable () -> Void

    init(_ run: @escaping @Sendable () -> Void) {
        self.run = run
    }
}

/// Starts a joinable thread that runs `body` with every signal blocked that can be: signals aimed at
/// the process go to other threads, so none interrupts its waits. The mask is set before the thread
/// exists (it inherits the creator's, which is restored afterwards), leaving no window for a signal.
///
/// The corresponding C function is `pthread_create`.
func system_pthreadCreateBlockingSignals(_ body: @escaping @Sendable () -> Void) throws(Errno) -> pthread_t {
    var all = sigset_t()
    var previous = sigset_t()
    sigfillset(&all)
    pthread_sigmask(SIG_SETMASK, &all, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }

    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { context in
        Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run()
        return nil
    }, context)
    guard result == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(context).release()
        throw Errno(rawValue: result)
    }
    return thread
}
