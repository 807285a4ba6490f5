#![cfg(not(target_arch = "wasm32"))]
//! Seeded simulation of the sans-IO change feed against an in-memory SharePoint list.
//!
//! Per seed: random initial data, metadata level, auth mode, paging and URL limits,
//! change-log retention and digest lifetime; then random edits in bursts, webhook hints
//! dropped / duplicated / delayed (so reordered; some come within 1.5 s, while a request
//! sent before their change is still out), broadcaster outages followed by
//! `handle_connected`, and request faults (network errors, lost responses, 429/503 with
//! and without Retry-After, garbage bodies, forgotten digests, stale duplicate
//! responses); item reads in `$batch`es or one by one, with throttled parts. The driver
//! steps a fake clock to the earliest deadline. Once every event is handled and the
//! feed is idle, a seed whose every change to the items was followed by a hint for the
//! list, a reconnect, a wake online or a reopen must hold the server's rows already,
//! before any catch-up (`sync_sim/settled.rs`: a hint absorbed and its change never
//! read fails there, not only after a catch-up that repairs it). After a final
//! catch-up with faults off, the client's list must equal the server's, and every
//! delivered `added`/`updated` must carry a strictly newer version than the last one
//! delivered for that item. Every output also goes through a `ListState` in one of six
//! display orders (by ID, title or a number, either way), whose diffs must replay to
//! its ids and show each item once, in order (`sync_sim/view.rs`). A quarter of the
//! seeds show a view (a `$filter` that updates move items in and out of; half of them
//! read by windows of the list, with short and empty pages that link on); a fifth get
//! their next links on SharePoint's own origin, as behind a proxy; a fifth have
//! the safety poll on and leave the final catch-up, after one last edit whose webhook
//! never comes, to it; a seventh close the page and reopen it later from a checkpoint
//! of what it showed; a fifth leave the final catch-up, after an edit whose webhook was
//! lost, to coming back online; every seed has a few random wakes (page visible again,
//! back online). `SP_SIM_SEEDS` sets the seed count (default 1000).

#[path = "sync_sim/deliver.rs"]
mod deliver;
#[path = "sync_sim/reload.rs"]
mod reload;
#[path = "sync_sim/server.rs"]
mod server;
#[path = "sync_sim/settled.rs"]
mod settled;
#[path = "sync_sim/view.rs"]
mod view;
#[path = "sync_sim/world.rs"]
mod world;

use std::collections::BTreeMap;
use std::time::Instant;

use server::{Server, GUID, SITE};
use sp_live::sharepoint::Item;
use sp_live::sharepoint::{ChangeToken, ListRef, Metadata};
use sp_live::sync::{Auth, ChangeFeed, FeedConfig, HttpResponse, Output, SplitMix64, Wake};

enum Event {
    Response(u64, HttpResponse),
    NetError(u64),
    Hint(String),
    Connected,
    Edit,
    /// The page closes (a checkpoint of what it showed is kept) ...
    Close,
    /// ... and a new page opens, resuming from that checkpoint.
    Reopen,
    /// The page is back online (or the machine slept), or visible again.
    Wake(Wake),
}

#[derive(Default, Debug)]
struct Stats {
    requests: u64,
    deliveries: u64,
    resets: u64,
    read_aheads: u64,
    reopens: u64,
    /// Seeds checked before the final catch-up (`sync_sim/settled.rs`).
    settled: u64,
    errors: BTreeMap<&'static str, u64>,
}

