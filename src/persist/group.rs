//! Group commit: the calls a binding has queued at one moment run in the core one after the
//! other, and what they committed is written in one go (one IndexedDB transaction, one append
//! and at most one fsync on disk); only then does any of them resolve.
//!
//! The rules, whatever the database ([`GroupStore`] is its I/O):
//!
//! - A store another page wrote since this page read it is read again before the group runs.
//! - A write the database refuses because another page wrote first ([`Written::Conflict`])
//!   writes nothing: the store is read again and every call of the group runs again, in order,
//!   at most [`MAX_CONFLICT_RETRIES`] times in all.
//! - A write that fails leaves the store read again, so that memory holds exactly what the
//!   database does, and fails every call of the group with that error.
//! - If that reading fails too, memory holds what the database does not: the page is marked to
//!   read the store before anything else runs ([`GroupStore::invalidate`]), so nothing is ever
//!   written on top of it.

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::error::{KmsError, Result};

/// The work a binding has queued, in the order it was made: calls (`C`), each ready at once or
/// once the work done ahead of it is (WebCrypto's), and other work (`J`: an audit query, a
/// backup, `close`), which runs alone. What runs next is every ready call at the head, as one
/// group, or the job at the head; a call that is not ready holds back everything behind it, so
/// calls reach the core in the order they were made.
pub struct Lineup<C, J> {
    entries: VecDeque<Entry<C, J>>,
}

enum Entry<C, J> {
    Call(C, Rc<Cell<bool>>),
    Job(J),
}

/// What runs next.
pub enum Next<C, J> {
    /// Calls that run one after the other and are written together.
    Group(Vec<C>),
    /// Other work, alone.
    Job(J),
}

impl<C, J> Default for Lineup<C, J> {
    fn default() -> Self {
        Lineup {
            entries: VecDeque::new(),
        }
    }
}

impl<C, J> Lineup<C, J> {
    /// Queues a call that may run at once.
    pub fn call(&mut self, call: C) {
        self.entries
            .push_back(Entry::Call(call, Rc::new(Cell::new(true))));
    }

    /// Queues a call that may run only once the returned flag is set.
    pub fn waiting_call(&mut self, call: C) -> Rc<Cell<bool>> {
        let ready = Rc::new(Cell::new(false));
        self.entries.push_back(Entry::Call(call, Rc::clone(&ready)));
        ready
    }

    /// Queues other work.
    pub fn job(&mut self, job: J) {
        self.entries.push_back(Entry::Job(job));
    }

    /// Takes what runs next, if anything may run now.
    pub fn take(&mut self) -> Option<Next<C, J>> {
        if matches!(self.entries.front(), Some(Entry::Job(_))) {
            return match self.entries.pop_front() {
                Some(Entry::Job(job)) => Some(Next::Job(job)),
                _ => None,
            };
        }
        let mut group = Vec::new();
        while matches!(self.entries.front(), Some(Entry::Call(_, ready)) if ready.get()) {
            if let Some(Entry::Call(call, _)) = self.entries.pop_front() {
                group.push(call);
            }
        }
        (!group.is_empty()).then_some(Next::Group(group))
    }
}

/// How often a group of calls that keeps meeting other pages' writes runs before it fails.
pub const MAX_CONFLICT_RETRIES: usize = 8;

/// What a write of a group's commits came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// Durable.
    Done,
    /// Another page wrote first: nothing was written.
    Conflict,
}

/// The database side of group commit, as a binding does it.
#[allow(async_fn_in_trait)] // a binding's futures are not sent anywhere
pub trait GroupStore {
    /// What one call gives back.
    type Out;
    /// Whether another page wrote since this one read the store.
    fn stale(&self) -> bool;
    /// Reads the store again into memory, dropping whatever was not written.
    async fn reload(&self) -> Result<()>;
    /// Memory holds what the database does not (a reload after a failed or refused write
    /// failed): the store must be read again before any call runs, whatever else was heard.
    fn invalidate(&self);
    /// Runs call `i` of the group in the core (again, after a conflict), committing into the
    /// queue the next write takes.
    fn run(&self, i: usize) -> Self::Out;
    /// Writes every commit queued since the last write.
    async fn write(&self) -> Result<Written>;
}

