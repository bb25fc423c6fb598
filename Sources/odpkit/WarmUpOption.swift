import ArgumentParser

/// `--warm-up`: the unrecorded rounds before each group of cells.
struct WarmUpOption: ParsableArguments {
    @Option(name: .customLong("warm-up"), help: "Unrecorded rounds before each group of cells.")
    var warmUp = 10

    /// The most rounds taken.
    static let maximum = 1_000_000

    func validate() throws {
        guard (0...Self.maximum).contains(warmUp) else { throw ValidationError("--warm-up takes 0...\(Self.maximum)") }
    }
}
