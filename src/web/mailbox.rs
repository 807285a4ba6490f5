//! A single-consumer message queue whose receiver is a future, and a one-shot
//! `setTimeout` that posts to it. Browser callbacks only ever post; the owning task
//! does the work.

use super::js;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use wasm_bindgen::prelude::*;

/// Messages for one task.
pub(crate) struct Mailbox<M> {
    queue: RefCell<VecDeque<M>>,
    waker: RefCell<Option<Waker>>,
}

impl<M> Default for Mailbox<M> {
    fn default() -> Self {
        Self {
            queue: RefCell::new(VecDeque::new()),
            waker: RefCell::new(None),
        }
    }
}

impl<M> Mailbox<M> {
    /// Queues `message` and wakes the task (never runs it synchronously).
    pub(crate) fn post(&self, message: M) {
        self.queue.borrow_mut().push_back(message);
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    /// The next message if one is queued (never waits).
    pub(crate) fn try_recv(&self) -> Option<M> {
        self.queue.borrow_mut().pop_front()
    }

    /// The next message.
    pub(crate) fn recv(&self) -> Recv<'_, M> {
        Recv(self)
    }
}

/// Future of [`Mailbox::recv`].
pub(crate) struct Recv<'a, M>(&'a Mailbox<M>);

impl<M> Future for Recv<'_, M> {
    type Output = M;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<M> {
        match self.0.queue.borrow_mut().pop_front() {
            Some(message) => Poll::Ready(message),
            None => {
                *self.0.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
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

    /// The first message after arming `timer` (which posts 1) or a guard timeout
    /// (which posts 2) after `guard_ms`.
    async fn first_message(mailbox: &Rc<Mailbox<u8>>, guard_ms: i32) -> u8 {
        let mut guard = Timer::new(mailbox, || 2);
        let now = js::now_ms();
        guard.arm(Some(now + guard_ms as u64), now);
        let message = mailbox.recv().await;
        drop(guard);
        while mailbox.try_recv().is_some() {}
        message
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
