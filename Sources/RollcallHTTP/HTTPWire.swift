// HTTP/1.1 on the wire (RFC 9112), client side: a request written as one buffer, an answer read as bytes arrive.
// A run's tens of thousands of PSA writes each paid more in NIO's generic HTTP pipeline (boxed parts, header
// objects, a parser callback per field) than in the exchange itself.

import Foundation
import NIOCore
import NIOHTTP1

/// Writes requests: request line, headers, empty line and body, in one buffer.
enum RequestWriter {
    /// The whole request; a header name or value that could end the line early (CR, LF, NUL) or a name that is not
    /// a token is refused, so nothing a caller passes can inject a header or a second request.
    static func write(
        method: HTTPMethod, target: String, headers: HTTPHeaders, body: Data?, into buffer: inout ByteBuffer
    ) throws(HTTPFetchError) {
        buffer.writeString(method.rawValue)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(target)
        buffer.writeStaticString(" HTTP/1.1\r\n")
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else {
                throw HTTPFetchError(.invalidRequest, "the header name \(name.debugDescription) cannot be sent")
            }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw HTTPFetchError(.invalidRequest, "the value of header \(name) holds a line break or NUL and cannot be sent")
            }
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        if let body {
            buffer.writeBytes(body)
        }
    }

    /// `tchar` of RFC 9110 §5.6.2.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

/// Reads one HTTP/1.x answer at a time from the bytes a connection receives: status line and headers, then a body
/// framed by `Transfer-Encoding: chunked`, `Content-Length`, or the connection's close. Interim (1xx) answers are
/// skipped; answers to `HEAD` and 204/304 answers have no body.
struct ResponseReader {
    /// How an answer's body ends.
    enum Framing: Equatable {
        case none
        case length(Int)
        case chunked
        case untilClose
    }

    private enum State {
        case head
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    /// The longest status line plus headers accepted.
    static let maxHeadBytes = 256 * 1024

    private var state = State.head
    private var buffer = ByteBuffer()
    /// Where the search for the end of the current line resumes in `buffer`.
    private var scanned = 0
    private let maxBody: Int
    private let headRequest: Bool

    /// The answer read so far.
    private(set) var status = 0
    private(set) var version = HTTPVersion(major: 1, minor: 1)
    private(set) var headers = HTTPHeaders()
    private(set) var body = ByteBuffer()
    private var headLines: [(String, String)] = []
    private var headBytes = 0

    /// A reader for the answer to one request (`headRequest` for `HEAD`), refusing bodies over `maxBody` bytes.
    init(maxBody: Int, headRequest: Bool) {
        self.maxBody = maxBody
        self.headRequest = headRequest
    }

    /// True when the connection can carry another request after this (complete) answer.
    var keepsAlive: Bool {
        if excess { return false }
        if case .untilClose = framing { return false }
        let tokens = headers[canonicalForm: "connection"].map { $0.lowercased() }
        if version.major == 1 && version.minor == 0 { return tokens.contains("keep-alive") }
        return !tokens.contains("close")
    }

    private(set) var framing = Framing.none

    /// Takes the bytes that arrived; true once the whole answer is read. Bytes after it (a sloppy server's extra
    /// CRLF, say) do not spoil the answer, but the connection is then not reused.
    mutating func read(_ bytes: inout ByteBuffer) throws(HTTPFetchError) -> Bool {
        buffer.writeBuffer(&bytes)
        while true {
            switch state {
            case .head:
                guard let line = try nextLine(limit: Self.maxHeadBytes - headBytes) else { return false }
                headBytes += line.count + 2
                if status == 0 && line.isEmpty {
                    continue  // an empty line before the status line: the previous answer's stray CRLF (RFC 9112 §2.2)
                } else if status == 0 {
                    try readStatus(line)
                } else if line.isEmpty {
                    if try finishHead() { return try done() }
                } else {
                    try readHeader(line)
                }
            case .body(let remaining):
                let count = min(remaining, buffer.readableBytes)
                try take(count)
                if remaining - count == 0 { return try done() }
                state = .body(remaining: remaining - count)
                return false
            case .chunkSize:
                guard let line = try nextLine(limit: 1024) else { return false }
                let digits = line.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
                guard !digits.isEmpty, digits.count <= 15, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16),
                      size >= 0 else {
                    throw malformed("a chunk size is not a hexadecimal number")
                }
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let count = min(remaining, buffer.readableBytes)
                try take(count)
                if remaining - count > 0 {
                    state = .chunkData(remaining: remaining - count)
                    return false
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard let line = try nextLine(limit: 2) else { return false }
                guard line.isEmpty else { throw malformed("a chunk does not end where its size says") }
                state = .chunkSize
            case .trailers:
                guard let line = try nextLine(limit: Self.maxHeadBytes) else { return false }
                if line.isEmpty { return try done() }
            case .untilClose:
                try take(buffer.readableBytes)
                return false
            }
        }
    }

    /// The connection closed: true when that completes the answer (a body that runs until close).
    mutating func closed() -> Bool {
        if case .untilClose = state {
            state = .head
            return true
        }
        return false
    }

