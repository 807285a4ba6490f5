//! A single-consumer message queue that wakes its owner's turn, a tiny scheduler
//! for those turns, and a one-shot `setTimeout` that posts to a mailbox. Browser
//! callbacks only post; the owner's turn, run in a microtask, does the work.
//!
//! A turn is a plain `FnMut() -> bool` (false: finished), not a future: sp-live's
//! tasks never wait on anything but their mailbox, and an executor would cost ~1 KB.

use super::js;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Messages for one task.
pub(crate) struct Mailbox<M> {
    queue: RefCell<VecDeque<M>>,
    /// The owner's turn, once started.
    task: RefCell<Option<Rc<Task>>>,
}

impl<M> Default for Mailbox<M> {
    fn default() -> Self {
        Self {
            queue: RefCell::new(VecDeque::new()),
            task: RefCell::new(None),
        }
    }
}

impl<M> Mailbox<M> {
    /// Queues `message` and schedules the owner's turn (never runs it synchronously).
    pub(crate) fn post(&self, message: M) {
        self.queue.borrow_mut().push_back(message);
        let task = self.task.borrow().clone();
        if let Some(task) = task {
            task.wake();
        }
    }

    /// The next message if one is queued (never waits).
    pub(crate) fn try_recv(&self) -> Option<M> {
        self.queue.borrow_mut().pop_front()
    }

    /// Makes `turn` this mailbox's owner and schedules its first turn. A turn runs in a
    /// microtask after each post (one per burst of posts), handles what is queued and
    /// returns `false` when the task is over: then it is dropped and posts do nothing.
    pub(crate) fn start(&self, turn: impl FnMut() -> bool + 'static) {
        let task = Rc::new(Task {
            queued: Cell::new(false),
            turn: RefCell::new(Some(Box::new(turn))),
        });
        *self.task.borrow_mut() = Some(task.clone());
        task.wake();
    }
}

/// A started task: its turn and whether a run of it is scheduled.
pub(crate) struct Task {
    queued: Cell<bool>,
    turn: RefCell<Option<Box<dyn FnMut() -> bool>>>,
}

impl Task {
    fn wake(self: Rc<Self>) {
        if !self.queued.replace(true) {
            schedule(self);
        }
    }

    fn run(&self) {
        // Posts from here on schedule another turn.
        self.queued.set(false);
        let finished = match self.turn.borrow_mut().as_mut() {
            Some(turn) => !turn(),
            None => false,
        };
        if finished {
            // Dropped outside the borrow: its captures may post to other mailboxes.
            let turn = self.turn.borrow_mut().take();
            drop(turn);
        }
    }
}

thread_local! {
    /// Tasks due for a turn, in the order they were woken.
    static READY: RefCell<VecDeque<Rc<Task>>> = const { RefCell::new(VecDeque::new()) };
    /// A microtask to run them is queued.
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
    /// The microtask that runs them (one for the page, never dropped).
    static RUN_READY: Closure<dyn FnMut()> = Closure::new(run_ready);
}

fn schedule(task: Rc<Task>) {
    READY.with(|ready| ready.borrow_mut().push_back(task));
    if !SCHEDULED.with(|s| s.replace(true)) {
        RUN_READY.with(|run| js::queue_microtask(run.as_ref().unchecked_ref()));
    }
}

fn run_ready() {
    // Cleared first: whatever a turn wakes (or a turn that traps leaves behind) gets a
    // microtask of its own.
    SCHEDULED.with(|s| s.set(false));
    while let Some(task) = READY.with(|ready| ready.borrow_mut().pop_front()) {
        task.run();
    }
}

/// One pending `setTimeout` at a time; firing posts a message made by `tick`.
///
/// Re-arming is lazy: a pending timeout due no later than the new deadline is kept (it
/// may fire early; the owner's tick handling only acts on what is due, then re-arms),
/// so the usual step, whose deadline only moves later, costs no `clearTimeout` and
/// `setTimeout` pair.
pub(crate) struct Timer {
    callback: Closure<dyn FnMut()>,
    /// The pending timeout's handle and deadline.
    pending: Option<(JsValue, u64)>,
    /// Set by the callback: the pending timeout has run.
    fired: Rc<Cell<bool>>,
}

