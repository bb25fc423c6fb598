import ODPKitSystem
public import ODPKit

/// Writes raw samples as CSV (`SamplesCSV`) into an `OutputFile`, the header first when the file is new
/// or empty. Each `append` is one `write`, so rows land as they are measured; the file is named only
/// once `commit()` renames it.
public final class SamplesCSVWriter {
    /// The file's name once committed.
    public var path: String { output.path }
    private let output: OutputFile

    /// Writes into `NAME.partial` beside `path`; with `appending`, after the rows the file at `path` holds.
    public init(path: String, appending: Bool = false) throws(ODPKitError) {
        output = try OutputFile(path: path, appending: appending)
        if output.size == 0 {
            try output.write(SamplesCSV.header + "\n")
        }
    }

    /// Appends one row per sample of the cell `key`, numbered from `firstSample`.
    public func append(_ key: CellKey, nanoseconds: [UInt64], firstSample: Int = 0) throws(ODPKitError) {
        guard !nanoseconds.isEmpty else { return }
        var text = ""
        for (index, value) in nanoseconds.enumerated() {
            text += SamplesCSV.row(key, sample: firstSample + index, nanoseconds: value) + "\n"
        }
        try output.write(text)
    }

    /// Waits until the rows appended so far are written back (otherwise a kernel thread writes dirty
    /// pages back later, taking a CPU from the next probe).
    public func synchronize() throws(ODPKitError) {
        try output.synchronize()
    }

    /// Renames the file to `path`: it is complete. Later appends throw `.closed`.
    public func commit() throws(ODPKitError) {
        try output.commit()
    }

    /// Removes the unfinished file (the file at `path`, if any, is left as it was); nothing after a `commit()`.
    public func discard() {
        output.discard()
    }
}
