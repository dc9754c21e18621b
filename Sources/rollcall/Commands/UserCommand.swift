// `rollcall user`: the console's local accounts — add (or change), remove, list. Passwords are kept as bcrypt hashes
// in the log file, never as text.

import ArgumentParser
import Console
import EventLog
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage who may sign in to the console that rollcall serve serves.",
        discussion: """
            Admins save settings, start runs and approve held deactivations; viewers read.

            Example:
              rollcall user add dana --role admin
              printf '%s\\n' "$PASSWORD" | rollcall user add sam --role viewer --password-stdin
            """,
        subcommands: [Add.self, Remove.self, List.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an account, or give an existing one a new role and password.")

        @OptionGroup var config: ConfigOptions
        @Argument(help: "The account's name, as typed to sign in.") var name: String
        @Option(help: "admin or viewer.") var role: String
        @Flag(help: "Read the password from the first line of standard input instead of asking for it.")
        var passwordStdin = false

        func run() async throws {
            guard let role = ConsoleAccount.Role(rawValue: role.lowercased()) else {
                printError("--role is admin or viewer, not \"\(role)\"")
                throw Exit.badInput
            }
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.count <= 64, !trimmed.contains(where: { $0.isNewline }) else {
                printError("an account name is 1 to 64 characters on one line")
                throw Exit.badInput
            }
            let password: String
            if passwordStdin {
                password = readLine(strippingNewline: true) ?? ""
            } else {
                guard let typed = getpass("Password for \(trimmed): ") else { throw Exit.badInput }
                password = String(cString: typed)
            }
            guard password.count >= 10 else {
                printError("the password must be at least 10 characters")
                throw Exit.badInput
            }
            let context = try AppContext.load(config)
            let existed = try await context.store.account(named: trimmed) != nil
            try await context.store.save(ConsoleAccount(name: trimmed, role: role, passwordHash: Console.hash(password), createdAt: Date()))
            print("\(existed ? "Changed" : "Added") \(trimmed) (\(role.rawValue)).")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an account; its sessions end at once.")

        @OptionGroup var config: ConfigOptions
        @Argument(help: "The account's name.") var name: String

        func run() async throws {
            let context = try AppContext.load(config)
            guard try await context.store.removeAccount(named: name) else {
                printError("there is no account \"\(name)\"; rollcall user list shows them")
                throw Exit.badInput
            }
            print("Removed \(name).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts and their roles.")

        @OptionGroup var config: ConfigOptions

        func run() async throws {
            let context = try AppContext.load(config)
            let accounts = try await context.store.accounts()
            if accounts.isEmpty { print("No accounts yet: rollcall user add NAME --role admin") }
            for account in accounts { print("\(account.name)  \(account.role.rawValue)") }
        }
    }
}
