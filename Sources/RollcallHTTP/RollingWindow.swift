// Times of requests kept for a rolling window: what the Autotask budget and the ConnectWise cap count.

import Foundation

extension Array where Element == Date {
    /// Drops the times at or before `cutoff` from the front of these times, which are oldest first.
    public mutating func dropThrough(_ cutoff: Date) {
        if let keep = firstIndex(where: { $0 > cutoff }) { removeFirst(keep) } else { removeAll(keepingCapacity: true) }
    }
}
