//! Unit tests of the Entra ID configuration and token checks.

use super::*;

fn cfg() -> EntraConfig {
    let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    EntraConfig::new(tenant, vec!["api://sp-live".into()])
}

#[test]
fn configuration_is_checked() {
    assert_eq!(cfg().validate(), Ok(()));
    for tenant in [
        "contoso.onmicrosoft.com",
        "",
        "72f988bf-86f1-41af-91ab-2d7cd011db4",
    ] {
        let bad = EntraConfig {
            tenant: tenant.into(),
            ..cfg()
        };
        assert!(bad.validate().unwrap_err().contains("GUID"), "{tenant}");
    }
    for audiences in [vec![], vec![" ".to_owned()]] {
        let bad = EntraConfig { audiences, ..cfg() };
        assert!(bad.validate().unwrap_err().contains("--entra-audience"));
    }
    for keys_url in [
        "/etc/keys.json",
        "http://keys.example.net/keys",
        "http://127.0.0.1.example.net/",
        "http://127.0.0.1:80@evil.example/keys",
        "http://localhost:x@evil.example/keys",
        "http://127.0.0.1:@evil.example/keys",
        "https://user:secret@login.example.net/keys",
        "ftp://127.0.0.1/keys",
    ] {
        let bad = EntraConfig {
            keys_url: keys_url.into(),
            ..cfg()
        };
        assert!(bad.validate().unwrap_err().contains("https"), "{keys_url}");
    }
    for keys_url in [
        "http://127.0.0.1:8080/keys",
        "http://localhost:1/k",
        "http://localhost/k",
        "http://[::1]/k",
        "HTTPS://k.example.net/",
        "https://k.example.net/",
    ] {
        let good = EntraConfig {
            keys_url: keys_url.into(),
            ..cfg()
        };
        assert_eq!(good.validate(), Ok(()), "{keys_url}");
    }
    let bad = EntraConfig {
        scopes: vec![],
        ..cfg()
    };
    assert!(bad.validate().unwrap_err().contains("--entra-scope"));
    let roles_only = EntraConfig {
        scopes: vec![],
        roles: vec!["Listener".into()],
        ..cfg()
    };
    assert_eq!(roles_only.validate(), Ok(()));
    let bad = EntraConfig {
        roles: vec![" ".into()],
        ..cfg()
    };
    assert!(bad.validate().is_err());
}

#[test]
fn a_token_needs_an_accepted_scope_or_role() {
    let cfg = EntraConfig {
        roles: vec!["Listener".into()],
        ..cfg()
    };
    let claims = |scp: Option<&str>, roles: Option<Vec<&str>>| Claims {
        oid: None,
        scp: scp.map(str::to_owned),
        roles: roles.map(|r| r.into_iter().map(str::to_owned).collect()),
    };
    assert!(claims(Some("user_impersonation"), None).allowed(&cfg));
    assert!(claims(Some("Sites.Read.All user_impersonation"), None).allowed(&cfg));
    assert!(claims(None, Some(vec!["Other", "Listener"])).allowed(&cfg));
    assert!(
        !claims(None, None).allowed(&cfg),
        "an app-only token without roles"
    );
    assert!(!claims(Some("user_impersonation.x"), None).allowed(&cfg));
    assert!(!claims(Some(""), Some(vec![])).allowed(&cfg));
    assert!(!claims(Some("Listener"), Some(vec!["user_impersonation"])).allowed(&cfg));
}

#[tokio::test]
async fn what_is_not_an_rs256_jwt_is_refused_before_any_fetch() {
    let verifier = Verifier::new(EntraConfig {
        keys_url: "http://127.0.0.1:9/never".into(),
        ..cfg()
    })
    .unwrap();
    assert_eq!(
        verifier.verify("t1").await.unwrap_err(),
        TokenRefused::Malformed
    );
    // {"alg":"HS256","typ":"JWT","kid":"k"} . {} . signature
    let hs256 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsifQ.e30.c2ln";
    assert_eq!(
        verifier.verify(hs256).await.unwrap_err(),
        TokenRefused::Algorithm
    );
    // {"alg":"none"}
    let none = "eyJhbGciOiJub25lIn0.e30.";
    assert!(verifier.verify(none).await.is_err());
    assert_eq!(verifier.keys_status().0, 0, "nothing fetched");
}
