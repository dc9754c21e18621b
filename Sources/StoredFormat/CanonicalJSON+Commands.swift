// Hand-written shapes of the writer's commonest values after users: every planned command, every attempted write
// and every written contact. Each writes what its synthesized `Encodable` conformance writes, keys in sorted order;
// the canonical JSON tests compare them with Foundation's encoder across random histories.

import ContactSync
import Foundation

extension CanonicalWriter {
    /// An object written member by member; members must come in the UTF-8 order of their keys.
    struct Members {
        let writer: CanonicalWriter
        var first = true

        init(_ writer: CanonicalWriter) {
            self.writer = writer
            writer.out.append(UInt8(ascii: "{"))
        }

        mutating func key(_ name: StaticString) {
            if !first { writer.out.append(UInt8(ascii: ",")) }
            first = false
            writer.out.append(UInt8(ascii: "\""))
            writer.out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            writer.out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }

        /// A member whose key is only known at run time; keys must still come in UTF-8 order.
        mutating func dynamicKey(_ name: String) {
            if !first { writer.out.append(UInt8(ascii: ",")) }
            first = false
            writer.writeString(name)
            writer.out.append(UInt8(ascii: ":"))
        }

        /// A string member, left out when `nil` (as `encodeIfPresent` does).
        mutating func string(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            writer.writeString(value)
        }

        /// An integer member, left out when `nil`.
        mutating func integer<I: BinaryInteger>(_ name: StaticString, _ value: I?) {
            guard let value else { return }
            key(name)
            writer.writeInteger(value)
        }

        mutating func bool(_ name: StaticString, _ value: Bool?) {
            guard let value else { return }
            key(name)
            writer.writeBool(value)
        }

        mutating func integers<I: BinaryInteger>(_ name: StaticString, _ values: [I]) {
            key(name)
            writer.array(values) { writer.writeInteger($0) }
        }

        func end() {
            writer.out.append(UInt8(ascii: "}"))
        }
    }

    /// `[a,b,…]`, each element written by `element`.
    func array<T>(_ values: [T], _ element: (T) throws -> Void) rethrows {
        out.append(UInt8(ascii: "["))
        for (i, value) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            try element(value)
        }
        out.append(UInt8(ascii: "]"))
    }

    func writeCommand(_ c: Command) throws {
        var o = Members(self)
        o.key("changes")
        array(c.changes, writeChange)
        o.integer("contactId", c.contactId)
        o.string("id", c.id)
        o.string("kind", c.kind.rawValue)
        if let match = c.match {
            o.key("match")
            writeMatch(match)
        }
        o.key("reasons")
        array(c.reasons, writeReason)
        o.integer("settingsVersion", c.settingsVersion)
        o.string("userId", c.userId)
        if let write = c.write {
            o.key("write")
            writeWrite(write)
        }
        o.end()
    }

    func writeChange(_ change: FieldChange) {
        var o = Members(self)
        o.string("field", change.field)
        o.string("from", change.from)
        o.string("note", change.note)
        o.string("to", change.to)
        o.end()
    }

    func writeReason(_ reason: Reason) {
        var o = Members(self)
        o.string("because", reason.because)
        o.integers("positions", reason.positions)
        o.string("rule", reason.rule)
        o.end()
    }

    func writeMatch(_ match: MatchDecision) {
        var o = Members(self)
        o.string("ambiguity", match.ambiguity)
        o.integers("candidates", match.candidates)
        o.integer("contactId", match.contactId)
        o.string("email", match.email)
        o.string("userId", match.userId)
        o.end()
    }

    /// An enum with associated values, as Swift synthesizes it: `{"create":{"_0":…}}`, `{"update":{"_1":…,"contactId":…}}`.
    func writeWrite(_ write: PSAWrite) {
        var o = Members(self)
        switch write {
        case .create(let new):
            o.key("create")
            var payload = Members(self)
            payload.key("_0")
            var n = Members(self)
            n.key("fields")
            writeFields(new.fields)
            n.integer("siteId", new.siteId)
            n.integers("typeIds", new.typeIds)
            n.end()
            payload.end()
        case .update(let contactId, let update):
            o.key("update")
            var payload = Members(self)
            payload.key("_1")
            var u = Members(self)
            u.integers("addTypeIds", update.addTypeIds)
            u.key("fields")
            writeFields(update.fields)
            u.bool("isActive", update.isActive)
            u.integer("siteId", update.siteId)
            u.end()
            payload.integer("contactId", contactId)
            payload.end()
        }
        o.end()
    }

    func writeFields(_ f: ContactFields) {
        var o = Members(self)
        o.string("email", f.email)
        o.string("firstName", f.firstName)
        o.string("lastName", f.lastName)
        o.string("mobile", f.mobile)
        o.string("phone", f.phone)
        o.string("title", f.title)
        o.end()
    }

    func writeContact(_ c: PSAContact) throws {
        var o = Members(self)
        o.integer("companyId", c.companyId)
        o.key("emails")
        array(c.emails, writeString)
        o.string("firstName", c.firstName)
        o.integer("id", c.id)
        o.bool("isActive", c.isActive)
        if let modified = c.lastModified {
            o.key("lastModified")
            try writeDate(modified)
        }
        o.string("lastName", c.lastName)
        o.string("mobile", c.mobile)
        o.string("phone", c.phone)
        o.integer("siteId", c.siteId)
        o.string("title", c.title)
        o.integers("typeIds", c.typeIds)
        o.end()
    }
}

