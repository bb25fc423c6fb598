public import ODPKit
import UserFault

/// What a run needs of this host, checked before it measures anything or writes a file: a run then
/// fails in its first second, naming the cause and what to do, not partway through or in the kernel's
/// OOM killer.
public enum Preflight {
    /// Checks that `bytes` (the most a run holds at once) fit in the memory available (MemAvailable);
    /// `.invalidArgument` naming `settings` (the options that decide it) otherwise.
    public static func checkMemory(_ bytes: Int, settings: String) throws(ODPKitError) {
        guard let available = memoryAvailable(), bytes > available else { return }
        throw ODPKitError(.invalidArgument, function: "MemAvailable",
                          reason: "\(settings) needs \(mebibytes(bytes)) MiB of memory at once, more than the \(mebibytes(available)) MiB available; choose smaller sizes")
    }

    /// Opens `device` (the first when nil: `.noDevice` when there is none, `.notFound` for an unknown name)
    /// and checks what `modes` need: ODP on RC for read and write with `.odp`, a userfaultfd with `.mirror`.
    public static func checkDevice(_ device: String?, modes: [RegistrationMode]) throws(ODPKitError) {
        let context = try Context(deviceNamed: device)
        defer { try? context.close() }
        try checkODP(context.attributes, device: context.deviceName, modes: modes)
        if modes.contains(.mirror) {
            do throws(ODPKitError) {
                try UserFaultFD().close()
            } catch {
                throw advising(error, modes.count > 1 ? "or measure the other modes alone: --modes \(others(than: .mirror, in: modes))" : "the mirror mode needs one")
            }
        }
    }

    /// With `.odp` among `modes`, checks that `attributes` (of `device`) offer ODP on RC for READ and WRITE,
    /// the error saying which modes to measure instead.
    static func checkODP(_ attributes: DeviceAttributes, device: String, modes: [RegistrationMode]) throws(ODPKitError) {
        guard modes.contains(.odp) else { return }
        do throws(ODPKitError) {
            try ODPRequirement.check(attributes, device: device, access: .readWrite, transport: .rc)
        } catch {
            throw advising(error, modes.count > 1 ? "measure the other modes alone: --modes \(others(than: .odp, in: modes))" : "choose a device with ODP")
        }
    }

    /// `modes` without `mode`, as `--modes` takes them.
    private static func others(than mode: RegistrationMode, in modes: [RegistrationMode]) -> String {
        modes.filter { $0 != mode }.map(\.rawValue).joined(separator: ",")
    }

    /// MemAvailable of /proc/meminfo in bytes, nil when it cannot be read.
    public static func memoryAvailable() -> Int? {
        guard let line = firstLine(of: "/proc/meminfo", startingWith: "MemAvailable:"),
              let kibibytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kibibytes * 1024
    }

    private static func mebibytes(_ bytes: Int) -> Int {
        (bytes + (1 << 20) - 1) >> 20
    }

    /// `error` with `advice` after its reason.
    private static func advising(_ error: ODPKitError, _ advice: String) -> ODPKitError {
        var advised = error
        advised.reason += "; \(advice)"
        return advised
    }
}
