import Synchronization

/// The checker's record of a soaked region: what the CPU holds in each page, and which pages a thread
/// is changing or checking now.
///
/// A thread claims pages before it changes or accesses them and releases them with what they hold
/// afterwards, so a change and a check of one page never overlap: each NIC access starts after the last
/// change of its page returned and the CPU's write of it, and has one right answer. What a mode claims
/// is that the NIC then sees the CPU's latest write, not what an access racing a change sees.
public final class SoakLedger: Sendable {
    public let pageCount: Int
    private let state: Mutex<State>
    private let epochs = Atomic<UInt64>(0)

    private struct State {
        var contents: [PageContent]
        var claimed: [Bool]
    }

    /// `pages` pages, unclaimed, each holding zeros.
    public init(pages: Int) {
        precondition(pages > 0, "SoakLedger: at least one page")
        pageCount = pages
        state = Mutex(State(contents: Array(repeating: .zeros, count: pages), claimed: Array(repeating: false, count: pages)))
    }

    /// Claims every page of `pages` and returns what they hold; nil, claiming nothing, when one of them
    /// is claimed already (the caller picks other pages: nobody waits for a claim).
    public func claim(_ pages: Range<Int>) -> [PageContent]? {
        precondition(pages.lowerBound >= 0 && pages.upperBound <= pageCount && !pages.isEmpty, "SoakLedger: pages outside the region")
        return state.withLock { state in
            guard !pages.contains(where: { state.claimed[$0] }) else { return nil }
            for page in pages { state.claimed[page] = true }
            return Array(state.contents[pages])
        }
    }

    /// Releases the claimed `pages`, which now hold `contents` (one per page).
    public func release(_ pages: Range<Int>, holding contents: [PageContent]) {
        precondition(contents.count == pages.count, "SoakLedger: one content per released page")
        state.withLock { state in
            for (page, content) in zip(pages, contents) {
                precondition(state.claimed[page], "SoakLedger: page \(page) released but not claimed")
                state.claimed[page] = false
                state.contents[page] = content
            }
        }
    }

    /// A new epoch, never handed out before (the first is 1).
    public func nextEpoch() -> UInt64 {
        epochs.add(1, ordering: .relaxed).newValue
    }
}
