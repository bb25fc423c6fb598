import ArgumentParser

/// `--samples`: the samples each cell records, after its unrecorded warm-up rounds; each command has
/// its own default.
struct SamplesOption: ParsableArguments {
    @Option(help: "Samples per cell, after the warm-up rounds (default: the command's own).")
    var samples: Int?

    /// The largest count taken: beyond it a cell's reserved samples alone would not fit in memory.
    static let maximum = 100_000_000

    func validate() throws {
        guard samples.map({ (1...Self.maximum).contains($0) }) ?? true else {
            throw ValidationError("--samples takes 1...\(Self.maximum)")
        }
    }

    /// The count given, else `fallback`.
    func count(default fallback: Int) -> Int { samples ?? fallback }
}
