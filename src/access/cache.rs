//! Key policies parsed once: a key's policy text is parsed the first time a call reads it, and
//! the parsed form is shared by every key with the same text (most keys of an account share
//! AWS's default policy), so no call parses a policy.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::policy::{Anyone, Policy, PolicyKind};
use crate::error::Result;

/// How many distinct policy texts are kept parsed; past it the cache starts again (a store
/// with more distinct custom policies than this re-parses some of them, still never per
/// call for the ones in use).
const CAPACITY: usize = 4096;

thread_local! {
    static PARSED: RefCell<BTreeMap<String, Rc<Policy>>> = const { RefCell::new(BTreeMap::new()) };
    static IDENTITY: RefCell<BTreeMap<String, Rc<Policy>>> = const { RefCell::new(BTreeMap::new()) };
    static TRUST: RefCell<BTreeMap<String, Rc<Policy>>> = const { RefCell::new(BTreeMap::new()) };
}

type Cache = std::thread::LocalKey<RefCell<BTreeMap<String, Rc<Policy>>>>;

/// `text` parsed as `kind`, from `cache` or parsed now and kept.
fn cached(cache: &'static Cache, text: &str, kind: PolicyKind) -> Result<Rc<Policy>> {
    if let Some(p) = cache.with(|c| c.borrow().get(text).cloned()) {
        return Ok(p);
    }
    let parsed = Rc::new(Policy::parse(text, kind, &Anyone)?);
    cache.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CAPACITY {
            c.clear();
        }
        c.insert(text.to_owned(), Rc::clone(&parsed));
    });
    Ok(parsed)
}

/// The parsed form of a stored key policy. Its principals were checked when it was written,
/// so they are not checked again.
pub fn key_policy(text: &str) -> Result<Rc<Policy>> {
    cached(&PARSED, text, PolicyKind::Key)
}

/// The parsed form of a stored identity policy or trust policy (checked when it was written).
pub fn iam_policy(text: &str, kind: PolicyKind) -> Result<Rc<Policy>> {
    match kind {
        PolicyKind::Key => key_policy(text),
        PolicyKind::Identity => cached(&IDENTITY, text, kind),
        PolicyKind::Trust => cached(&TRUST, text, kind),
    }
}