struct Sim {
    now: u64,
    rng: SplitMix64,
    server: Server,
    feed: ChangeFeed,
    events: BTreeMap<(u64, u64), Event>,
    seq: u64,
    faults: f64,
    hint_drop: f64,
    /// Picks the hints that come fast (its own generator: the rest of each seed's world
    /// is what it was before they were added).
    fast_hints: SplitMix64,
    /// The share of hints that come fast: a fifth, or all of them (a quarter of seeds).
    fast_share: f64,
    outage_until: u64,
    /// What the subscriber holds: id -> version.
    client: BTreeMap<i64, u64>,
    last_version: BTreeMap<i64, u64>,
    last_token: Option<ChangeToken>,
    seen_reset: bool,
    /// Load pages since the last first page, until the reset they make.
    pages: Vec<Item>,
    /// The same outputs through a list state, as a UI shows them.
    view: view::View,
    stats: Stats,
    /// `drive` goes on at least until this time (to let the safety poll fire).
    until: u64,
    /// The feed's configuration (a reopened page makes a new feed from it).
    cfg: FeedConfig,
    /// The page is closed: its requests died with it, and hints reach nobody.
    closed: bool,
    /// The token of the last delivery (a checkpoint's).
    token_text: Option<String>,
    /// A change to the server's items that nothing has told the page about since.
    unsignalled: bool,
}

impl Sim {
    fn at(&mut self, t: u64, e: Event) {
        self.seq += 1;
        self.events.insert((t, self.seq), e);
    }

    /// Runs until neither the feed nor the world has anything left to do.
    fn drive(&mut self, seed: u64) {
        let mut steps = 0u64;
        loop {
            steps += 1;
            assert!(steps < 2_000_000, "seed {seed}: no quiescence");
            while let Some(out) = self.feed.poll_output() {
                if std::env::var_os("SP_SIM_TRACE").is_some() {
                    println!("{} {out:?}", self.now);
                }
                match out {
                    Output::Request(req) => self.request(req),
                    Output::LoadPage { first, items } => {
                        self.view.load_page(first, &items);
                        if first {
                            self.pages.clear();
                        }
                        self.pages.extend(items);
                    }
                    Output::Deliver(set) => {
                        self.view.apply(&set, seed);
                        self.deliver(set, seed)
                    }
                    Output::Error(e) => *self.stats.errors.entry(e.code).or_default() += 1,
                    Output::Status(_) | Output::Progress { .. } => {}
                }
            }
            let feed_t = self.feed.poll_timeout();
            let event_t = self.events.keys().next().map(|k| k.0);
            // Idle with nothing left in the world: only the safety poll remains.
            if event_t.is_none() && self.feed.is_idle() && self.now >= self.until {
                return;
            }
            let next = match (feed_t, event_t) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => return,
                },
            };
            self.now = self.now.max(next);
            // The page's wall clock, as the web layer gives it before each turn.
            self.feed.set_wall_clock(server::wall(self.now));
            if feed_t.is_some_and(|t| t <= self.now) {
                self.feed.handle_timeout(self.now);
                let again = self.feed.poll_timeout();
                assert!(
                    again.is_none_or(|t| t > self.now),
                    "seed {seed}: busy loop, deadline {again:?} repeats at {}",
                    self.now
                );
                continue;
            }
            let Some((_, event)) = self.events.pop_first() else {
                continue;
            };
            self.note_event(&event);
            match event {
                Event::Response(id, r) => self.feed.handle_response(self.now, id, r),
                Event::NetError(id) => self.feed.handle_network_error(self.now, id, "offline"),
                Event::Hint(_) | Event::Connected | Event::Wake(_) if self.closed => {}
                Event::Hint(guid) => self.feed.handle_hint(self.now, &guid),
                Event::Connected => self.feed.handle_connected(self.now),
                Event::Edit => self.edit(),
                Event::Close => self.close_page(),
                Event::Reopen => self.reopen_page(),
                Event::Wake(wake) => self.feed.handle_wake(self.now, wake),
            }
        }
    }
}

