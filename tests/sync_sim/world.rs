//! The world around the feed: random edits with their (lossy, late or early,
//! duplicated) webhook hints, and request faults.

use std::collections::BTreeMap;

use sp_live::sync::{HttpRequest, HttpResponse, SplitMix64};

use super::server::{self, GUID};
use super::{Event, Sim};

impl Sim {
    pub(crate) fn edit(&mut self) {
        let now = self.now;
        let pick = |rng: &mut SplitMix64, m: &BTreeMap<i64, server::Item>| {
            let n = m.len() as u64;
            (n > 0).then(|| *m.keys().nth(rng.up_to(n - 1) as usize).expect("key"))
        };
        let changed = match self.rng.up_to(99) {
            0..=34 => {
                self.server.add(now);
                true
            }
            35..=74 => pick(&mut self.rng, &self.server.items)
                .map(|id| {
                    let system = self.rng.chance(0.2);
                    self.server.update(now, id, system);
                })
                .is_some(),
            75..=89 => pick(&mut self.rng, &self.server.items)
                .map(|id| {
                    self.server.delete(now, id);
                })
                .is_some(),
            90..=96 => pick(&mut self.rng, &self.server.recycle)
                .map(|id| {
                    self.server.restore(now, id);
                })
                .is_some(),
            _ => {
                self.server.noise(now);
                false
            }
        };
        if changed {
            self.note_change();
        }
        // The webhook: late, lossy, sometimes duplicated, sometimes for another list.
        if now < self.outage_until || self.rng.chance(self.hint_drop) {
            return;
        }
        let copies = if self.rng.chance(0.1) { 2 } else { 1 };
        for _ in 0..copies {
            let delay = 1_000 + self.rng.up_to(300_000);
            // Some come sooner than a response may: while the request that was sent
            // before their change is still out.
            let delay = if self.fast_hints.chance(self.fast_share) {
                1 + self.fast_hints.up_to(1_500)
            } else {
                delay
            };
            let guid = if self.rng.chance(0.05) {
                "00000000-0000-0000-0000-000000000001".to_owned()
            } else if self.rng.chance(0.5) {
                GUID.to_uppercase()
            } else {
                GUID.to_owned()
            };
            self.at(now + delay, Event::Hint(guid));
        }
    }

    pub(crate) fn request(&mut self, req: HttpRequest) {
        self.stats.requests += 1;
        let latency = 5 + self.rng.up_to(800);
        let t = self.now + latency;
        if self.rng.chance(self.faults) {
            match self.rng.up_to(6) {
                0 => self.at(t, Event::NetError(req.id)),
                1 => {} // lost: the engine's request timeout must fire
                2 => {
                    let ra = self.rng.chance(0.7).then(|| self.rng.up_to(120));
                    let body = "{\"error\":{\"code\":\"-2147024860\",\"message\":{\"lang\":\"en-US\",\"value\":\"Too many requests\"}}}".to_owned();
                    self.at(
                        t,
                        Event::Response(
                            req.id,
                            HttpResponse {
                                status: 429,
                                retry_after_secs: ra,
                                body,
                            },
                        ),
                    );
                }
                3 => {
                    let ra = self.rng.chance(0.3).then(|| 1 + self.rng.up_to(30));
                    let body = "<html>Service Unavailable</html>".to_owned();
                    self.at(
                        t,
                        Event::Response(
                            req.id,
                            HttpResponse {
                                status: 503,
                                retry_after_secs: ra,
                                body,
                            },
                        ),
                    );
                }
                4 => {
                    let mut r = self.server.handle(self.now, &req);
                    let cut = (r.body.len() / 2).max(1);
                    let cut = (0..=cut)
                        .rev()
                        .find(|i| r.body.is_char_boundary(*i))
                        .unwrap_or(0);
                    r.body.truncate(cut);
                    self.at(t, Event::Response(req.id, r));
                }
                5 => {
                    self.server.forget_digests();
                    let r = self.server.handle(self.now, &req);
                    self.at(t, Event::Response(req.id, r));
                }
                _ => {
                    // Answered twice: the second copy has a stale id by then.
                    let r = self.server.handle(self.now, &req);
                    self.at(t, Event::Response(req.id, r.clone()));
                    let later = t + 1 + self.rng.up_to(5_000);
                    self.at(later, Event::Response(req.id, r));
                }
            }
        } else {
            let r = self.server.handle(self.now, &req);
            self.at(t, Event::Response(req.id, r));
        }
    }
}
