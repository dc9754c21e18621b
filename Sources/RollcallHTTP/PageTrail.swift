// The links of one paged read, so that a server sending the same next page again (or pages without end) cannot
// keep Rollcall reading forever.

/// The next-page links one paged read has followed.
public struct PageTrail: Sendable {
    /// More pages than any real read has (100,000 pages of 999 users is a hundred million users).
    public static let maxPages = 100_000
    private var seen: Set<String> = []

    /// A trail with no page followed yet.
    public init() {}

    /// Records `link` as the next page; false when it was followed before in this read, or the read has gone past
    /// `maxPages`: the caller then stops with an error instead of reading forever.
    public mutating func follow(_ link: String) -> Bool {
        seen.count < Self.maxPages && seen.insert(link).inserted
    }
}