extension CanonicalWriter {
    // The projection rows a checkpoint stores: a first run of 100,000 users saves some 370,000 of them.

    func writeContactRecord(_ r: ContactRecord) throws {
        var o = Members(self)
        o.key("contact")
        try writeContact(r.contact)
        o.bool("missing", r.missing)
        o.integer("missingPosition", r.missingPosition)
        o.integer("position", r.position)
        o.end()
    }

    func writeMatch(_ m: MatchRecord) {
        var o = Members(self)
        o.string("basis", m.basis.rawValue)
        o.integer("contactId", m.contactId)
        o.integer("position", m.position)
        o.string("runId", m.runId)
        o.string("userId", m.userId)
        o.key("written")
        var written = Members(self)
        for field in Self.fieldsByName {
            guard let value = m.written[field] else { continue }
            written.dynamicKey(field.rawValue)
            writeString(value)
        }
        written.end()
        o.end()
    }

    /// The synced fields in the UTF-8 order of their names, as a dictionary keyed by them is written.
    static let fieldsByName = SyncedField.allCases.sorted { $0.rawValue.utf8.lexicographicallyPrecedes($1.rawValue.utf8) }

    func writeAssignment(_ a: Assignment) {
        var o = Members(self)
        o.string("contactType", a.contactType)
        o.integer("filterIndex", a.filterIndex)
        o.string("site", a.site)
        o.end()
    }
}

extension CanonicalWriter {
    func writeObserved(_ e: DirectoryUserObserved) {
        var o = Members(self)
        o.string("contentHash", e.contentHash)
        o.string("runId", e.runId)
        o.key("user")
        writeUser(e.user)
        o.end()
    }

    func writePlanned(_ e: CommandPlanned) throws {
        var o = Members(self)
        o.key("command")
        try writeCommand(e.command)
        o.string("runId", e.runId)
        o.end()
    }

    func writeAttempted(_ e: CommandAttempted) {
        var o = Members(self)
        o.integer("attempt", e.attempt)
        o.string("commandId", e.commandId)
        o.integer("contactId", e.contactId)
        o.string("runId", e.runId)
        o.string("userId", e.userId)
        o.key("write")
        writeWrite(e.write)
        o.end()
    }

    func writeSucceeded(_ e: CommandSucceeded) throws {
        var o = Members(self)
        o.string("commandId", e.commandId)
        o.key("contact")
        try writeContact(e.contact)
        o.integer("contactId", e.contactId)
        o.string("kind", e.kind.rawValue)
        o.string("responseBody", e.responseBody)
        o.string("runId", e.runId)
        o.integer("status", e.status)
        o.string("userId", e.userId)
        o.end()
    }
}

/// One flat JSON object written straight to bytes, for request bodies sent once per write; members come out in the
/// order they are given, so a caller that gives them in key order gets what `CanonicalJSON` writes.
public struct FlatJSONObject {
    private let writer = CanonicalWriter()
    private var members: CanonicalWriter.Members

    /// An empty object.
    public init() {
        members = CanonicalWriter.Members(writer)
    }

    /// Adds a string member; `nil` leaves it out.
    public mutating func string(_ key: StaticString, _ value: String?) {
        members.string(key, value)
    }

    /// Adds an integer member; `nil` leaves it out.
    public mutating func integer<I: BinaryInteger>(_ key: StaticString, _ value: I?) {
        members.integer(key, value)
    }

    /// Adds an object member of integers, as a `[String: Int64]` (or a dictionary keyed by a `CodingKeyRepresentable`
    /// enum) is written; `values` must come in the UTF-8 order of their keys.
    public mutating func integerObject<I: BinaryInteger>(_ key: StaticString, _ values: [(key: String, value: I)]) {
        members.key(key)
        var inner = CanonicalWriter.Members(writer)
        for (name, value) in values {
            inner.dynamicKey(name)
            writer.writeInteger(value)
        }
        inner.end()
    }

    /// The object's bytes.
    public consuming func data() -> Data {
        members.end()
        return Data(writer.out)
    }
}
