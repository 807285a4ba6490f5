//! A single-consumer message queue whose receiver is a future, and a one-shot
//! `setTimeout` that posts to it. Browser callbacks only ever post; the owning task
//! does the work.

use super::js;
use std::cell::RefCell;
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
pub(crate) struct Timer {
    callback: Closure<dyn FnMut()>,
    handle: Option<JsValue>,
}

impl Timer {
    /// A timer posting `tick()` to `mailbox`.
    pub(crate) fn new<M: 'static>(mailbox: &Rc<Mailbox<M>>, tick: fn() -> M) -> Self {
        let mailbox = mailbox.clone();
        let callback = Closure::<dyn FnMut()>::new(move || mailbox.post(tick()));
        Self {
            callback,
            handle: None,
        }
    }

    /// Fires once at `deadline` (clock of [`js::now_ms`]); `None` disarms.
    pub(crate) fn arm(&mut self, deadline: Option<u64>, now: u64) {
        if let Some(handle) = self.handle.take() {
            js::clear_timeout(&handle);
        }
        if let Some(at) = deadline {
            let delay = at.saturating_sub(now).min(i32::MAX as u64) as i32;
            self.handle = Some(js::set_timeout(
                self.callback.as_ref().unchecked_ref(),
                delay,
            ));
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            js::clear_timeout(&handle);
        }
    }
}
