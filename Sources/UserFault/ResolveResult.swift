extension UserFaultFD {
    /// How a copy or zeroPage into a missing-mode range turned out, when it did not fail outright.
    ///
    /// After `.exists` and `.retry` the kernel has woken nobody (beyond `completedBytes`): `wake` the range, and a faulting thread
    /// retries its access (and faults again, with a new event, if the page is still missing).
    public enum ResolveResult: Hashable, Sendable {
        /// The pages are mapped, `bytes` of them; threads waiting on them were woken unless `wake` was false.
        case resolved(bytes: Int)
        /// EEXIST: a page is already mapped at the start of the range. In a missing-mode range only the
        /// monitor maps pages, so this is the page that was there before, not a new one.
        case exists
        /// EAGAIN: the address space is changing (a fork, mremap, munmap or madvise event is not read yet,
        /// or its caller has not yet returned), or only the first `completedBytes` were mapped (a later
        /// page existed, or the change began midway). Read the pending events, then retry what is left.
        case retry(completedBytes: Int)
    }
}
