//! `--edits`: a gentle stream of random adds, updates and deletes through the REST API,
//! so the page visibly lives. Keeps the list between `min` and `max` rows.

use std::time::Duration;

use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Map, Value};

use super::rest::Rest;

const NAMES: [&str; 8] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
];
const TOPICS: [&str; 10] = [
    "Quarterly report",
    "Lunch on Friday",
    "Release plan",
    "Invoice 2291",
    "Offsite agenda",
    "Bug triage",
    "Design review",
    "Customer call notes",
    "Travel booking",
    "Budget draft",
];
const FLAGS: [&str; 5] = ["(urgent)", "(re)", "(fwd)", "(updated)", "(draft)"];

/// One random item in the grid's shape.
pub fn random_fields(rng: &mut impl Rng, n: u64) -> Map<String, Value> {
    let from = NAMES.choose(rng).copied().unwrap_or("alice");
    let to = NAMES.choose(rng).copied().unwrap_or("bob");
    let mut m = Map::new();
    m.insert("Title".into(), json!(format!("Message {n}")));
    m.insert(
        "Subject".into(),
        json!(TOPICS.choose(rng).copied().unwrap_or("Hello")),
    );
    m.insert("From".into(), json!(format!("{from}@contoso.com")));
    m.insert("To".into(), json!(format!("{to}@contoso.com")));
    m.insert(
        "SentDate".into(),
        json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    );
    m
}

/// Runs forever: one edit every `every` (with some jitter).
pub async fn run(mut rest: Rest, every: Duration, min: usize, max: usize) {
    let mut counter: u64 = 1000;
    loop {
        let jitter = rand::thread_rng().gen_range(0.6..1.4);
        tokio::time::sleep(every.mul_f64(jitter)).await;
        let ids = match rest.item_ids().await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!("edits: cannot read items: {e}");
                continue;
            }
        };
        let (kind, target, fields) = {
            let mut rng = rand::thread_rng();
            let roll: f64 = rng.gen();
            let kind = if ids.len() <= min || (roll < 0.3 && ids.len() < max) {
                "add"
            } else if ids.len() >= max || roll < 0.45 {
                "delete"
            } else {
                "update"
            };
            counter += 1;
            let target = ids.choose(&mut rng).copied().unwrap_or(1);
            let mut fields = random_fields(&mut rng, counter);
            if kind == "update" {
                fields.remove("Title");
                fields.remove("SentDate");
                let subject = format!(
                    "{} {}",
                    TOPICS.choose(&mut rng).copied().unwrap_or("Hello"),
                    FLAGS.choose(&mut rng).copied().unwrap_or("")
                );
                fields.insert("Subject".into(), json!(subject));
            }
            // By one of the site's other users, so the grid's "Edited by" changes too.
            rest.user = Some(rng.gen_range(10..=12));
            (kind, target, fields)
        };
        let r = match kind {
            "add" => rest.add(&fields).await.map(|id| format!("added item {id}")),
            "delete" => rest
                .delete(target)
                .await
                .map(|()| format!("deleted item {target}")),
            _ => rest
                .update(target, &fields)
                .await
                .map(|()| format!("updated item {target}")),
        };
        match r {
            Ok(msg) => tracing::info!("edits: {msg}"),
            Err(e) => tracing::warn!("edits: {kind} failed: {e}"),
        }
    }
}
