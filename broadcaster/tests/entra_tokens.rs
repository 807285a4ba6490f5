//! `--entra-tenant` / `--entra-audience`: an Entra ID access token for the app, signed by one
//! of the tenant's published keys and carrying an accepted scope or role, admits a client as
//! a client token does. The keys come from a local JWKS server (`--entra-keys-url`) and the
//! tokens are signed with the test keys in `tests/fixtures/entra`; fetching the keys:
//! `entra_keys.rs`.

mod common;

use std::time::Duration;

use common::entra::*;
use common::*;
use futures_util::StreamExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use sp_broadcaster::entra::{EntraCloud, DEFAULT_REFETCH_INTERVAL};
use sp_broadcaster::Config;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn entra_tokens_for_the_app_admit_socket_io_and_plain_ws_clients() {
    let keys = KeyServer::start(&fixture("jwks.json")).await;
    let cfg = Config {
        client_tokens: vec!["t1".into()],
        ..keys.config(DEFAULT_REFETCH_INTERVAL)
    };
    let h = start(cfg).await;
    let a = h.local_addr();
    keys.wait_fetches(1).await; // fetched at start

    let v1 = mint(TRUSTED, &v1_claims());
    let v2 = mint(
        TRUSTED,
        &with(
            v1_claims(),
            json!({"aud": CLIENT_ID, "iss": format!("https://login.microsoftonline.com/{TENANT}/v2.0")}),
        ),
    );
    let mut admitted = vec![sio4_with(a, &v1).await.expect("a v1 token in auth")];
    let (ws, answer) = sio_attempt(a, 3, &format!("&token={v2}"), "").await;
    assert!(
        answer.starts_with("40"),
        "a v2 token in a 2.x query: {answer}"
    );
    admitted.push(ws);
    admitted.push(sio4_with(a, "t1").await.expect("client tokens still admit"));
    let mut plain = ws_connect(a, &format!("/ws?token={v1}")).await;
    wait_sockets(a, 4).await; // three socket.io, one plain ws

    let entries = [entry(L1, None)];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    for ws in &mut admitted {
        let event = next_packet(ws, SIO_WAIT).await.expect("the event");
        assert_eq!(list_changes(&event), forwarded(&entries));
    }
    let frame = ws_next_text(&mut plain, SIO_WAIT).await.expect("the event");
    let v: Value = serde_json::from_str(&frame).unwrap();
    assert_eq!(v["data"], json!(forwarded(&entries)));
    assert_eq!(keys.fetches(), 1, "the keys were fetched once");
    h.shutdown().await;
}

