// The seams between the pure domain and the two worlds it talks to: the PSA and the Microsoft 365 directory.

import Foundation

/// One PSA (Autotask or ConnectWise), as the engine sees it: reads of one company's contacts and sites, and writes.
///
/// Implementations retry throttling themselves (bounded) and throw `PSAError` for everything else.
public protocol PSAConnection: Sendable {
    /// Which PSA this is.
    var system: PSASystem { get }

    /// Every contact of a PSA company, or, with `modifiedSince`, only those changed since then (incremental read).
    func contacts(companyId: Int, modifiedSince: Date?) async throws -> [PSAContact]

    /// One contact, or `nil` when the PSA no longer has it (the contact was deleted).
    func contact(companyId: Int, id: Int) async throws -> PSAContact?

    /// The contacts of a PSA company that have `email` among their emails (trimmed, case-insensitive).
    func contacts(companyId: Int, email: String) async throws -> [PSAContact]

    /// The sites (Autotask company locations, ConnectWise company sites) of a PSA company.
    func sites(companyId: Int) async throws -> [PSASite]

    /// Whether the PSA has a company with this id (R8.6): a wrong `psaCompanyId` is refused by name, never read as a
    /// company whose contacts were all deleted.
    func companyExists(_ companyId: Int) async throws -> Bool

    /// The contact types the PSA knows (ConnectWise); Autotask answers `[]`.
    func contactTypes() async throws -> [PSAContactType]

    /// How long each synced field may be.
    func fieldLimits() async throws -> PSAFieldLimits

    /// Executes one write; `current` is the contact as last observed (for updates), so that a PSA that answers
    /// with an id only can still report the contact as written. Exactly one HTTP write per call where the PSA
    /// allows it (ConnectWise type additions need a second call to the type-association endpoint).
    func write(_ write: PSAWrite, companyId: Int, current: PSAContact?) async throws -> PSAWriteResult

    /// How many HTTP requests this connection has made so far.
    func requestCount() async -> Int

    /// Called once as each run starts (Autotask reads its hourly API budget then).
    func beginRun() async throws

    /// R11.6: counts `requests` Rollcall sent to this PSA in another process (read from the log) that leave the
    /// budget's window at `time`, so its share of the API budget holds across processes.
    func remember(requests: Int, leaving time: Date, threshold: BudgetWindow?) async

    /// The request threshold of the budget window, when the connection has read it (Autotask), for `RunPaused`.
    func knownThreshold() async -> BudgetWindow?

    /// R11.7: the lane a run with `writes` writes to make applies them in: a long sync goes in the background lane,
    /// which leaves a slice of the budget share to every other company's runs.
    func lane(forWrites writes: Int) async -> BudgetLane
}

/// A PSA's request budget window as last read: the threshold of requests, over how many minutes (R11.6).
public struct BudgetWindow: Codable, Sendable, Hashable {
    public var threshold: Int
    public var minutes: Int

    /// Makes a window.
    public init(threshold: Int, minutes: Int) {
        self.threshold = threshold
        self.minutes = minutes
    }
}

/// R11.7: who a request is for. A long sync's writes go in the background lane and may not use the slice of the
/// budget share kept for the other companies' runs; everything else goes in the foreground. Set for a task and its
/// children with `BudgetLane.$current.withValue(_:operation:)`.
public enum BudgetLane: String, Sendable, Hashable {
    case foreground, background

    /// The lane of the requests the current task sends.
    @TaskLocal public static var current: BudgetLane = .foreground
}

extension PSAConnection {
    /// Does nothing: most PSAs have nothing to prepare for a run.
    public func beginRun() async throws {}

    /// Does nothing: a PSA without a shared hourly budget keeps no count.
    public func remember(requests: Int, leaving time: Date, threshold: BudgetWindow?) async {}

    /// None: a PSA without an hourly budget has no threshold.
    public func knownThreshold() async -> BudgetWindow? { nil }

    /// The foreground: a PSA without a shared hourly budget has nothing to keep apart.
    public func lane(forWrites writes: Int) async -> BudgetLane { .foreground }
}

/// A failure talking to a PSA, in words an MSP technician can act on.
public struct PSAError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure it is; callers match on this.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Username, secret, integration code, or keys refused (401/403).
        case authentication
        /// The thing asked for does not exist (404).
        case notFound
        /// The PSA refused the request's content (validation, 400, Autotask's 500 with `errors`).
        case rejected
        /// Throttled (429, Autotask thread threshold) and retries ran out.
        case throttled
        /// The hourly API budget would be exceeded; the run stops and says when to resume.
        case budgetExhausted
        /// The PSA failed (5xx) and retries ran out.
        case server
        /// The connection failed or timed out.
        case transport
        /// The PSA answered something Rollcall could not read.
        case unexpectedResponse
    }

    public var kind: Kind
    /// A sentence that says what happened, to what, and what to do.
    public var message: String
    /// The HTTP status, when there was an answer.
    public var status: Int?
    /// Whether trying the same request again later may succeed.
    public var retryable: Bool
    /// For `budgetExhausted`/`throttled`: when it is worth trying again.
    public var retryAfter: Date?

    /// Makes an error.
    public init(_ kind: Kind, _ message: String, status: Int? = nil, retryable: Bool = false, retryAfter: Date? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retryAfter = retryAfter
    }

    public var description: String { message }
}

