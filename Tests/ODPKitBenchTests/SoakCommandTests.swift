import Testing
import TestSupport

/// `odpkit soak`'s options are bounded before anything runs: out of bounds is a usage error (status 64)
/// naming the option, with or without a device (host). One process at a time: inside the testbed the
/// rxe suites run beside these.
@Suite("odpkit soak: its options (host)", .serialized, .timeLimit(.minutes(1)))
struct SoakCommandTests {
    @Test(arguments: [
        (["--seconds", "0"], "--seconds"),
        (["--seconds", "9223372036854775807"], "--seconds"),
        (["--pages", "0"], "--pages"),
        (["--pages", "16385"], "--pages"),
        (["--threads", "2"], "--threads"),
        (["--threads", "0,2"], "--threads"),
        (["--threads", "2,17"], "--threads"),
        (["--changes", "munmap"], "--changes"),
        (["--changes", "dontneed,dontneed"], "--changes"),
        (["--modes", "pinned,pinned"], "--modes"),
    ])
    func anOptionOutOfBoundsIsAUsageError(arguments: [String], option: String) throws {
        let result = try runProduct("odpkit", ["soak"] + arguments)
        #expect(result.status == 64, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(option) && result.stdout.isEmpty, "stderr: \(result.stderr)")
    }
}
