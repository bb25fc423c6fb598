import Foundation
import Testing
import TestSupport
@testable import ODPKit
@testable import ODPKitBench
@testable import ODPKitReport
import Verbs

/// The report's side of `PerftestPartner` against stand-ins for `odpkit perftest-partner` (shell scripts):
/// the handshake, the go, the samples handed over, and the failures it names.
@Suite("perftest partner: ready, go, samples (host)")
struct PerftestPartnerTests {
    /// A stand-in that logs its arguments, runs `beforeReady`, says ready, waits for the end of its
    /// input, touches `went` and runs `afterGo`; written to `directory`, its path returned.
    private func standIn(_ directory: URL, beforeReady: String = "", afterGo: String) throws -> String {
        let path = directory.appendingPathComponent("partner").path
        let script = """
            #!/bin/sh
            echo "$*" > \(directory.path)/arguments
            \(beforeReady)
            echo ready
            cat > /dev/null
            touch \(directory.path)/went
            \(afterGo)
            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    private func recorder() -> CellRecorder {
        ProbeResults(expectedSamples: 3).recorder(CellKey(probe: .warm, mode: .pinned, operation: .read, bytes: 8, pages: 1))
    }

    @Test func thePartnerMeasuresOnlyAfterTheGoAndHandsOverEverySample() throws {
        try withTemporaryDirectory("partner") { directory in
            let program = try standIn(directory, afterGo: #"echo '{"samples":[1000,2000,3000],"failures":1,"firstFailure":"completion error"}'"#)
            let went = directory.appendingPathComponent("went").path
            let partner = try PerftestPartner(executable: program, test: "read", bytes: 8, budget: ProbeBudget(samples: 3, warmUp: 2), device: "rxe7")
            #expect(try String(contentsOfFile: directory.appendingPathComponent("arguments").path, encoding: .utf8)
                == "perftest-partner --test read --bytes 8 --samples 3 --warm-up 2 --device rxe7\n")
            // Ready, and waiting for the go.
            Thread.sleep(forTimeInterval: 0.2)
            #expect(!FileManager.default.fileExists(atPath: went))
            let cell = recorder()
            try partner.measure(into: cell)
            #expect(FileManager.default.fileExists(atPath: went))
            #expect(cell.samples == [1000, 2000, 3000] && cell.failures == 1 && cell.firstFailure == "completion error")
            partner.close()
        }
    }

    @Test func aPartnerClosedBeforeTheGoIsStoppedWithoutMeasuring() throws {
        try withTemporaryDirectory("partner") { directory in
            let program = try standIn(directory, afterGo: "echo '{\"samples\":[],\"failures\":0}'")
            let partner = try PerftestPartner(executable: program, test: "write", bytes: 65536, budget: ProbeBudget(), device: "rxe0")
            partner.close()
            partner.close()
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("went").path))
        }
    }

    @Test func aPartnerThatFailsIsNamedWithHowItEnded() throws {
        try withTemporaryDirectory("partner") { directory in
            func failure(beforeReady: String = "", afterGo: String = "") throws -> ODPKitError? {
                let program = try standIn(directory, beforeReady: beforeReady, afterGo: afterGo)
                do {
                    let partner = try PerftestPartner(executable: program, test: "read", bytes: 8, budget: ProbeBudget(), device: "rxe0")
                    try partner.measure(into: recorder())
                    return nil
                } catch {
                    return error
                }
            }
            let early = try #require(try failure(beforeReady: "exit 3"))
            #expect(early.code == .programFailed && early.reason.hasSuffix("ended before it was ready"))
            let chatty = try #require(try failure(beforeReady: "echo hello"))
            #expect(chatty.reason.hasSuffix("printed \"hello\" instead of ready"))
            let crashed = try #require(try failure(afterGo: "kill -KILL $$"))
            #expect(crashed.reason.hasSuffix("was killed by signal 9"))
            let exited = try #require(try failure(afterGo: "exit 4"))
            #expect(exited.reason.hasSuffix("ended with status 4"))
            let silent = try #require(try failure(afterGo: "echo nothing"))
            #expect(silent.reason.hasSuffix("printed no samples: nothing\n"))
            #expect(silent.reason.hasPrefix(directory.appendingPathComponent("partner").path + " perftest-partner --test read"))
        }
        let missing = #expect(throws: ODPKitError.self) {
            try PerftestPartner(executable: "/nonexistent/odpkit", test: "read", bytes: 8, budget: ProbeBudget(), device: "rxe0")
        }
        #expect(missing?.reason.contains("did not start") == true)
    }
}
