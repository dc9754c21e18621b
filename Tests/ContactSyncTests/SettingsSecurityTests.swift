// rollcall.yaml's URLs and proxy as the boundary needs them: https only (loopback excepted), a readable proxy, and
// each secret's source remembered so a refusal can name the variable to fix.

import ContactSync
import Foundation
import Testing

@Suite("Settings: https, proxy and secret sources")
struct SettingsSecurityTests {
    private let environment = [
        "GRAPH_CLIENT_SECRET": "g", "AUTOTASK_SECRET": "a", "AUTOTASK_INTEGRATION_CODE": "c", "CW_PRIVATE_KEY": "k",
    ]

    private func problems(_ yaml: String) -> [SettingsProblem] {
        do {
            _ = try SettingsLoader.load(yaml: yaml, path: "rollcall.yaml", environment: environment)
            return []
        } catch {
            return error.problems
        }
    }

    @Test("plain http for loginUrl, graphUrl or the PSA url is refused unless the host is loopback")
    func httpsOnly() throws {
        for (field, from, to) in [
            ("microsoft.loginUrl", "https://login.microsoftonline.com", "http://login.microsoftonline.com"),
            ("microsoft.graphUrl", "https://graph.microsoft.com", "http://graph.microsoft.com"),
            ("psa.autotask.url", "https://webservices5.autotask.net/ATServicesRest/", "http://webservices5.autotask.net/ATServicesRest/"),
        ] {
            let found = problems(designYAML.replacingOccurrences(of: from, with: to))
            #expect(found.count == 1, "\(field)")
            #expect(found.first?.field == field && found.first?.message.contains("https") == true, "\(found)")
        }
        for loopback in ["http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:8080"] {
            let yaml = designYAML.replacingOccurrences(of: "https://graph.microsoft.com", with: loopback)
            #expect(problems(yaml).isEmpty, "\(loopback)")
        }
        #expect(problems(designYAML.replacingOccurrences(of: "https://graph.microsoft.com", with: "graph.microsoft.com")).first?.field == "microsoft.graphUrl")
    }

    @Test("a proxy is read from the settings; one that is not http://host:port is refused")
    func proxy() throws {
        let good = try SettingsLoader.load(yaml: "proxy: http://proxy.msp.example:3128\n" + designYAML, path: "rollcall.yaml", environment: environment)
        #expect(good.proxy == "http://proxy.msp.example:3128")
        #expect(try SettingsLoader.load(yaml: designYAML, path: "rollcall.yaml", environment: environment).proxy == nil)
        let bad = problems("proxy: socks5://alice:S3cret@proxy:1080\n" + designYAML)
        #expect(bad.map(\.field) == ["proxy"])
        #expect(bad.allSatisfy { !$0.message.contains("S3cret") && $0.message.contains("…@proxy:1080") })
    }

    @Test("each secret remembers the environment variable it came from, or the setting when written inline")
    func secretSources() throws {
        let settings = try SettingsLoader.load(yaml: designYAML, path: "rollcall.yaml", environment: environment)
        #expect(settings.microsoft.clientSecretSource == "environment variable GRAPH_CLIENT_SECRET")
        guard case .autotask(let autotask) = settings.psa else { Issue.record("not Autotask"); return }
        #expect(autotask.secretSource == "environment variable AUTOTASK_SECRET")
        let inline = try SettingsLoader.load(
            yaml: designYAML.replacingOccurrences(of: "${AUTOTASK_SECRET}", with: "plain-secret"), path: "/etc/rollcall.yaml",
            environment: environment)
        guard case .autotask(let written) = inline.psa else { Issue.record("not Autotask"); return }
        #expect(written.secretSource == "psa.autotask.secret in /etc/rollcall.yaml")
    }
}
