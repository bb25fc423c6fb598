import ArgumentParser
import ODPKit

/// `--modes`: the registration modes measured, interleaved sample by sample; each command has its own default.
struct ModesOption: ParsableArguments {
    @Option(help: "Registration modes, comma-separated and distinct: pinned, odp, mirror (default: the command's own).")
    var modes: String?

    func validate() throws {
        guard let modes else { return }
        let named = modes.split(separator: ",", omittingEmptySubsequences: false).map { RegistrationMode(rawValue: String($0)) }
        guard !named.isEmpty, named.allSatisfy({ $0 != nil }), Set(named).count == named.count else {
            throw ValidationError("--modes takes distinct pinned, odp and mirror, comma-separated")
        }
    }

    /// The modes given, in their order, else `fallback`.
    func chosen(default fallback: [RegistrationMode]) -> [RegistrationMode] {
        modes.map { $0.split(separator: ",").compactMap { RegistrationMode(rawValue: String($0)) } } ?? fallback
    }
}
