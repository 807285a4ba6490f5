//! Shared helpers for the HTTP tests: start a simulator, talk to it with reqwest.
#![allow(dead_code)]

use reqwest::{Client, Method, Response};
use serde_json::{json, Value};
use sp_sim::{Config, Knobs, Sim};

pub const VERBOSE: &str = "application/json;odata=verbose";
pub const MINIMAL: &str = "application/json;odata=minimalmetadata";
pub const NONE: &str = "application/json;odata=nometadata";

pub struct T {
    pub sim: Sim,
    pub c: Client,
    pub site: String,
    pub base: String,
}

pub async fn start() -> T {
    start_with(Knobs {
        webhook_interval_ms: 100,
        webhook_retry_delay_ms: 150,
        ..Knobs::default()
    })
    .await
}

pub async fn start_with(knobs: Knobs) -> T {
    let cfg = Config {
        sites: vec!["/sites/dev".into(), "/sites/other".into()],
        knobs,
        ..Config::default()
    };
    let sim = Sim::start(cfg).await.expect("start");
    let c = Client::builder().no_proxy().build().unwrap();
    T {
        site: sim.site_url(),
        base: sim.base_url(),
        sim,
        c,
    }
}

impl T {
    pub fn api(&self, p: &str) -> String {
        format!("{}/_api/{p}", self.site)
    }

    pub async fn digest(&self) -> String {
        let r = self
            .c
            .post(self.api("contextinfo"))
            .header("accept", NONE)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        v["FormDigestValue"].as_str().unwrap().to_string()
    }

    /// A request with Accept and a Bearer token (so writes pass).
    pub async fn req(&self, m: Method, url: &str, accept: &str, body: Option<Value>) -> Response {
        let mut b = self
            .c
            .request(m, url)
            .header("accept", accept)
            .header("authorization", "Bearer test");
        if let Some(v) = body {
            b = b
                .header("content-type", "application/json")
                .body(v.to_string());
        }
        b.send().await.unwrap()
    }

    pub async fn get(&self, url: &str, accept: &str) -> (u16, Value) {
        let r = self.req(Method::GET, url, accept, None).await;
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, url: &str, accept: &str, body: Value) -> (u16, Value) {
        let r = self.req(Method::POST, url, accept, Some(body)).await;
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn admin(&self, m: Method, p: &str, body: Option<Value>) -> Value {
        let mut b = self.c.request(m, format!("{}/_admin/{p}", self.base));
        if let Some(v) = body {
            b = b
                .header("content-type", "application/json")
                .body(v.to_string());
        }
        let r = b.send().await.unwrap();
        assert!(r.status().is_success(), "admin {p}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }

    /// Creates a list through the admin API; returns its id.
    pub async fn list(&self, title: &str) -> String {
        let v = self
            .admin(Method::POST, "lists", Some(json!({ "title": title })))
            .await;
        v["id"].as_str().unwrap().to_string()
    }

    pub async fn seed(&self, title: &str, count: usize) -> String {
        let v = self
            .admin(
                Method::POST,
                "seed",
                Some(json!({ "title": title, "count": count })),
            )
            .await;
        v["id"].as_str().unwrap().to_string()
    }

    pub fn list_url(&self, id: &str) -> String {
        self.api(&format!("web/lists(guid'{id}')"))
    }

    pub async fn token(&self, id: &str) -> String {
        let (_, v) = self
            .get(
                &format!("{}?$select=CurrentChangeToken", self.list_url(id)),
                NONE,
            )
            .await;
        v["CurrentChangeToken"]["StringValue"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn changes(&self, id: &str, start: Option<&str>, accept: &str) -> (u16, Value) {
        let mut q = json!({"Item": true, "Add": true, "Update": true, "DeleteObject": true, "Restore": true, "SystemUpdate": true});
        if let Some(s) = start {
            q["ChangeTokenStart"] = json!({ "StringValue": s });
        }
        self.post(
            &format!("{}/GetChanges", self.list_url(id)),
            accept,
            json!({ "query": q }),
        )
        .await
    }
}

pub fn odata_error_message(v: &Value) -> String {
    let e = if v.get("error").is_some() {
        &v["error"]
    } else {
        &v["odata.error"]
    };
    e["message"]["value"].as_str().unwrap_or("").to_string()
}

/// The `ID`s of a collection answer (`value`, or verbose `d.results`), in order.
pub fn ids(v: &Value) -> Vec<i64> {
    let arr = v.get("value").or_else(|| v["d"].get("results")).unwrap();
    arr.as_array()
        .unwrap()
        .iter()
        .map(|i| i["ID"].as_i64().unwrap())
        .collect()
}
