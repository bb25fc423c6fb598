import Foundation
import Testing

/// The README's Swift example is examples/readme-example/main.swift (built as `readme-example`) between
/// its markers: this fails when the README's block and the file differ, so the README cannot show code
/// that no longer compiles.
@Suite("README example (host)")
struct ReadmeExampleTests {
    /// The package's root: three levels above this file (Tests/ODPKitTests/ThisFile.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func lines(_ path: String) throws -> [Substring] {
        let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The example's lines strictly between `// README-EXAMPLE-BEGIN` and `// README-EXAMPLE-END`.
    static func exampleBody() throws -> [Substring] {
        let lines = try lines("examples/readme-example/main.swift")
        let begin = try #require(lines.firstIndex(of: "// README-EXAMPLE-BEGIN"), "the example's begin marker")
        let end = try #require(lines.firstIndex(of: "// README-EXAMPLE-END"), "the example's end marker")
        try #require(begin < end)
        return Array(lines[(begin + 1)..<end])
    }

    /// The README's first ```swift block.
    static func readmeBlock() throws -> [Substring] {
        let lines = try lines("README.md")
        let open = try #require(lines.firstIndex(of: "```swift"), "README.md has no ```swift block")
        let close = try #require(lines[(open + 1)...].firstIndex(of: "```"), "README.md's ```swift block is not closed")
        return Array(lines[(open + 1)..<close])
    }

    @Test func theReadmeShowsTheCompiledExample() throws {
        let example = try Self.exampleBody()
        let readme = try Self.readmeBlock()
        #expect(!example.isEmpty)
        if let first = zip(readme, example).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            Issue.record("README.md's swift block differs from examples/readme-example/main.swift at its line \(first.offset + 1):\n  README:  \(first.element.0)\n  example: \(first.element.1)")
        }
        #expect(readme.count == example.count, "README.md's swift block has \(readme.count) lines, the example between its markers \(example.count)")
    }
}
