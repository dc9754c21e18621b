// `POST /v1.0/$batch` (json-batching.md): up to 20 requests with unique ids, each answered on its own (status,
// headers, body), out of order; faults queued for a request's path hit that item, not the batch.

import Foundation

extension GraphEmulator {
    /// The answer to a batch: 400 for a body that is not a batch, more than 20 requests or a repeated id; else 200
    /// with one response per request, in reverse order (Graph gives no order).
    static func batch(_ body: Data, tenant: String, call: GraphCall, store: GraphStore, control: EmulatorControl) async -> GraphReply {
        guard let top = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let requests = top["requests"] as? [[String: Any]] else {
            return GraphStore.graphError(400, "BadRequest", "Invalid batch payload format.", call)
        }
        guard (1...20).contains(requests.count) else {
            return GraphStore.graphError(400, "BadRequest", "Number of batch requests exceeds the limit of 20.", call)
        }
        let ids = requests.map { $0["id"] as? String ?? "" }
        guard !ids.contains(""), Set(ids).count == ids.count else {
            return GraphStore.graphError(400, "BadRequest", "Batch request ids must be unique and present.", call)
        }
        var responses: [String] = []
        for request in requests {
            let id = request["id"] as! String
            let reply = await item(request, tenant: tenant, outer: call, store: store, control: control)
            var headers = reply.headers
            headers["Content-Type"] = reply.contentType
            let headerText = GraphJSONText.object(headers.sorted { $0.key < $1.key }.map { ($0.key, GraphJSONText.string($0.value)) })
            // A JSON body goes in as JSON; any other (text, or bytes that do not parse) base64-encoded, as Graph does.
            let isJSON = reply.contentType.contains("json")
                && (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8), options: [.fragmentsAllowed])) != nil
            let bodyText = isJSON ? reply.body : GraphJSONText.string(Data(reply.body.utf8).base64EncodedString())
            responses.append(GraphJSONText.object([
                ("id", GraphJSONText.string(id)), ("status", "\(reply.status)"), ("headers", headerText), ("body", bodyText),
            ]))
        }
        return GraphReply(status: 200, body: "{\"responses\":[" + responses.reversed().joined(separator: ",") + "]}")
    }

    /// One request of a batch, answered as the route for its path would answer it.
    private static func item(
        _ request: [String: Any], tenant: String, outer: GraphCall, store: GraphStore, control: EmulatorControl
    ) async -> GraphReply {
        let method = (request["method"] as? String ?? "").uppercased()
        guard var url = request["url"] as? String, !url.isEmpty else {
            return GraphStore.graphError(400, "BadRequest", "A batch request needs a url.", outer)
        }
        guard !url.lowercased().hasPrefix("http") else {
            return GraphStore.graphError(400, "BadRequest", "A batch request's url must be relative (\"/users\").", outer)
        }
        if !url.hasPrefix("/") { url = "/" + url }
        let parts = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = "/v1.0" + parts[0]
        let headers = (request["headers"] as? [String: Any] ?? [:]).reduce(into: [String: String]()) { out, pair in
            if let value = pair.value as? String { out[pair.key.lowercased()] = value }
        }
        if request["body"] != nil && headers["content-type"] == nil {
            return GraphStore.graphError(400, "BadRequest", "A batch request with a body needs a Content-Type header.", outer)
        }
        if case .status(let code, let retryAfter, let body)? = await control.recordBatchItem(method: method, path: path) {
            var reply = GraphReply(status: code, body: body ?? #"{"error":{"code":"injected","message":"injected fault"}}"#)
            reply.contentType = "application/json"
            if let retryAfter { reply.headers["Retry-After"] = retryAfter }
            return reply
        }
        guard method == "GET", let (handler, parameters) = route(path) else {
            return GraphStore.graphError(
                method == "GET" ? 404 : 405, method == "GET" ? "Request_ResourceNotFound" : "Request_BadRequest",
                "No \(method) \(parts[0]) in this emulator.", outer)
        }
        var query: [String: String] = [:]
        if parts.count > 1 { for (key, value) in FormQuery.pairs(String(parts[1])) where query[key] == nil { query[key] = value } }
        let call = GraphCall(
            base: outer.base, query: query, consistencyEventual: headers["consistencylevel"]?.lowercased() == "eventual",
            preferMinimal: headers["prefer"]?.lowercased().contains("return=minimal") ?? false,
            clientRequestId: headers["client-request-id"])
        return await handler(store, tenant, parameters, call)
    }

    /// The route answering `path` and its parameters: literal segments match as Hummingbird matches them, and a
    /// route with fewer parameters wins (`users/delta` over `users/:id`).
    static func route(_ path: String) -> (Handler, [String: String])? {
        let segments = path.split(separator: "/").map(String.init)
        var best: (handler: Handler, parameters: [String: String])?
        for (pattern, handler) in routes {
            let expected = pattern.split(separator: "/").map(String.init)
            guard expected.count == segments.count else { continue }
            var parameters: [String: String] = [:]
            var matched = true
            for (want, have) in zip(expected, segments) {
                if want.hasPrefix(":") { parameters[String(want.dropFirst())] = have } else if want != have { matched = false; break }
            }
            guard matched else { continue }
            if best == nil || parameters.count < best!.parameters.count { best = (handler, parameters) }
        }
        return best
    }
}
