// The links of one paged read, so that a server sending the same next page again (or pages without end) cannot
// keep Rollcall reading forever.

/// The next-page links one paged read has followed.
public struct PageTrail: Sendable {
    /// More pages than any real read has: 10,000 pages are ten million Graph users (999 a page), five million
    /// Autotask contacts (500 a page) or ten million ConnectWise contacts (1,000 a page) in one customer. A server
    /// that hands out new next links without end is stopped here, within a minute at loopback speed.
    public static let maxPages = 10_000
    private var seen: Set<String> = []

    /// A trail with no page followed yet.
    public init() {}

    /// Records `link` as the next page; false when it was followed before in this read, or the read has gone past
    /// `maxPages`: the caller then stops with an error instead of reading forever.
    public mutating func follow(_ link: String) -> Bool {
        seen.count < Self.maxPages && seen.insert(link).inserted
    }
}
