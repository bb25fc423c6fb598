public import ODPKit

/// How long and how hard the invalidation soak runs, per mode.
public struct SoakSettings: Sendable, Hashable, Codable {
    /// Seconds of traffic and changes per mode.
    public var seconds: Int
    /// The region's size in pages.
    public var pages: Int
    /// Threads that change the region's mappings.
    public var changerThreads: Int
    /// Threads that READ and WRITE the region through the NIC, each on a loopback path of its own.
    public var trafficThreads: Int
    /// The changes the changer threads pick from.
    public var changes: [MappingChange]
    /// The most pages one change covers (a run of 1...`largestChange` pages, at most the region).
    public var largestChange: Int

    /// The changes a soak makes: each leaves the pages mapped, so the CPU has bytes to write and compare.
    public static let soakChanges: [MappingChange] = [.dontNeed, .mapOver, .remapOnto]
    public static let maximumSeconds = 86_400
    /// 64 MiB of 4 KiB pages.
    public static let maximumPages = 1 << 14
    public static let maximumThreads = 16

    public init(seconds: Int = 60, pages: Int = 256, changerThreads: Int = 2, trafficThreads: Int = 2,
                changes: [MappingChange] = SoakSettings.soakChanges, largestChange: Int = 8) {
        self.seconds = seconds
        self.pages = pages
        self.changerThreads = changerThreads
        self.trafficThreads = trafficThreads
        self.changes = changes
        self.largestChange = largestChange
    }

    /// Throws `.invalidArgument` naming the first setting outside its bounds.
    public func validate() throws(ODPKitError) {
        func refuse(_ reason: String) -> ODPKitError { ODPKitError(.invalidArgument, function: "odpkit soak", reason: reason) }
        guard (1...Self.maximumSeconds).contains(seconds) else { throw refuse("\(seconds) seconds is outside 1...\(Self.maximumSeconds)") }
        guard (1...Self.maximumPages).contains(pages) else { throw refuse("\(pages) pages is outside 1...\(Self.maximumPages)") }
        guard (1...Self.maximumThreads).contains(changerThreads), (1...Self.maximumThreads).contains(trafficThreads) else {
            throw refuse("\(changerThreads) changer and \(trafficThreads) traffic threads: each takes 1...\(Self.maximumThreads)")
        }
        guard !changes.isEmpty, changes.allSatisfy(Self.soakChanges.contains), Set(changes).count == changes.count else {
            throw refuse("the changes must be distinct ones of \(Self.soakChanges.map(\.rawValue).joined(separator: ", "))")
        }
        guard (1...Self.maximumPages).contains(largestChange) else { throw refuse("a change of \(largestChange) pages is outside 1...\(Self.maximumPages)") }
    }
}
