// The request context every emulator uses: Hummingbird's basics plus the connection, so a fault can drop it.

import Hummingbird
import NIOCore

/// A request context that keeps the client connection, so that fault injection can cut it off.
public struct EmulatorContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came on.
    public let channel: any Channel

    /// Makes a context for one request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Emulators take bodies up to 64 MiB (a synthetic tenant's fixture can be large).
    public var maxUploadSize: Int { 64 * 1024 * 1024 }
}
