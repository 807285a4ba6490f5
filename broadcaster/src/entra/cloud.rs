//! The Entra ID clouds: a tenant of a national cloud gets its tokens from that cloud's
//! authority, which names itself in their issuer and publishes its keys.

/// The Entra ID cloud a tenant lives in (`--entra-cloud`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum EntraCloud {
    /// Microsoft's global cloud: Microsoft 365 commercial and GCC (`*.sharepoint.com`).
    #[default]
    Global,
    /// Azure Government: Microsoft 365 GCC High and DoD (`*.sharepoint.us`).
    Usgov,
    /// Microsoft Azure operated by 21Vianet: Office 365 in China (`*.sharepoint.cn`).
    China,
}

impl EntraCloud {
    /// The host of the cloud's authority (v2 issuer, keys).
    pub fn login_host(self) -> &'static str {
        match self {
            Self::Global => "login.microsoftonline.com",
            Self::Usgov => "login.microsoftonline.us",
            Self::China => "login.partner.microsoftonline.cn",
        }
    }

    /// The host in v1 tokens' issuer (Azure Government's v1 tokens name the global one).
    fn v1_issuer_host(self) -> &'static str {
        match self {
            Self::Global | Self::Usgov => "sts.windows.net",
            Self::China => "sts.chinacloudapi.cn",
        }
    }

    /// The issuers of `tenant`'s tokens in this cloud: v1, then v2.
    pub fn issuers(self, tenant: &str) -> [String; 2] {
        [
            format!("https://{}/{tenant}/", self.v1_issuer_host()),
            format!("https://{}/{tenant}/v2.0", self.login_host()),
        ]
    }

    /// The cloud's published signing keys for `tenant` (the same keys sign v1 and v2
    /// tokens).
    pub fn keys_url(self, tenant: &str) -> String {
        format!("https://{}/{tenant}/discovery/v2.0/keys", self.login_host())
    }
}

#[cfg(test)]
mod tests {
    use super::EntraCloud::*;

    #[test]
    fn each_cloud_has_its_issuers_and_keys() {
        let t = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        assert_eq!(
            Global.issuers(t),
            [
                format!("https://sts.windows.net/{t}/"),
                format!("https://login.microsoftonline.com/{t}/v2.0")
            ]
        );
        assert_eq!(
            Usgov.issuers(t),
            [
                format!("https://sts.windows.net/{t}/"),
                format!("https://login.microsoftonline.us/{t}/v2.0")
            ]
        );
        assert_eq!(
            China.issuers(t),
            [
                format!("https://sts.chinacloudapi.cn/{t}/"),
                format!("https://login.partner.microsoftonline.cn/{t}/v2.0")
            ]
        );
        assert_eq!(
            Usgov.keys_url(t),
            format!("https://login.microsoftonline.us/{t}/discovery/v2.0/keys")
        );
    }
}
