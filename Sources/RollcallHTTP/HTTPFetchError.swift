// Why one HTTP exchange gave no usable answer, in words an operator can act on, and whether the request can have
// reached the server (which decides whether a create may be sent again).

import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix
import NIOSSL

/// Why an HTTP exchange failed before a whole answer came back.
public struct HTTPFetchError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Kind: String, Sendable {
        /// The URL cannot be requested: not http/https, plain http to a host that is not loopback, unreadable.
        case invalidURL
        /// No connection could be made (refused, unreachable, name not found, connect timeout).
        case connectFailed
        /// The TLS handshake failed (certificate, protocol).
        case tlsFailed
        /// No whole answer came back within the request's timeout.
        case timedOut
        /// The server closed the connection, or it broke, before the answer was whole.
        case connectionClosed
        /// The answer's body was larger than the request allows (or inflated past the decompression limit).
        case bodyTooLarge
        /// The request cannot be written (a header holding a line break, a name that is not a token).
        case invalidRequest
        /// The answer is not HTTP/1.1 as llhttp reads it (bad status line or framing, oversized head).
        case malformedAnswer
    }

    /// What went wrong.
    public let kind: Kind
    /// A sentence for logs and operators, naming the server: no headers, bodies or credentials.
    public let message: String
    /// How many attempts were made before giving up (1 when the error is a single exchange's).
    public var attempts: Int = 1

    /// An error of `kind` saying `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// True when no byte of the request can have reached the server, so even a create may be sent again.
    public var beforeSending: Bool {
        kind == .invalidURL || kind == .connectFailed || kind == .tlsFailed || kind == .invalidRequest
    }

    /// The message.
    public var description: String { message }

    /// `error`, thrown by AsyncHTTPClient or NIO while talking to `server` (`host:port`), as an `HTTPFetchError`.
    static func classify(_ error: any Error, server: String) -> HTTPFetchError {
        if let error = error as? HTTPFetchError { return error }
        if let error = error as? HTTPClientError {
            let short = error.shortDescription
            if short == HTTPClientError.unsupportedScheme("").shortDescription {
                return HTTPFetchError(.invalidURL, "the URL for \(server) cannot be requested (only http and https are)")
            }
            if short == HTTPClientError.invalidHeaderFieldNames([]).shortDescription
                || short == HTTPClientError.invalidHeaderFieldValues([]).shortDescription {
                return HTTPFetchError(.invalidRequest, "a request to \(server) was refused before sending: a header cannot be written (\(short))")
            }
            switch error {
            case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath:
                return HTTPFetchError(.invalidURL, "the URL for \(server) cannot be requested (\(short))")
            case .identityCodingIncorrectlyPresent, .traceRequestWithBody:
                return HTTPFetchError(.invalidRequest, "a request to \(server) was refused before sending: its headers cannot be written (\(short))")
            case .connectTimeout, .getConnectionFromPoolTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout:
                return HTTPFetchError(.connectFailed, "could not connect to \(server) (connection timed out)")
            case .invalidProxyResponse, .proxyAuthenticationRequired:
                return HTTPFetchError(.connectFailed, "could not reach \(server) through the proxy (\(short))")
            case .tlsHandshakeTimeout:
                return HTTPFetchError(.tlsFailed, "TLS with \(server) failed (handshake timed out)")
            case .readTimeout, .writeTimeout, .deadlineExceeded:
                return HTTPFetchError(.timedOut, "no whole answer from \(server) in time")
            case .remoteConnectionClosed, .uncleanShutdown, .bodyLengthMismatch:
                return HTTPFetchError(.connectionClosed, "the connection to \(server) closed before the whole answer came")
            case .contentLengthMissing:
                return HTTPFetchError(.malformedAnswer, "\(server) sent an answer that is not valid HTTP/1.1 (\(short))")
            default:
                return HTTPFetchError(.connectionClosed, "the exchange with \(server) failed (\(short))")
            }
        }
        if error is NIOTooManyBytesError || error is ResponseAccumulator.ResponseTooBigError {
            return HTTPFetchError(.bodyTooLarge, "the answer from \(server) is larger than Rollcall accepts")
        }
        if let error = error as? NIOHTTPDecompression.DecompressionError {
            return HTTPFetchError(.bodyTooLarge, "the compressed answer from \(server) inflates past Rollcall's limit (\(error))")
        }
        if let error = error as? HTTPParserError {
            return HTTPFetchError(.malformedAnswer, "\(server) sent an answer that is not valid HTTP/1.1 (\(error))")
        }
        if let tls = error as? NIOSSLError {
            // Only a failed handshake is before sending; an unclean shutdown or a later TLS error comes mid-answer.
            if case .handshakeFailed = tls {
                return HTTPFetchError(.tlsFailed, "TLS with \(server) failed: \(String(describing: tls).prefix(200))")
            }
            return HTTPFetchError(.connectionClosed, "the TLS connection to \(server) broke (\(String(describing: tls).prefix(120)))")
        }
        if error is NIOSSLExtraError {  // the server's name or certificate refused during the handshake
            return HTTPFetchError(.tlsFailed, "TLS with \(server) failed: \(String(describing: error).prefix(200))")
        }
        if let error = error as? NIOConnectionError {
            return HTTPFetchError(.connectFailed, "could not connect to \(server) (\(brief(error)))")
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return HTTPFetchError(.connectFailed, "could not connect to \(server) (connection timed out)")
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return HTTPFetchError(.connectFailed, "could not connect to \(server) (\(brief(error)))")
        }
        // Any other socket error may come from a connection that carried the request (a pooled one, mid-answer):
        // it counts as possibly sent, so a create is checked, never sent again blindly.
        return HTTPFetchError(.connectionClosed, "the connection to \(server) broke (\(brief(error)))")
    }

    /// A short, credential-free description of a network error.
    static func brief(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return brief(first.error) }
            if error.dnsAAAAError != nil || error.dnsAError != nil { return "host name not found" }
            return "no address to connect to"
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ENETUNREACH: return "network unreachable"
            case EHOSTUNREACH: return "host unreachable"
            case ETIMEDOUT: return "connection timed out"
            case ECONNRESET: return "connection reset"
            default: return error.description
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return "connection timed out" }
        if error is SocketAddressError { return "host name not found" }
        return String(String(describing: error).prefix(160))
    }
}
