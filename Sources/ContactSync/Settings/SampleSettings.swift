// A commented sample rollcall.yaml for `rollcall init`.

import Foundation

extension SettingsLoader {
    /// A commented rollcall.yaml for the given PSA that loads as is once its `${VAR}` variables are set.
    public static func sample(for system: PSASystem) -> String {
        let psa: String
        let typeLines: String
        switch system {
        case .autotask:
            psa = """
              autotask:
                username: api-user@msp.example              # an API-only user of your Autotask instance
                secret: ${AUTOTASK_SECRET}
                integrationCode: ${AUTOTASK_INTEGRATION_CODE}
                # url: https://webservices5.autotask.net/ATServicesRest/   # optional: found from the username when absent
                budgetShare: 30%                            # R11.6: the most of each hourly threshold Rollcall uses
                budgetCeiling: 50%                          # R11.6: add nothing once the database's total reaches this
            """
            typeLines = ""
        case .connectwise:
            psa = """
              connectwise:
                url: https://api-na.myconnectwise.net/v4_6_release/apis/3.0/
                company: mspco                              # your ConnectWise company id (login company)
                publicKey: your-public-key
                privateKey: ${CW_PRIVATE_KEY}
                clientId: your-client-id                    # from developer.connectwise.com
                defaultContactType: Employee                # R10.1: new contacts get this type unless overridden
                # requestsPerMinute: 120                    # optional cap on Rollcall's requests a minute
            """
            typeLines = "    contactType: Employee           # R10.1: overrides the connection default; optional\n"
        }
        return """
        # rollcall.yaml: Microsoft 365 users → PSA contacts. Rules: RULES.md. ${VAR} reads the environment.
        database: rollcall.sqlite3          # the event log; created on first use
        microsoft:
          clientId: 00000000-0000-0000-0000-000000000000   # the MSP's multi-tenant app
          clientSecret: ${GRAPH_CLIENT_SECRET}
          loginUrl: https://login.microsoftonline.com      # default; change for national clouds or the emulator
          graphUrl: https://graph.microsoft.com            # default
        psa:                                # exactly one of autotask / connectwise
        \(psa)
        companies:
          - name: Contoso                   # unique; used on the command line
            tenant: contoso.onmicrosoft.com # tenant id or domain
            psaCompanyId: 12345
            enabled: true                   # R11.5: false observes nothing and writes nothing
            updateExisting: true            # R6–R9: false only creates and matches
            useEmail: false                 # R3.1: true writes mail instead of the UPN
            defaultSite: Main               # R2.4: where users go when there are no filters
        \(typeLines)    deactivateOutOfScope: true      # R2.6
            deactivationThreshold: { count: 10, percent: 10 }   # R8.4: more than both holds deactivations
            dailyAt: "02:00"                # R11.1: local time of the daily run
            fieldPolicy:                    # R6.6: always (default) | onCreateOnly | onChange
              title: onChange
            filters:                        # R2.5: priority order; first match wins
              - { group: Management, site: Main }
              - { license: SPB, site: Main }
              - { allLicensed: true, site: Main }

        """
    }
}
