//! The order calls reach the core in, and group commit.
//!
//! A call that can run at once runs at once: in memory it is settled there; on disk its
//! journal frame waits, and every call made before the next microtask is flushed with one
//! append and at most one fsync, after which their promises resolve. Anything else is queued:
//! calls waiting for WebCrypto (which works ahead, while earlier calls finish), every call of
//! an IndexedDB store (which must await a transaction), and work outside the operations (audit
//! queries, backups, seeds, `close`). One driver takes the queue in order ([`Lineup`]): all the
//! calls at its head that are ready form a group, which runs in the core and is written once
//! ([`crate::persist::group`]); any other work runs alone in its turn.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

use super::{Core, JsKms, Outcome, Plan};
use crate::persist::group::{Lineup, Next};
use crate::KmsError;

/// What WebCrypto did ahead of a call, offered to the core when the call runs.
pub(super) type Offer = Box<dyn FnOnce(&mut Core)>;

/// Work outside the operations, with who asked for it, run alone in its turn.
type Job = (
    JsKms,
    Box<dyn FnOnce(JsKms) -> Pin<Box<dyn Future<Output = Outcome>>>>,
);

/// How to settle one promise.
pub(super) struct Settle(Function, Function);

impl Settle {
    pub(super) fn done(self, out: Outcome) {
        // A promise's own functions do not throw.
        let _ = match out {
            Ok(v) => self.0.call1(&JsValue::UNDEFINED, &v),
            Err(e) => self.1.call1(&JsValue::UNDEFINED, &e),
        };
    }
}

/// A new promise; `keep` (run at once) keeps how to settle it.
fn promise(keep: impl FnOnce(Settle)) -> Promise {
    let mut keep = Some(keep);
    Promise::new(&mut |resolve, reject| {
        if let Some(keep) = keep.take() {
            keep(Settle(resolve, reject));
        }
    })
}

/// A queued call.
pub(super) struct Call {
    /// Who calls (views of one KMS share its queue).
    view: JsKms,
    operation: String,
    input: Result<JsValue, KmsError>,
    /// WebCrypto's work, once done (taken by the call's first run).
    offer: Rc<RefCell<Option<Offer>>>,
}

impl Call {
    /// Runs the call in the core: with WebCrypto's work the first time, without it again.
    pub(super) fn run(&self) -> Outcome {
        let offer = self.offer.borrow_mut().take();
        let input = self.input.clone();
        self.view.dispatch(&self.operation, input, |core| {
            if let Some(offer) = offer {
                offer(core);
            }
        })
    }
}

/// The calls of one KMS that are waiting, and the on-disk calls awaiting their flush.
#[derive(Default)]
pub(super) struct Queue {
    entries: RefCell<Lineup<(Call, Settle), (Job, Settle)>>,
    /// Queued work not settled yet (the calls of a group being written included).
    pending: Cell<usize>,
    /// Whether the driver is scheduled or running.
    driving: Cell<bool>,
    /// On disk: calls that ran, with their outcome, until the flush settles them.
    unflushed: RefCell<Vec<(Settle, Outcome)>>,
}

impl Queue {
    /// Whether nothing is queued: a call may run at once.
    pub(super) fn idle(&self) -> bool {
        self.pending.get() == 0
    }

    /// The on-disk calls awaiting a flush (emptied).
    pub(super) fn take_unflushed(&self) -> Vec<(Settle, Outcome)> {
        std::mem::take(&mut *self.unflushed.borrow_mut())
    }

    /// `n` queued entries were settled.
    fn settled(&self, n: usize) {
        self.pending.set(self.pending.get().saturating_sub(n));
    }
}

/// The error of a call whose outcome went missing.
fn lost() -> JsValue {
    KmsError::Internal("The call's outcome was lost.".to_owned()).into()
}

impl JsKms {
    /// Queues `operation` behind every call and job before it; WebCrypto starts on `plan` now.
    pub(super) fn enqueue(
        &self,
        operation: &str,
        input: Result<JsValue, KmsError>,
        plan: Option<Plan>,
    ) -> Promise {
        promise(|settle| {
            let offer = Rc::new(RefCell::new(None));
            let call = Call {
                view: self.view(self.caller.clone()),
                operation: operation.to_owned(),
                input,
                offer: Rc::clone(&offer),
            };
            let mut entries = self.queue.entries.borrow_mut();
            match plan {
                None => entries.call((call, settle)),
                Some(plan) => {
                    let ready = entries.waiting_call((call, settle));
                    let this = self.view(self.caller.clone());
                    spawn_local(async move {
                        *offer.borrow_mut() = this.prepare(plan).await;
                        ready.set(true);
                        this.drive();
                    });
                }
            }
            drop(entries);
            self.queued_one();
        })
    }

    /// Queues `job` (work outside the operations) to run alone in its turn.
    pub(super) fn queued<F, Fut>(&self, job: F) -> Promise
    where
        F: FnOnce(JsKms) -> Fut + 'static,
        Fut: Future<Output = Outcome> + 'static,
    {
        promise(|settle| {
            let view = self.view(self.caller.clone());
            let job: Job = (view, Box::new(move |view| Box::pin(job(view))));
            self.queue.entries.borrow_mut().job((job, settle));
            self.queued_one();
        })
    }

    fn queued_one(&self) {
        self.queue.pending.set(self.queue.pending.get() + 1);
        self.drive();
    }

    /// Starts the driver unless it is scheduled or running. It starts at the next microtask,
    /// so every call made before then is there for it to take.
    fn drive(&self) {
        if self.queue.driving.replace(true) {
            return;
        }
        let this = self.view(self.caller.clone());
        spawn_local(async move {
            loop {
                let next = this.queue.entries.borrow_mut().take();
                match next {
                    None => break,
                    Some(Next::Job(((view, job), settle))) => {
                        // On disk, what waits for a flush is written first.
                        let _ = this.flush_disk();
                        settle.done(job(view).await);
                        this.queue.settled(1);
                    }
                    Some(Next::Group(group)) => {
                        let n = group.len();
                        let (calls, settles): (Vec<Call>, Vec<Settle>) = group.into_iter().unzip();
                        let run = |i| calls.get(i).map_or_else(|| Err(lost()), Call::run);
                        match this.run_group(n, run).await {
                            Ok(outs) => {
                                let mut outs = outs.into_iter();
                                for s in settles {
                                    // One outcome a call; never a promise left unsettled.
                                    s.done(outs.next().unwrap_or_else(|| Err(lost())));
                                }
                            }
                            Err(e) => settles.into_iter().for_each(|s| s.done(Err(e.clone()))),
                        }
                        this.queue.settled(n);
                    }
                }
            }
            // Calls still waiting for WebCrypto start the driver again when it is done.
            this.queue.driving.set(false);
        });
    }

    /// Runs `operation` at once (nothing is queued): in memory it is settled now; on disk it
    /// resolves after the flush that the first such call of this microtask schedules.
    pub(super) fn run_now(&self, operation: &str, input: Result<JsValue, KmsError>) -> Promise {
        let out = self.dispatch(operation, input, |_| {});
        if self.disk().is_none() {
            return super::settle(out);
        }
        promise(|settle| {
            let mut unflushed = self.queue.unflushed.borrow_mut();
            unflushed.push((settle, out));
            if unflushed.len() == 1 {
                let this = self.view(self.caller.clone());
                spawn_local(async move {
                    let _ = this.flush_disk();
                });
            }
        })
    }
}