#[tokio::test]
async fn tokens_that_do_not_pass_are_refused_and_hear_nothing() {
    let keys = KeyServer::start(&fixture("jwks.json")).await;
    let h = start(keys.config(DEFAULT_REFETCH_INTERVAL)).await;
    let a = h.local_addr();
    keys.wait_fetches(1).await;
    let hs256 = jsonwebtoken::encode(
        &Header {
            kid: Some(TRUSTED.1.into()),
            ..Header::new(Algorithm::HS256)
        },
        &v1_claims(),
        &EncodingKey::from_secret(fixture("jwks.json").as_bytes()),
    )
    .unwrap();
    let other_issuer = format!("https://sts.windows.net/{OTHER_TENANT}/");
    let bad = [
        (
            "expired",
            mint(TRUSTED, &with(v1_claims(), json!({"exp": now() - 120}))),
        ),
        (
            "not yet valid",
            mint(TRUSTED, &with(v1_claims(), json!({"nbf": now() + 600}))),
        ),
        (
            "no expiry",
            mint(TRUSTED, &with(v1_claims(), json!({"exp": null}))),
        ),
        (
            "another app",
            mint(TRUSTED, &with(v1_claims(), json!({"aud": "api://other"}))),
        ),
        (
            "another tenant",
            mint(TRUSTED, &with(v1_claims(), json!({"iss": other_issuer}))),
        ),
        (
            "no scope (app-only, no roles)",
            mint(TRUSTED, &with(v1_claims(), json!({"scp": null}))),
        ),
        (
            "another scope",
            mint(
                TRUSTED,
                &with(v1_claims(), json!({"scp": "Sites.Read.All"})),
            ),
        ),
        (
            "an ID token (no scp)",
            mint(
                TRUSTED,
                &with(v1_claims(), json!({"scp": null, "aud": CLIENT_ID})),
            ),
        ),
        (
            "a forged signature",
            mint((STRANGER.0, TRUSTED.1), &v1_claims()),
        ),
        ("an unknown key", mint(STRANGER, &v1_claims())),
        ("HS256", hs256),
        ("a JWT-shaped string", "a.b.c".into()),
        ("a wrong client token", "t1".into()),
    ];
    let mut refused = vec![];
    for (what, token) in &bad {
        let connect = format!("40{}", json!({ "token": token }));
        let (ws, answer) = sio_attempt(a, 4, "", &connect).await;
        assert!(
            answer.starts_with("44") && answer.contains("Not authorized"),
            "{what}: {answer}"
        );
        refused.push(ws);
    }
    for (what, token) in &bad[..2] {
        let mut ws = ws_connect(a, &format!("/ws?token={token}")).await;
        match tokio::time::timeout(SIO_WAIT, ws.next())
            .await
            .expect("a close")
        {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(frame.code, CloseCode::from(4401), "{what}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    // Unknown key ids make the server look for new keys at most once a refetch interval
    // (a minute), and the keys were fetched at the start.
    for _ in 0..5 {
        assert!(sio4_with(a, &mint(STRANGER, &v1_claims())).await.is_err());
    }
    assert_eq!(keys.fetches(), 1, "no fetch per made-up key id");

    assert_eq!(post_webhook(a, &body(&[entry(L1, None)])).await.status, 202);
    for ws in &mut refused {
        let next = next_packet(ws, Duration::from_millis(300)).await;
        assert!(next.is_none(), "a refused client heard {next:?}");
    }
    h.shutdown().await;
}

/// An app role admits an app-only token (a daemon), when `--entra-role` names it; the
/// tenant and GUID audiences may be given in upper case.
#[tokio::test]
async fn roles_admit_app_only_tokens_and_guids_are_compared_in_lower_case() {
    let keys = KeyServer::start(&fixture("jwks.json")).await;
    let mut cfg = keys.config(DEFAULT_REFETCH_INTERVAL);
    let entra = cfg.entra.as_mut().unwrap();
    entra.roles = vec!["Listener".into()];
    entra.tenant = TENANT.to_ascii_uppercase();
    entra.audiences = vec![CLIENT_ID.to_ascii_uppercase()];
    let h = start(cfg).await;
    let a = h.local_addr();
    let app_only = json!({"scp": null, "roles": ["Listener"], "aud": CLIENT_ID});
    let token = mint(TRUSTED, &with(v1_claims(), app_only));
    assert!(sio4_with(a, &token).await.is_ok(), "an app role");
    let other = json!({"scp": null, "roles": ["Writer"], "aud": CLIENT_ID});
    assert!(sio4_with(a, &mint(TRUSTED, &with(v1_claims(), other)))
        .await
        .is_err());
    let user = json!({"aud": CLIENT_ID});
    assert!(
        sio4_with(a, &mint(TRUSTED, &with(v1_claims(), user)))
            .await
            .is_ok(),
        "the default scope"
    );
    h.shutdown().await;
}

/// `--entra-cloud`: a tenant of a national cloud is checked against that cloud's issuers
/// (Azure Government's v1 tokens name the global `sts.windows.net`), and no other's.
#[tokio::test]
async fn each_cloud_admits_its_own_issuers_only() {
    let keys = KeyServer::start(&fixture("jwks.json")).await;
    let v1_global = format!("https://sts.windows.net/{TENANT}/");
    let v2_global = format!("https://login.microsoftonline.com/{TENANT}/v2.0");
    let v2_usgov = format!("https://login.microsoftonline.us/{TENANT}/v2.0");
    let v1_china = format!("https://sts.chinacloudapi.cn/{TENANT}/");
    let v2_china = format!("https://login.partner.microsoftonline.cn/{TENANT}/v2.0");
    for (cloud, admitted, refused) in [
        (
            EntraCloud::Global,
            vec![&v1_global, &v2_global],
            vec![&v2_usgov, &v1_china, &v2_china],
        ),
        (
            EntraCloud::Usgov,
            vec![&v1_global, &v2_usgov],
            vec![&v2_global, &v1_china, &v2_china],
        ),
        (
            EntraCloud::China,
            vec![&v1_china, &v2_china],
            vec![&v1_global, &v2_global, &v2_usgov],
        ),
    ] {
        let mut cfg = keys.config(DEFAULT_REFETCH_INTERVAL);
        cfg.entra.as_mut().unwrap().cloud = cloud;
        let h = start(cfg).await;
        let a = h.local_addr();
        let token = |iss: &str| mint(TRUSTED, &with(v1_claims(), json!({ "iss": iss })));
        for iss in admitted {
            assert!(sio4_with(a, &token(iss)).await.is_ok(), "{cloud:?}: {iss}");
        }
        for iss in refused {
            assert!(sio4_with(a, &token(iss)).await.is_err(), "{cloud:?}: {iss}");
        }
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a_server_with_a_bad_entra_configuration_does_not_start() {
    let keys = KeyServer::start("").await;
    for (change, expected) in [
        (json!({"tenant": "contoso.onmicrosoft.com"}), "GUID"),
        (json!({"audiences": []}), "--entra-audience"),
        (json!({"keys_url": "http://keys.example.net/keys"}), "https"),
    ] {
        let mut cfg = keys.config(DEFAULT_REFETCH_INTERVAL);
        let entra = cfg.entra.as_mut().unwrap();
        if let Some(t) = change.get("tenant") {
            entra.tenant = t.as_str().unwrap().into();
        }
        if change.get("audiences").is_some() {
            entra.audiences.clear();
        }
        if let Some(url) = change.get("keys_url") {
            entra.keys_url = url.as_str().unwrap().into();
        }
        let error = sp_broadcaster::serve(cfg).await.err().expect("refused");
        assert!(error.to_string().contains(expected), "{error}");
    }
}
