import Foundation
import ODPKit

/// The kernel's transparent huge pages for anonymous memory, as /sys/kernel/mm/transparent_hugepage says.
public enum TransparentHugePages {
    /// Where the kernel shows its settings.
    public static let settings = "/sys/kernel/mm/transparent_hugepage"

    /// The bracketed choice of the `enabled` file in `directory` (`always [madvise] never`); nil when unreadable.
    static func enabled(in directory: String = settings) -> String? {
        firstLine(of: directory + "/enabled", startingWith: "").flatMap(KernelText.bracketedChoice)
    }

    /// The bracketed choice of the `defrag` file (`always defer defer+madvise [madvise] never`): whether
    /// a fault that finds no free huge page compacts memory for one; nil when unreadable.
    static func defrag(in directory: String = settings) -> String? {
        firstLine(of: directory + "/defrag", startingWith: "").flatMap(KernelText.bracketedChoice)
    }

    /// The smallest huge page, in bytes, that may back a mapping advised `MADV_HUGEPAGE`: the smallest
    /// `hugepages-<size>kB` whose `enabled` is `always` or `madvise`, or `inherit` with the top-level
    /// setting one of those; without per-size settings (before Linux 6.8) the PMD size
    /// (`hpage_pmd_size`) unless the top-level setting is `never`. nil when no size may.
    public static func smallestAdvised(settings directory: String = settings) -> Int? {
        let advised: Set = ["always", "madvise"]
        let top = enabled(in: directory)
        let sizes = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).compactMap { name -> (bytes: Int, choice: String?)? in
            guard name.hasPrefix("hugepages-"), name.hasSuffix("kB"),
                  let kibibytes = Int(name.dropFirst("hugepages-".count).dropLast(2)) else { return nil }
            return (kibibytes * 1024, enabled(in: directory + "/" + name))
        }
        guard sizes.isEmpty else {
            return sizes.filter { size in
                size.choice.map { advised.contains($0) || ($0 == "inherit" && top.map(advised.contains) == true) } ?? false
            }.map(\.bytes).min()
        }
        guard let top, advised.contains(top) else { return nil }
        return firstLine(of: directory + "/hpage_pmd_size", startingWith: "").flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