/// Runs the group of `calls` calls under the rules above: every call's outcome, or the error
/// that fails them all.
pub async fn run_group<S: GroupStore>(store: &S, calls: usize) -> Result<Vec<S::Out>> {
    if store.stale() {
        store.reload().await?;
    }
    for _ in 0..MAX_CONFLICT_RETRIES {
        let outs: Vec<S::Out> = (0..calls).map(|i| store.run(i)).collect();
        let failed = match store.write().await {
            Ok(Written::Done) => return Ok(outs),
            Ok(Written::Conflict) => None,
            Err(e) => Some(e),
        };
        // What the database did not take leaves memory too.
        if let Err(e) = store.reload().await {
            store.invalidate();
            return Err(failed.unwrap_or(e));
        }
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Err(KmsError::Internal(
        "The store kept changing under this call (other pages wrote); try again.".to_owned(),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    /// Polls a future that never waits (a fake database answers at once).
    pub(crate) fn ready<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("the fake database never waits"),
        }
    }

    /// A store in memory whose database is shared with "other pages": a counter of writes.
    #[derive(Default)]
    struct Fake {
        /// What the database holds (committed call numbers) and its generation.
        db: RefCell<(Vec<u32>, u64)>,
        /// This page's memory: what it read plus what its calls did since.
        memory: RefCell<Vec<u32>>,
        /// The calls' commits since the last write.
        outbox: RefCell<Vec<u32>>,
        /// The generation memory reflects, and the newest heard of.
        generation: Cell<u64>,
        heard: Cell<u64>,
        /// Writes other pages make just before each of this page's writes, one entry a write.
        others: RefCell<Vec<u32>>,
        /// The next write fails (the disk is full).
        fail: Cell<bool>,
        /// Reloads fail (the database cannot be read).
        unreadable: Cell<bool>,
        /// Memory must be read again before anything runs.
        invalid: Cell<bool>,
        runs: Cell<usize>,
        reloads: Cell<usize>,
    }

    impl GroupStore for Fake {
        type Out = (usize, usize);
        fn stale(&self) -> bool {
            self.invalid.get() || self.heard.get() > self.generation.get()
        }
        fn invalidate(&self) {
            self.invalid.set(true);
        }
        async fn reload(&self) -> Result<()> {
            self.reloads.set(self.reloads.get() + 1);
            if self.unreadable.get() {
                return Err(KmsError::Storage("IndexedDB: reading failed".to_owned()));
            }
            self.invalid.set(false);
            let (held, generation) = self.db.borrow().clone();
            *self.memory.borrow_mut() = held;
            self.outbox.borrow_mut().clear();
            self.generation.set(generation);
            self.heard.set(self.heard.get().max(generation));
            Ok(())
        }
        fn run(&self, i: usize) -> (usize, usize) {
            self.runs.set(self.runs.get() + 1);
            let value = 100 + i as u32;
            self.memory.borrow_mut().push(value);
            self.outbox.borrow_mut().push(value);
            // What the call saw: how much the store held before it.
            (i, self.memory.borrow().len() - 1)
        }
        async fn write(&self) -> Result<Written> {
            let mut others = self.others.borrow_mut();
            if !others.is_empty() {
                let other = others.remove(0);
                let mut db = self.db.borrow_mut();
                db.0.push(other);
                db.1 += 1;
            }
            if self.fail.replace(false) {
                return Err(KmsError::Storage("IndexedDB: writing failed".to_owned()));
            }
            let mut db = self.db.borrow_mut();
            if db.1 != self.generation.get() {
                self.heard.set(db.1);
                return Ok(Written::Conflict);
            }
            db.0.extend(self.outbox.borrow_mut().drain(..));
            db.1 += 1;
            self.generation.set(db.1);
            Ok(Written::Done)
        }
    }

    fn taken(l: &mut Lineup<u32, &'static str>) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(next) = l.take() {
            out.push(match next {
                Next::Group(calls) => format!("{calls:?}"),
                Next::Job(job) => job.to_owned(),
            });
        }
        out
    }

    #[test]
    fn ready_calls_at_the_head_form_one_group_and_jobs_run_alone_in_order() {
        let mut l = Lineup::default();
        l.call(1);
        l.call(2);
        l.job("audit query");
        l.call(3);
        l.job("close");
        l.job("another");
        l.call(4);
        l.call(5);
        assert_eq!(
            taken(&mut l),
            vec!["[1, 2]", "audit query", "[3]", "close", "another", "[4, 5]"]
        );
        assert!(l.take().is_none());
    }

    #[test]
    fn a_call_waiting_for_its_work_holds_back_everything_behind_it() {
        let mut l = Lineup::default();
        l.call(1);
        let second = l.waiting_call(2);
        l.call(3);
        l.job("job");
        let fifth = l.waiting_call(5);
        assert_eq!(taken(&mut l), vec!["[1]"]);
        second.set(true);
        // The waiting call and the ready one behind it go together; the job waits its turn.
        assert_eq!(taken(&mut l), vec!["[2, 3]", "job"]);
        fifth.set(true);
        l.call(6);
        assert_eq!(taken(&mut l), vec!["[5, 6]"]);
    }

    #[test]
    fn a_group_runs_once_and_is_written_once() {
        let s = Fake::default();
        let outs = ready(run_group(&s, 3)).unwrap();
        assert_eq!(outs, vec![(0, 0), (1, 1), (2, 2)]);
        assert_eq!(s.db.borrow().0, vec![100, 101, 102]);
        assert_eq!(s.db.borrow().1, 1);
        assert_eq!((s.runs.get(), s.reloads.get()), (3, 0));
    }

    #[test]
    fn a_stale_page_reads_the_store_before_the_group_runs() {
        let s = Fake::default();
        s.db.borrow_mut().0.push(7);
        s.db.borrow_mut().1 = 1;
        s.heard.set(1);
        let outs = ready(run_group(&s, 1)).unwrap();
        assert_eq!(outs, vec![(0, 1)], "the call saw the other page's write");
        assert_eq!(s.reloads.get(), 1);
        assert_eq!(s.db.borrow().0, vec![7, 100]);
    }

    #[test]
    fn after_another_page_wrote_the_group_runs_again_on_what_it_wrote() {
        let s = Fake::default();
        s.others.borrow_mut().extend([7, 8]);
        let outs = ready(run_group(&s, 2)).unwrap();
        // Two conflicts: the group ran three times, the last time over both other writes.
        assert_eq!(outs, vec![(0, 2), (1, 3)]);
        assert_eq!((s.runs.get(), s.reloads.get()), (6, 2));
        assert_eq!(s.db.borrow().0, vec![7, 8, 100, 101]);
        assert_eq!(*s.memory.borrow(), s.db.borrow().0);
    }

    #[test]
    fn a_group_that_keeps_meeting_other_writes_fails_after_the_bound() {
        let s = Fake::default();
        s.others
            .borrow_mut()
            .extend((0..MAX_CONFLICT_RETRIES as u32).map(|i| 10 + i));
        let e = ready(run_group(&s, 2)).unwrap_err();
        assert!(e.to_string().contains("kept changing"), "{e}");
        assert_eq!(s.runs.get(), 2 * MAX_CONFLICT_RETRIES);
        // Nothing of the group was written, and memory is what the database holds.
        assert!(s.db.borrow().0.iter().all(|v| *v < 100));
        assert_eq!(*s.memory.borrow(), s.db.borrow().0);
        // One more other write short of the bound, and the last run goes through.
        let s = Fake::default();
        s.others
            .borrow_mut()
            .extend((0..MAX_CONFLICT_RETRIES as u32 - 1).map(|i| 10 + i));
        assert!(ready(run_group(&s, 1)).is_ok());
    }

    #[test]
    fn a_failed_write_fails_the_group_and_leaves_memory_as_the_database() {
        let s = Fake::default();
        ready(run_group(&s, 1)).unwrap();
        s.fail.set(true);
        let e = ready(run_group(&s, 3)).unwrap_err();
        assert!(e.to_string().contains("writing failed"), "{e}");
        assert_eq!(s.db.borrow().0, vec![100]);
        assert_eq!(
            *s.memory.borrow(),
            vec![100],
            "memory dropped what was not written"
        );
        assert!(s.outbox.borrow().is_empty());
        // The next group goes on from there.
        assert_eq!(ready(run_group(&s, 1)).unwrap(), vec![(0, 1)]);
    }

    #[test]
    fn memory_that_could_not_be_read_back_is_never_written_on() {
        let s = Fake::default();
        s.fail.set(true);
        s.unreadable.set(true);
        let e = ready(run_group(&s, 2)).unwrap_err();
        assert!(
            e.to_string().contains("writing failed"),
            "the write's error: {e}"
        );
        // Memory holds what was not written, and the page knows it.
        assert_eq!(*s.memory.borrow(), vec![100, 101]);
        assert!(s.stale());
        // While the store cannot be read, nothing runs and nothing is written.
        let runs = s.runs.get();
        assert!(ready(run_group(&s, 1)).is_err());
        assert_eq!(s.runs.get(), runs);
        assert!(s.db.borrow().0.is_empty());
        // Once it can, memory is what the database holds, and calls run on that.
        s.unreadable.set(false);
        assert_eq!(ready(run_group(&s, 1)).unwrap(), vec![(0, 0)]);
        assert_eq!(s.db.borrow().0, vec![100]);
        // A conflict whose reload fails is the same.
        s.others.borrow_mut().push(7);
        s.unreadable.set(true);
        assert!(ready(run_group(&s, 1)).is_err());
        assert!(s.stale());
        s.unreadable.set(false);
        assert_eq!(ready(run_group(&s, 1)).unwrap(), vec![(0, 2)]);
        assert_eq!(s.db.borrow().0, vec![100, 7, 100]);
    }
}