impl Timer {
    /// A timer posting `tick()` to `mailbox`.
    pub(crate) fn new<M: 'static>(mailbox: &Rc<Mailbox<M>>, tick: fn() -> M) -> Self {
        let mailbox = mailbox.clone();
        let fired = Rc::new(Cell::new(false));
        let flag = fired.clone();
        let callback = Closure::<dyn FnMut()>::new(move || {
            flag.set(true);
            mailbox.post(tick());
        });
        Self {
            callback,
            pending: None,
            fired,
        }
    }

    /// Makes sure a tick comes at `deadline` (clock of [`js::now_ms`]) or earlier;
    /// `None` needs no tick (a pending one may still come).
    pub(crate) fn arm(&mut self, deadline: Option<u64>, now: u64) {
        if self.fired.replace(false) {
            self.pending = None;
        }
        let Some(at) = deadline else { return };
        if self.pending.as_ref().is_some_and(|(_, due)| *due <= at) {
            return;
        }
        if let Some((handle, _)) = self.pending.take() {
            js::clear_timeout(&handle);
        }
        let delay = at.saturating_sub(now).min(i32::MAX as u64) as i32;
        let handle = js::set_timeout(self.callback.as_ref().unchecked_ref(), delay);
        self.pending = Some((handle, at));
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some((handle, _)) = self.pending.take() {
            js::clear_timeout(&handle);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Resolves after `ms` milliseconds.
    async fn sleep(ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            js::set_timeout(&resolve, ms);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    /// The first message after arming `timer` (which posts 1) or a guard timeout
    /// (which posts 2) after `guard_ms`.
    async fn first_message(mailbox: &Rc<Mailbox<u8>>, guard_ms: i32) -> u8 {
        let mut guard = Timer::new(mailbox, || 2);
        let now = js::now_ms();
        guard.arm(Some(now + guard_ms as u64), now);
        let message = loop {
            match mailbox.try_recv() {
                Some(message) => break message,
                None => sleep(1).await,
            }
        };
        drop(guard);
        while mailbox.try_recv().is_some() {}
        message
    }

    #[wasm_bindgen_test]
    async fn a_turn_runs_in_a_microtask_once_per_burst_of_posts() {
        let mailbox: Rc<Mailbox<u8>> = Rc::new(Mailbox::default());
        let turns = Rc::new(RefCell::new(Vec::new()));
        let (mb, seen) = (mailbox.clone(), turns.clone());
        mailbox.start(move || {
            let mut got = Vec::new();
            while let Some(m) = mb.try_recv() {
                got.push(m);
            }
            let done = got.contains(&0);
            seen.borrow_mut().push(got);
            !done
        });
        mailbox.post(1);
        mailbox.post(2);
        assert!(turns.borrow().is_empty(), "never synchronously");
        sleep(0).await;
        assert_eq!(*turns.borrow(), vec![vec![1, 2]], "one turn for the burst");
        mailbox.post(3);
        mailbox.post(0);
        sleep(0).await;
        assert_eq!(turns.borrow().len(), 2);
        mailbox.post(4);
        sleep(0).await;
        assert_eq!(
            turns.borrow().len(),
            2,
            "a finished task takes no more turns"
        );
    }

    #[wasm_bindgen_test]
    async fn a_fired_timer_ticks_again_for_the_same_deadline() {
        let mailbox = Rc::new(Mailbox::default());
        let mut timer = Timer::new(&mailbox, || 1);
        let now = js::now_ms();
        timer.arm(Some(now + 5), now);
        assert_eq!(first_message(&mailbox, 2_000).await, 1);
        // The deadline has passed and the timeout has run: a pending one must not be
        // assumed (the bug of a naive lazy timer: no tick ever again).
        timer.arm(Some(now + 5), js::now_ms());
        assert_eq!(first_message(&mailbox, 2_000).await, 1);
    }

    #[wasm_bindgen_test]
    async fn an_earlier_deadline_rearms_and_a_later_one_keeps_the_pending_tick() {
        let mailbox = Rc::new(Mailbox::default());
        let mut timer = Timer::new(&mailbox, || 1);
        let now = js::now_ms();
        timer.arm(Some(now + 60_000), now);
        timer.arm(Some(now + 10), now);
        assert_eq!(first_message(&mailbox, 1_000).await, 1, "re-armed earlier");

        let now = js::now_ms();
        timer.arm(Some(now + 10), now);
        timer.arm(Some(now + 60_000), now); // kept: the tick comes early
        timer.arm(None, now);
        assert_eq!(
            first_message(&mailbox, 1_000).await,
            1,
            "the pending tick stays"
        );
    }

    #[wasm_bindgen_test]
    async fn dropping_the_timer_cancels_its_tick() {
        let mailbox = Rc::new(Mailbox::default());
        let mut timer = Timer::new(&mailbox, || 1);
        let now = js::now_ms();
        timer.arm(Some(now + 10), now);
        drop(timer);
        assert_eq!(first_message(&mailbox, 200).await, 2);
    }
}