    private mutating func done() throws(HTTPFetchError) -> Bool {
        if buffer.readableBytes > 0 { excess = true }
        state = .head
        return true
    }

    /// Set when bytes followed the answer: what they belong to is unknown, so the connection must not carry more.
    private var excess = false

    /// Moves `count` bytes of body out of the buffer, within the limit.
    private mutating func take(_ count: Int) throws(HTTPFetchError) {
        guard count > 0 else { return }
        guard body.readableBytes + count <= maxBody else {
            throw HTTPFetchError(.bodyTooLarge, "the answer is larger than \(maxBody) bytes")
        }
        var slice = buffer.readSlice(length: count)!
        body.writeBuffer(&slice)
        buffer.discardReadBytes()
        scanned = 0
    }

    /// The next line without its CRLF (a bare LF is taken too), or nil until one has arrived; a line longer than
    /// `limit` is an error.
    private mutating func nextLine(limit: Int) throws(HTTPFetchError) -> [UInt8]? {
        let view = buffer.readableBytesView
        let start = view.startIndex
        var index = view.index(start, offsetBy: scanned)
        while index < view.endIndex {
            if view[index] == UInt8(ascii: "\n") {
                var end = index
                if end > start && view[view.index(before: end)] == UInt8(ascii: "\r") { end = view.index(before: end) }
                let line = Array(view[start..<end])
                buffer.moveReaderIndex(forwardBy: view.distance(from: start, to: index) + 1)
                scanned = 0
                return line
            }
            index = view.index(after: index)
        }
        scanned = view.count
        if scanned > max(limit, 2) { throw malformed("a line of its head is too long") }
        return nil
    }

    private mutating func readStatus(_ line: [UInt8]) throws(HTTPFetchError) {
        // HTTP/1.1 200 OK
        guard line.count >= 12, line.starts(with: "HTTP/1.".utf8), line[8] == UInt8(ascii: " "),
              line[7] == UInt8(ascii: "0") || line[7] == UInt8(ascii: "1"),
              line[9...11].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              line.count == 12 || line[12] == UInt8(ascii: " ") else {
            throw malformed("its status line is not HTTP/1.x")
        }
        version = HTTPVersion(major: 1, minor: line[7] == UInt8(ascii: "1") ? 1 : 0)
        status = Int(line[9] - 48) * 100 + Int(line[10] - 48) * 10 + Int(line[11] - 48)
        guard status >= 100 else { throw malformed("its status code is below 100") }
    }

    private mutating func readHeader(_ line: [UInt8]) throws(HTTPFetchError) {
        guard let first = line.first, first != UInt8(ascii: " ") && first != UInt8(ascii: "\t") else {
            throw malformed("a header is folded over two lines")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0,
              line[..<colon].allSatisfy(RequestWriter.isTokenByte) else {
            throw malformed("a header line has no name")
        }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd && (line[valueStart] == UInt8(ascii: " ") || line[valueStart] == UInt8(ascii: "\t")) { valueStart += 1 }
        while valueEnd > valueStart && (line[valueEnd - 1] == UInt8(ascii: " ") || line[valueEnd - 1] == UInt8(ascii: "\t")) { valueEnd -= 1 }
        headLines.append((String(decoding: line[..<colon], as: UTF8.self), String(decoding: line[valueStart..<valueEnd], as: UTF8.self)))
    }

    /// Decides how the body is framed once the head is read; true when the answer is already whole.
    private mutating func finishHead() throws(HTTPFetchError) -> Bool {
        let fields = HTTPHeaders(headLines)
        headLines = []
        if (100..<200).contains(status) {
            guard status != 101 else { throw malformed("it switched protocols, which Rollcall did not ask for") }
            // An interim answer: the real one follows.
            status = 0
            headBytes = 0
            return false
        }
        headers = fields
        if let coding = fields[canonicalForm: "content-encoding"].first(where: { $0.lowercased() != "identity" }) {
            throw malformed("its body is compressed (\(coding)), which Rollcall did not ask for")
        }
        let encodings = fields[canonicalForm: "transfer-encoding"].map { $0.lowercased() }
        if headRequest || status == 204 || status == 304 {
            framing = .none
        } else if !encodings.isEmpty {
            if encodings.last == "chunked" {
                framing = .chunked
            } else {
                framing = .untilClose
            }
        } else {
            let lengths = fields[canonicalForm: "content-length"]
            if lengths.isEmpty {
                framing = .untilClose
            } else {
                guard let length = Int(lengths[0]), length >= 0, lengths.allSatisfy({ Int($0) == length }) else {
                    throw malformed("its Content-Length is not one number")
                }
                framing = .length(length)
            }
        }
        switch framing {
        case .none, .length(0):
            return true
        case .length(let length):
            guard length <= maxBody else {
                throw HTTPFetchError(.bodyTooLarge, "the answer is larger than \(maxBody) bytes")
            }
            state = .body(remaining: length)
        case .chunked:
            state = .chunkSize
        case .untilClose:
            state = .untilClose
        }
        return false
    }

    private func malformed(_ what: String) -> HTTPFetchError {
        HTTPFetchError(.malformedAnswer, "the server's answer is not valid HTTP/1.1: \(what)")
    }
}
