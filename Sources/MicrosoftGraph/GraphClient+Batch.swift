// A run's first Graph reads sent together in one JSON batch (`POST /v1.0/$batch`, json-batching.md), so an idle run
// costs one request after the token: the users delta, the groups delta and, when due, the license catalog.

import ContactSync
import Foundation
import NIOHTTP1
import RollcallHTTP

extension GraphClient {
    /// Graph takes at most this many requests in one batch.
    static let batchLimit = 20

    /// One GET a batch carries: the absolute URL its reader will ask for, and the headers it needs.
    struct BatchedRead {
        var url: String
        var headers: [(String, String)]
    }

    /// Sends the run's first reads in one batch when there are two or more; their answers wait for the reads.
    ///
    /// Items throttled inside the batch (429, or a retryable 5xx) are sent again together after the longest
    /// `Retry-After` they carry, as the reference says, up to the client's retry limit; an item that still fails, or a
    /// batch Graph refuses as a whole, is left to its reader, which sends it alone under the usual policy. So a
    /// batch never makes a read fail that would have worked on its own.
    public func prepareRound(_ plan: DirectoryRoundPlan) async {
        prefetched = [:]
        var reads: [BatchedRead] = []
        if let link = plan.usersDeltaLink, graphOrigin?.admits(link) ?? true {
            reads.append(BatchedRead(url: link, headers: Self.deltaHeaders))
        }
        if let link = plan.groupsDeltaLink, graphOrigin?.admits(link) ?? true {
            reads.append(BatchedRead(url: link, headers: []))
        }
        if plan.catalog { reads.append(BatchedRead(url: catalogURL, headers: [])) }
        reads = reads.filter { relative($0.url) != nil }
        guard reads.count >= 2 else { return }
        for start in stride(from: 0, to: reads.count, by: Self.batchLimit) {
            await batch(Array(reads[start..<min(start + Self.batchLimit, reads.count)]))
        }
    }

    /// The part of `url` after `graphURL/v1.0`, as a batch item names it ("/users/delta?…"), or nil.
    func relative(_ url: String) -> String? {
        let base = "\(configuration.graphURL)/v1.0"
        guard url.hasPrefix(base + "/") else { return nil }
        return String(url.dropFirst(base.count))
    }

    private func batch(_ reads: [BatchedRead]) async {
        var pending = Dictionary(uniqueKeysWithValues: reads.enumerated().map { (String($0.offset + 1), $0.element) })
        var retries = 0
        while !pending.isEmpty {
            let purpose = "reading \(pending.count) things at once ($batch)"
            let answer: HTTPAnswer
            do {
                let bearer = try await accessToken()
                answer = try await send(
                    .POST, "\(configuration.graphURL)/v1.0/$batch",
                    headers: [
                        ("Authorization", "Bearer \(bearer)"), ("Accept", "application/json"),
                        ("Content-Type", "application/json"),
                    ],
                    body: Self.batchBody(pending.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, relative: relative),
                    purpose: purpose)
            } catch {
                logger.notice("Graph batch failed; its reads go one by one", metadata: ["reason": "\(error)"])
                return
            }
            if answer.status == 401 { token = nil }
            guard answer.status == 200, let items = Self.batchItems(answer.body) else {
                logger.notice("Graph refused a batch; its reads go one by one", metadata: ["status": "\(answer.status)"])
                return
            }
            var again: [String: BatchedRead] = [:]
            var wait: Duration = .zero
            for (id, item) in items {
                guard let read = pending[id] else { continue }
                if Self.isRetryable(item) != nil {
                    again[id] = read
                    wait = max(wait, item.retryAfter ?? requester.policy.backoff(retries))
                } else {
                    prefetched[read.url] = item
                }
            }
            retries += 1
            guard !again.isEmpty, retries <= requester.policy.maxRetries else { return }
            logger.warning("retrying Graph requests throttled inside a batch", metadata: [
                "requests": "\(again.count)", "retry": "\(retries)/\(requester.policy.maxRetries)", "delaySeconds": "\(wait)",
            ])
            pending = again
            do { try await requester.pause(min(wait, requester.policy.maxDelay)) } catch { return }
        }
    }

    /// The body of a batch of GETs: `{"requests":[{"id","method","url","headers"}]}`.
    static func batchBody(_ reads: [(id: String, read: BatchedRead)], relative: (String) -> String?) -> String {
        let requests: [[String: Any]] = reads.map { id, read in
            var request: [String: Any] = ["id": id, "method": "GET", "url": relative(read.url) ?? read.url]
            if !read.headers.isEmpty {
                request["headers"] = Dictionary(read.headers, uniquingKeysWith: { _, last in last })
            }
            return request
        }
        let data = (try? JSONSerialization.data(
            withJSONObject: ["requests": requests], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// A batch answer's items as answers of their own, keyed by item id; nil when the answer is not a batch answer.
    ///
    /// A JSON body is handed on as JSON; a body of another content type comes base64-encoded and is decoded.
    static func batchItems(_ body: Data) -> [(id: String, answer: HTTPAnswer)]? {
        guard let top = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let responses = top["responses"] as? [[String: Any]] else { return nil }
        var items: [(id: String, answer: HTTPAnswer)] = []
        for response in responses {
            guard let id = response["id"] as? String, let status = (response["status"] as? NSNumber)?.intValue,
                  (100...599).contains(status) else { return nil }
            let headers = (response["headers"] as? [String: Any] ?? [:]).compactMap { key, value in
                (value as? String).map { (key, $0) }
            }
            var data = Data()
            switch response["body"] {
            case let text as String:
                data = Data(base64Encoded: text) ?? Data(text.utf8)
            case let object? where JSONSerialization.isValidJSONObject(object):
                data = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data()
            default:
                break
            }
            items.append((id, HTTPAnswer(status: status, headers: HTTPHeaders(headers), body: data)))
        }
        return items
    }
}
