#if canImport(Glibc)
import Glibc
#endif

/// Which sanitizer, if any, this test bundle was built with (`make test-sanitize`).
public enum Sanitizer {
    /// Built with `--sanitize=thread`: the ThreadSanitizer runtime is linked in (RTLD_DEFAULT finds it).
    public static let thread = dlsym(nil, "__tsan_init") != nil
}