/// A user list read from scratch: every user of the tenant, and a delta link to follow from then on.
public struct DirectoryFullRead: Sendable, Hashable {
    public var users: [DirectoryUser]
    /// The link for the next delta round, when the read established one.
    public var deltaLink: String?

    /// Makes a full read.
    public init(users: [DirectoryUser], deltaLink: String?) {
        self.users = users
        self.deltaLink = deltaLink
    }
}

/// One delta round: the changes since the last link, and the link for the next round.
public struct DirectoryDeltaRead: Sendable, Hashable {
    public var changes: [DirectoryUserChange]
    public var deltaLink: String

    /// Makes a delta read.
    public init(changes: [DirectoryUserChange], deltaLink: String) {
        self.changes = changes
        self.deltaLink = deltaLink
    }
}

/// The members of one group a filter names.
public struct GroupMembership: Sendable, Hashable, Codable {
    /// The group's object id.
    public var groupId: String
    public var displayName: String
    /// Object ids of the users that are transitive members (users only, no groups or devices).
    public var userIds: [String]

    /// Makes a membership list.
    public init(groupId: String, displayName: String, userIds: [String]) {
        self.groupId = groupId
        self.displayName = displayName
        self.userIds = userIds
    }
}

/// One customer tenant's Microsoft 365 directory, as the engine sees it.
public protocol DirectorySource: Sendable {
    /// The tenant's license catalog (`subscribedSkus`).
    func licenseCatalog() async throws -> [LicenseSku]

    /// Every user, read from scratch, with a delta link for the rounds after.
    func fullRead() async throws -> DirectoryFullRead

    /// The changes since `deltaLink`; throws `DirectoryError` of kind `resyncRequired` when the link expired
    /// (410 Gone, `syncStateNotFound`, `resyncRequired`), and the caller falls back to a full read.
    func deltaRound(from deltaLink: String) async throws -> DirectoryDeltaRead

    /// The transitive user members of a group named by object id or display name.
    func groupMembers(_ group: String) async throws -> GroupMembership

    /// The transitive user members of a group whose id and name an earlier read found (no look-up request).
    func groupMembers(id: String, displayName: String) async throws -> GroupMembership

    /// The display names of the tenant's groups (one page, sorted), to list when a filter names a group it lacks.
    func groupNames() async throws -> [String]

    /// The group a filter names by object id or display name; throws `groupNotFound` when there is none (or several).
    func findGroup(_ group: String) async throws -> GroupRef

    /// A groups delta round over `groupIds` (at most `GroupGraph.maxTracked`) with their direct members: from
    /// `deltaLink`, or from scratch when it is nil (every tracked group with all its members). Throws
    /// `resyncRequired` when the link has expired.
    func groupsDelta(from deltaLink: String?, tracking groupIds: [String]) async throws -> GroupsDeltaRead

    /// Says which reads the run is about to make, so the source can send them together (Graph's `$batch`); the
    /// reads themselves follow as usual. Sources that cannot do better ignore it.
    func prepareRound(_ plan: DirectoryRoundPlan) async

    /// How many HTTP requests this source has made so far, the token's included.
    func requestCount() async -> Int
}

/// The first requests of a delta run's directory reads, known before any is sent (a full read is not batched).
public struct DirectoryRoundPlan: Sendable, Hashable {
    /// The users delta round to follow.
    public var usersDeltaLink: String?
    /// The groups delta round to follow, when the tracked groups still cover what the filters name.
    public var groupsDeltaLink: String?
    /// The license catalog will be read.
    public var catalog: Bool

    /// Makes a plan.
    public init(usersDeltaLink: String?, groupsDeltaLink: String?, catalog: Bool) {
        self.usersDeltaLink = usersDeltaLink
        self.groupsDeltaLink = groupsDeltaLink
        self.catalog = catalog
    }
}

extension DirectorySource {
    /// Sends nothing ahead; a source that can batch reads overrides this.
    public func prepareRound(_ plan: DirectoryRoundPlan) async {}

    /// None known; a source that can list groups overrides this.
    public func groupNames() async throws -> [String] { [] }

    /// Asks by id; a source that can skip the look-up overrides this.
    public func groupMembers(id: String, displayName: String) async throws -> GroupMembership {
        try await groupMembers(id)
    }
}

/// A failure reading a Microsoft 365 tenant, in words an MSP technician can act on.
public struct DirectoryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure it is; callers match on this.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The app's secret was refused, or the tenant has not consented to the app.
        case authentication
        /// The app lacks a permission it needs (403).
        case permission
        /// The delta link expired; a full read is needed.
        case resyncRequired
        /// A group a filter names does not exist.
        case groupNotFound
        /// Throttled (429/503) and retries ran out.
        case throttled
        /// Graph failed (5xx) and retries ran out.
        case server
        /// The connection failed, timed out, or was cut off mid-read.
        case transport
        /// Graph answered something Rollcall could not read.
        case unexpectedResponse
    }

    public var kind: Kind
    /// A sentence that says what happened, to what, and what to do.
    public var message: String
    /// The HTTP status, when there was an answer.
    public var status: Int?

    /// Makes an error.
    public init(_ kind: Kind, _ message: String, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
    }

    public var description: String { message }
}
