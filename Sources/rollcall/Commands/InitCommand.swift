// `rollcall init`: writes a commented rollcall.yaml for Autotask or ConnectWise.

import ArgumentParser
import ContactSync
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented rollcall.yaml to start from.",
        discussion: """
            Examples:
              rollcall init --psa autotask
              rollcall init --psa connectwise --output /etc/rollcall/rollcall.yaml

            Secrets are written as ${VARIABLES} read from the environment, never as values.
            """
    )

    @Option(help: "Your PSA: autotask or connectwise.") var psa = "autotask"
    @Option(help: "Where to write the file.") var output = "rollcall.yaml"
    @Flag(help: "Overwrite the file if it exists.") var force = false

    func run() throws {
        guard let system = PSASystem(rawValue: psa.lowercased()) else {
            throw ValidationError("--psa is autotask or connectwise, not \"\(psa)\"")
        }
        if FileManager.default.fileExists(atPath: output) && !force {
            printError("\(output) exists; pass --force to overwrite it, or --output another file")
            throw Exit.badInput
        }
        try SettingsLoader.sample(for: system).write(toFile: output, atomically: true, encoding: .utf8)
        print("Wrote \(output) for \(system == .autotask ? "Autotask" : "ConnectWise"). Fill in your app registration, API user and companies, then run `rollcall plan`.")
    }
}
