import Foundation
import Testing
import TestSupport

extension RXEIntegration {
    /// Bad input that only a device can answer, given to the built `odpkit`: an unknown device, sizes
    /// larger than memory, userfaultfd refused, RLIMIT_MEMLOCK too low. Each exits 1 with one line naming
    /// the cause before anything is measured, and writes nothing.
    @Suite("bad input to the odpkit command on a device: one clear line, nothing written")
    struct BadInputOnDeviceTests {
        static let withOutputs: [[String]] = [
            ["report", "--out", "made"], ["coherence"], ["bench", "warm", "--csv", "kept.csv"], ["bench", "refault", "--csv", "kept.csv"],
            ["bench", "retired-key", "--csv", "kept.csv"], ["peer", "serve", "--port", "0"],
            ["peer", "fault", "--connect", "127.0.0.1", "--csv", "kept.csv"], ["perftest-partner", "--test", "read", "--bytes", "8"],
        ]

        @Test(arguments: withOutputs)
        func anUnknownDeviceIsNamedWithThePresentOnes(_ command: [String]) throws {
            try expectRefused(command + ["--device", "nosuch0"], says: "no RDMA device named nosuch0; present: ")
        }

        @Test(arguments: [
            (["bench", "fault", "--pages", "1048576", "--csv", "kept.csv"], "--pages 1048576 with --max-message 1048576 and --samples 1000 needs"),
            (["report", "--out", "made", "--max-message", "1073741824"], "--pages 1,16,256,4096 with --max-message 1073741824 and --samples 1000 needs"),
            (["bench", "refault", "--region-mib", "1,65536", "--csv", "kept.csv"], "--region-mib 1,65536 with --modes odp,mirror needs"),
        ])
        func sizesLargerThanMemoryAreRefusedBeforeAnythingIsTouched(_ command: [String], _ says: String) throws {
            try expectRefused(command, says: "MemAvailable: \(says)")
        }

        /// A seccomp filter refuses userfaultfd(2) and /dev/userfaultfd's USERFAULTFD_IOC_NEW with EPERM.
        @Test(arguments: [
            (["bench", "warm", "--modes", "mirror", "--csv", "kept.csv"], "the mirror mode needs one"),
            (["coherence", "--modes", "pinned,mirror"], "or measure the other modes alone: --modes pinned"),
            (["report", "--out", "made"], "or measure the other modes alone: --modes pinned,odp"),
        ])
        func userfaultfdRefusedIsNamedBeforeAnythingIsMeasured(_ command: [String], _ advice: String) throws {
            try expectRefused(["/usr/bin/python3", "-c", Self.refusingUserfaultfd, try product("odpkit").path] + command,
                              says: "userfaultfd: EPERM — set vm.unprivileged_userfaultfd=1, grant CAP_SYS_PTRACE, or give access to /dev/userfaultfd")
            try expectRefused(["/usr/bin/python3", "-c", Self.refusingUserfaultfd, try product("odpkit").path] + command, says: advice)
        }

        /// 64 KiB of RLIMIT_MEMLOCK, without CAP_IPC_LOCK (root keeps it otherwise, which lifts the limit).
        @Test(arguments: [["bench", "warm", "--samples", "3", "--csv", "kept.csv"], ["report", "--out", "made", "--parts", "overhead"]])
        func aMemoryLockLimitTooLowIsNamed(_ command: [String]) throws {
            try expectRefused(["/usr/bin/prlimit", "--memlock=65536:65536", "/usr/bin/setpriv", "--bounding-set", "-ipc_lock", "--inh-caps", "-ipc_lock",
                               "--", try product("odpkit").path] + command, says: "RLIMIT_MEMLOCK")
        }

        /// Installs a seccomp filter (x86-64) that fails `userfaultfd` (323) and `ioctl(USERFAULTFD_IOC_NEW)`
        /// (16, 0xAA00) with EPERM, then runs its arguments.
        static let refusingUserfaultfd = """
            import ctypes, os, struct, sys
            def op(code, jt, jf, k): return struct.pack("HBBI", code, jt, jf, k)
            program = b"".join([
                op(0x20, 0, 0, 4), op(0x15, 0, 5, 0xC000003E),  # arch: x86-64, else allow
                op(0x20, 0, 0, 0), op(0x15, 4, 0, 323), op(0x15, 0, 2, 16),  # userfaultfd: deny; ioctl: look closer
                op(0x20, 0, 0, 24), op(0x15, 1, 0, 0xAA00),  # request USERFAULTFD_IOC_NEW: deny
                op(0x06, 0, 0, 0x7FFF0000), op(0x06, 0, 0, 0x00050001)])  # allow; errno EPERM
            buffer = ctypes.create_string_buffer(program)
            class Program(ctypes.Structure): _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
            filter = Program(len(program) // 8, ctypes.addressof(buffer))
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(filter), 0, 0) != 0:
                sys.exit("seccomp: " + os.strerror(ctypes.get_errno()))
            os.execv(sys.argv[1], sys.argv[1:])
            """

        /// Runs `arguments` (`odpkit …`, or a program given by its absolute path) in a fresh directory
        /// holding `kept.csv` and expects exit 1, one line on standard error holding `says`, and the
        /// directory as it was (`kept.csv` unchanged). Bounded: a command that hangs is terminated and fails.
        func expectRefused(_ arguments: [String], says: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            try withTemporaryDirectory("odpkit-refused") { directory in
                let kept = "probe,mode,operation,bytes,pages,conditions,sample,nanoseconds\nwarm,pinned,RDMA READ,8,1,,0,1000\n"
                try Data(kept.utf8).write(to: directory.appendingPathComponent("kept.csv"))
                let command = arguments.first?.hasPrefix("/") == true
                    ? try RunningProduct(absolute: arguments[0], Array(arguments.dropFirst()), in: directory)
                    : try RunningProduct("odpkit", arguments, in: directory)
                let ended = try command.waitForExit(timeout: 60)
                let line = arguments.joined(separator: " ")
                let stderr = command.standardError
                #expect(ended.status == 1, "\(line): exit \(ended.status), \(stderr)", sourceLocation: sourceLocation)
                #expect(stderr.split(separator: "\n").count == 1 && stderr.hasPrefix("odpkit: ") && stderr.contains(says),
                        "\(line): expected one line saying \"\(says)\", got: \(stderr)", sourceLocation: sourceLocation)
                #expect(FileManager.default.subpaths(atPath: directory.path) == ["kept.csv"],
                        "\(line) left \(FileManager.default.subpaths(atPath: directory.path) ?? [])", sourceLocation: sourceLocation)
                #expect(try String(contentsOf: directory.appendingPathComponent("kept.csv"), encoding: .utf8) == kept, sourceLocation: sourceLocation)
            }
        }
    }
}
