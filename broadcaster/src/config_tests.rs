//! Tests of the configuration and its command line.

use super::*;

#[test]
fn sizes() {
    assert_eq!(parse_size("262144"), Ok(262144));
    assert_eq!(parse_size("256KiB"), Ok(262144));
    assert_eq!(parse_size("1m"), Ok(1 << 20));
    assert!(parse_size("abc").is_err());
    assert!(parse_size("0").is_err());
    assert!(parse_size("5 parsecs").is_err());
}

#[test]
fn cli_defaults_and_client_states() {
    let cli = Cli::parse_from([
        "x",
        "--client-state",
        "a",
        "--client-state",
        "b,c",
        "--port",
        "0",
    ]);
    let cfg = Config::from(cli);
    assert_eq!(cfg.client_states, ["a", "b", "c"]);
    assert!(cfg.client_tokens.is_empty(), "anyone may listen by default");
    for flag in ["--client-state", "--client-token"] {
        for blank in [" ", "", "a,", "a, ,b"] {
            let parsed = Cli::try_parse_from(["x", flag, blank]);
            assert!(parsed.is_err(), "{flag} {blank:?} accepted");
        }
    }
    let cli = Cli::parse_from(["x", "--client-token", " t1 ,t2", "--client-token", "t3"]);
    assert_eq!(Config::from(cli).client_tokens, ["t1", "t2", "t3"]);
    assert_eq!(cfg.webhook_path, DEFAULT_WEBHOOK_PATH);
    assert_eq!(cfg.max_body, DEFAULT_MAX_BODY);
    assert!(cfg.validate().is_ok());
    let bad = Config {
        ws_path: "/socket.io/x".into(),
        ..Config::default()
    };
    assert!(bad.validate().is_err());
    let bad = Config {
        ws_path: "/API/Webhook".into(),
        ..Config::default()
    };
    assert!(
        bad.validate().is_err(),
        "the webhook path is matched ignoring case"
    );
    for (interval, timeout, ok) in [
        (2_147_000_000, 483_647, true),
        (2_147_000_000, 483_648, false),
        (u64::MAX, 1, false),
        (u64::MAX, u64::MAX, false),
    ] {
        let cfg = Config {
            ping_interval: Duration::from_millis(interval),
            ping_timeout: Duration::from_millis(timeout),
            ..Config::default()
        };
        assert_eq!(cfg.validate().is_ok(), ok, "ping {interval} + {timeout} ms");
    }
    assert!(cfg.entra.is_none(), "no Entra ID tokens by default");
    for p in ["/a/{x}", "/:x", "/*x", "/a//b", "/a/", "ws", "/"] {
        let bad = Config {
            webhook_path: p.into(),
            ..Config::default()
        };
        assert!(bad.validate().is_err(), "{p}");
    }
}

#[test]
fn entra_flags() {
    let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let cli = Cli::parse_from([
        "x",
        "--entra-tenant",
        tenant,
        "--entra-audience",
        "api://sp-live, 5d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a",
    ]);
    let cfg = Config::from(cli);
    let entra = cfg.entra.clone().expect("Entra ID tokens accepted");
    assert_eq!(
        entra.audiences,
        ["api://sp-live", "5d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a"]
    );
    assert_eq!(
        entra.keys_url,
        format!("https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys")
    );
    assert_eq!(entra.scopes, ["user_impersonation"]);
    assert!(entra.roles.is_empty());
    assert_eq!(cfg.validate(), Ok(()));
    let cli = Cli::parse_from([
        "x",
        "--entra-tenant",
        tenant,
        "--entra-audience",
        "api://sp-live",
        "--entra-scope",
        "Listen",
        "--entra-role",
        "Listener,Reader",
    ]);
    let entra = Config::from(cli).entra.unwrap();
    assert_eq!(
        (entra.scopes, entra.roles),
        (
            vec!["Listen".to_owned()],
            vec!["Listener".to_owned(), "Reader".to_owned()]
        )
    );
    let cli = Cli::parse_from([
        "x",
        "--entra-tenant",
        tenant,
        "--entra-audience",
        "api://sp-live",
        "--entra-role",
        "Listener",
    ]);
    let entra = Config::from(cli).entra.unwrap();
    assert!(entra.scopes.is_empty(), "roles only");
    let cli = Cli::parse_from(["x", "--entra-role", "Listener"]);
    let error = Config::from(cli).validate().unwrap_err();
    assert!(error.contains("need --entra-tenant"), "{error}");
    let cli = Cli::parse_from(["x", "--entra-audience", "api://sp-live"]);
    let error = Config::from(cli).validate().unwrap_err();
    assert!(error.contains("need --entra-tenant"), "{error}");
    let cli = Cli::parse_from(["x", "--entra-tenant", tenant]);
    let error = Config::from(cli).validate().unwrap_err();
    assert!(error.contains("--entra-audience"), "{error}");
    let cli = Cli::parse_from(["x", "--entra-tenant", "contoso.onmicrosoft.com"]);
    let error = Config::from(cli).validate().unwrap_err();
    assert!(error.contains("GUID"), "{error}");
    assert!(Cli::try_parse_from(["x", "--entra-tenant", " "]).is_err());
}

#[test]
fn entra_cloud_flag() {
    let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let entra = |cloud: &str| {
        let cli = Cli::parse_from([
            "x",
            "--entra-tenant",
            tenant,
            "--entra-audience",
            "api://sp-live",
            "--entra-cloud",
            cloud,
        ]);
        Config::from(cli).entra.unwrap()
    };
    let usgov = entra("usgov");
    assert_eq!(usgov.cloud, EntraCloud::Usgov);
    assert_eq!(
        usgov.keys_url,
        format!("https://login.microsoftonline.us/{tenant}/discovery/v2.0/keys")
    );
    assert_eq!(entra("china").cloud, EntraCloud::China);
    assert_eq!(
        entra("global"),
        EntraConfig::new(tenant, vec!["api://sp-live".into()])
    );
    assert!(Cli::try_parse_from(["x", "--entra-cloud", "germany"]).is_err());
    let cli = Cli::parse_from(["x", "--entra-cloud", "usgov"]);
    let error = Config::from(cli).validate().unwrap_err();
    assert!(error.contains("need --entra-tenant"), "{error}");
}

/// A blank `--entra-*` value (an empty `SP_ENTRA_TENANT`, say) is refused with a message
/// naming that setting, not the client tokens (whose advice, "unset it to let anyone
/// listen", would be wrong here).
#[test]
fn a_blank_entra_setting_is_named_in_its_error() {
    for (flag, env) in [
        ("--entra-tenant", "SP_ENTRA_TENANT"),
        ("--entra-audience", "SP_ENTRA_AUDIENCE"),
        ("--entra-scope", "SP_ENTRA_SCOPE"),
        ("--entra-role", "SP_ENTRA_ROLE"),
    ] {
        for blank in ["", " "] {
            let error = Cli::try_parse_from(["x", flag, blank]).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(&format!("{flag} / {env}")), "{message}");
            assert!(!message.contains("client token"), "{message}");
        }
    }
}
