//! Key policies parsed once: a key's policy text is parsed the first time a call reads it, and
//! the parsed form is shared by every key with the same text (most keys of an account share
//! AWS's default policy), so no call parses a policy.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::policy::{Anyone, Policy, PolicyKind};
use crate::error::Result;

/// How many distinct policy texts are kept parsed; past it the cache starts again (a store
/// with more distinct custom policies than this re-parses some of them, still never per
/// call for the ones in use).
const CAPACITY: usize = 4096;

thread_local! {
    static PARSED: RefCell<HashMap<String, Rc<Policy>>> = RefCell::new(HashMap::new());
}

/// The parsed form of a stored key policy. Its principals were checked when it was written,
/// so they are not checked again.
pub fn key_policy(text: &str) -> Result<Rc<Policy>> {
    if let Some(p) = PARSED.with(|c| c.borrow().get(text).cloned()) {
        return Ok(p);
    }
    let parsed = Rc::new(Policy::parse(text, PolicyKind::Key, &Anyone)?);
    PARSED.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CAPACITY {
            c.clear();
        }
        c.insert(text.to_owned(), Rc::clone(&parsed));
    });
    Ok(parsed)
}

/// The identity policy of a principal the store defines no IAM identity for (a principal
/// named in the configuration or by the caller): every action on every resource, as an
/// administrator has. Key policies still bind it; IAM users and roles defined in the store
/// have their own policies instead.
pub const UNMANAGED_PRINCIPAL_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"AdministratorAccess","Effect":"Allow","Action":"*","Resource":"*"}]}"#;

thread_local! {
    static UNMANAGED: Option<Rc<Policy>> =
        Policy::parse(UNMANAGED_PRINCIPAL_POLICY, PolicyKind::Identity, &Anyone).ok().map(Rc::new);
}

/// [`UNMANAGED_PRINCIPAL_POLICY`], parsed once.
pub fn unmanaged_principal_policy() -> Option<Rc<Policy>> {
    UNMANAGED.with(Clone::clone)
}