fn run_seed(seed: u64) -> Stats {
    let mut rng = SplitMix64::new(seed ^ 0x5EED_CAFE);
    let metadata = [
        Metadata::Verbose,
        Metadata::Minimal,
        Metadata::None,
        Metadata::OData4None,
    ][rng.up_to(3) as usize];
    let auth = [Auth::Digest, Auth::Bearer, Auth::External][rng.up_to(2) as usize];
    let retention = if rng.chance(0.5) {
        3_600_000 * 24 * 60
    } else {
        120_000 + rng.up_to(900_000)
    };
    let mut server = Server::new(metadata, auth, retention, 120 + rng.up_to(1800));
    server.omit_next_links = rng.chance(0.3);
    server.links_elsewhere = seed % 5 == 2;
    if seed % 3 != 0 {
        server.batch_part_fault_every = 2 + rng.up_to(9);
    }
    for _ in 0..rng.up_to(120) {
        let id = server.add(0);
        if rng.chance(0.3) {
            server.update(0, id, false);
        }
        if rng.chance(0.1) {
            server.delete(0, id);
        }
    }
    let list = if rng.chance(0.3) {
        ListRef::by_title(server::TITLE)
    } else {
        ListRef::Id(GUID.into())
    };
    let mut cfg = FeedConfig::new(SITE, list);
    cfg.select = vec!["Title".into(), "Version".into()];
    cfg.metadata = metadata;
    cfg.auth = auth;
    cfg.page_size = 1 + rng.up_to(40) as u32;
    cfg.fetch_limit = 1 + rng.up_to(25) as u32;
    cfg.url_limit = 200 + rng.up_to(1300) as usize;
    cfg.max_changes_per_round = 5 + rng.up_to(200) as usize;
    cfg.batch_reads = rng.chance(0.7);
    cfg.read_ahead = rng.chance(0.8);
    server.refuse_read_ahead = rng.chance(0.1);
    server.clock_ahead_ms = if rng.chance(0.25) {
        1 + rng.up_to(120_000)
    } else {
        0
    };
    server.scan_window = if rng.chance(0.5) {
        1 + rng.up_to(6) as usize
    } else {
        0
    };
    if rng.chance(0.5) {
        cfg.hint_debounce_ms = 1 + rng.up_to(300);
        cfg.hint_debounce_max_ms = rng.up_to(2_000);
    }
    cfg.retry.request_timeout_ms = 30_000;
    cfg.seed = seed;
    // The safety poll: off, or on with the final catch-up left to it (below).
    let poll = seed % 5 == 2;
    let cfg_poll = 30_000 + rng.up_to(300_000);
    cfg.poll_interval_ms = if poll { cfg_poll } else { 0 };
    // A view: the feed shows only the items the filter lets through, which updates
    // change (every third version is hidden).
    let view_filter = seed % 4 == 1;
    if view_filter {
        cfg.filter = server::VIEW_FILTER.into();
    }
    let mut sim = Sim {
        now: 0,
        rng,
        server,
        feed: ChangeFeed::new(cfg.clone()),
        cfg,
        closed: false,
        token_text: None,
        unsignalled: false,
        events: BTreeMap::new(),
        seq: 0,
        faults: [0.0, 0.05, 0.2][(seed % 3) as usize],
        hint_drop: [0.0, 0.2, 0.6][(seed / 3 % 3) as usize],
        fast_hints: SplitMix64::new(seed ^ 0xFA57),
        fast_share: if seed % 4 == 2 { 1.0 } else { 0.2 },
        outage_until: 0,
        client: BTreeMap::new(),
        last_version: BTreeMap::new(),
        last_token: None,
        pages: Vec::new(),
        view: view::View::new(view::ORDERS[(seed / 9 % 6) as usize]),
        seen_reset: false,
        stats: Stats::default(),
        until: 0,
    };
    let duration = 2 * 3_600_000u64;
    for _ in 0..sim.rng.up_to(40) {
        let t = sim.rng.up_to(duration);
        let burst = if sim.rng.chance(0.2) { 60 } else { 5 };
        for k in 0..1 + sim.rng.up_to(burst) {
            let gap = sim.rng.up_to(50);
            sim.at(t + k * gap, Event::Edit);
        }
    }
    for _ in 0..sim.rng.up_to(4) {
        let t = sim.rng.up_to(duration);
        let back = t + 1 + sim.rng.up_to(600_000);
        sim.outage_until = sim.outage_until.max(back);
        sim.at(back, Event::Connected);
    }
    // A seventh of the seeds close the page once and reopen it later from a checkpoint
    // of what it showed (its change token may have expired by then).
    if seed % 7 == 3 {
        let t = sim.rng.up_to(duration);
        sim.at(t, Event::Close);
        let back = t + 1 + sim.rng.up_to(1_800_000);
        sim.at(back, Event::Reopen);
    }
    // Wakes (page visible again, back online), from their own generator so that the
    // rest of each seed's world is what it was before they were added.
    let mut wakes = SplitMix64::new(seed ^ 0x3A4E);
    for _ in 0..wakes.up_to(6) {
        let t = wakes.up_to(duration);
        let wake = if wakes.chance(0.5) {
            Wake::Online
        } else {
            Wake::Visible
        };
        sim.at(t, Event::Wake(wake));
    }
    sim.feed.handle_start(0);
    sim.drive(seed);
    sim.stats.settled = u64::from(sim.check_settled(seed, view_filter));

    // Quiescence: faults off, one last catch-up, drive to idle. The catch-up is a
    // reconnect's, or with the safety poll on, the poll's: the time it takes to fire.
    sim.faults = 0.0;
    sim.server.batch_part_fault_every = 0;
    if poll {
        // A last edit whose webhook never comes: only the poll can find it.
        sim.server.add(sim.now);
        sim.until = sim.now + 2 * cfg_poll;
    } else if seed % 5 == 4 {
        // A last edit whose webhook was lost while the network was down: coming back
        // online finds it, whatever the feed is doing.
        sim.server.add(sim.now);
        sim.feed.handle_wake(sim.now, Wake::Online);
    } else {
        sim.feed.handle_connected(sim.now);
    }
    sim.drive(seed);
    assert!(sim.feed.is_idle(), "seed {seed}: feed not idle");
    let server_view = sim.server_rows(view_filter);
    if let Some(diff) = settled::first_difference(&sim.client, &server_view) {
        panic!("seed {seed}: after the final catch-up, the client differs from the server: {diff}");
    }
    let engine_ids: Vec<i64> = sim.feed.item_ids().collect();
    let server_ids: Vec<i64> = server_view.keys().copied().collect();
    assert_eq!(engine_ids, server_ids, "seed {seed}: engine state differs");
    assert_eq!(sim.feed.list_guid(), Some(GUID));
    sim.stats.read_aheads = sim.server.read_aheads;
    sim.stats
}

#[test]
fn seeded_simulation_converges() {
    let seeds: u64 = std::env::var("SP_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let start = Instant::now();
    let mut total = Stats::default();
    let first: u64 = std::env::var("SP_SIM_FIRST")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    for seed in first..first + seeds {
        let s = run_seed(seed);
        total.requests += s.requests;
        total.deliveries += s.deliveries;
        total.resets += s.resets;
        total.read_aheads += s.read_aheads;
        total.reopens += s.reopens;
        total.settled += s.settled;
        for (k, v) in s.errors {
            *total.errors.entry(k).or_default() += v;
        }
    }
    println!(
        "sync_sim: {seeds} seeds in {:.2?}: {total:?}",
        start.elapsed()
    );
    if seeds >= 100 {
        assert!(
            total.errors.get("sp-token-expired").copied().unwrap_or(0) > 0,
            "expiry exercised"
        );
        assert!(total.resets > seeds, "reloads exercised");
        assert!(total.read_aheads > seeds, "read-aheads exercised");
        assert!(total.reopens > seeds / 10, "checkpoints exercised");
        assert!(total.settled > seeds / 5, "settled seeds checked");
    }
}
