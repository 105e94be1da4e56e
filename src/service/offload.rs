//! What a faster engine (WebCrypto) may work on ahead of a call: which key a request will use,
//! if the caller may use it, and results it hands back to the core (see
//! [`crate::crypto::offload`]).

use crate::access::Action;
use crate::access::Caller;
use crate::crypto::asym::AsymSpec;
use crate::crypto::offload::Offload;
use crate::domain::ids::Aliases;
use crate::domain::spec::KeyUsage;
use crate::domain::state::StateRule;
use crate::env::{Clock, Entropy};
use crate::store::{KeyRecord, Store};

use crate::ops::{find_key, Call};

use super::Kms;

impl<C: Clock, E: Entropy, S: Store> Kms<C, E, S> {
    /// Where a faster engine offers key pairs and private-key results (see [`crate::crypto::offload`]).
    pub fn offload(&self) -> std::cell::RefMut<'_, Offload> {
        self.offload.borrow_mut()
    }

    /// The key `key_ref` (a key ID, key ARN, alias name or alias ARN) names in `caller`'s
    /// Region, if `caller` may perform `action` on it in its present state. The decision is
    /// asked at the one authorization point but not recorded: nothing is audited here, because
    /// the call that follows is.
    fn offload_key(&self, caller: &Caller, key_ref: &str, action: Action) -> Option<&KeyRecord> {
        let mut call = Call::new(self.clock.now(), caller);
        let key = find_key(
            &self.store,
            &caller.scope,
            Some(key_ref),
            "keyId",
            Aliases::Accepted,
        )
        .ok()?;
        call.admit(key, action, StateRule::Crypto).ok()?;
        Some(key)
    }

    /// For an engine that computes results ahead of a call (see [`crate::crypto::offload`]): the
    /// asymmetric key that `key_ref` names, as `(current material ID, spec, usage)`, if
    /// `caller` may perform `action` (`kms:Sign`, `kms:Verify`, `kms:Decrypt`) on it now.
    pub fn offload_target(
        &self,
        caller: &Caller,
        key_ref: &str,
        action: Action,
    ) -> Option<([u8; 32], AsymSpec, KeyUsage)> {
        let key = self.offload_key(caller, key_ref, action)?;
        let material = key.current_material()?;
        let spec = material.key.asym().ok()?.spec();
        Some((material.id, spec, key.key_usage))
    }

    /// The PKCS#8 private key of material `material_id` of the key `key_ref` names, for an
    /// engine to import once as a non-extractable key; only if `caller` may perform `action`
    /// on the key now. Zeroized on drop.
    pub fn offload_private_key(
        &self,
        caller: &Caller,
        key_ref: &str,
        material_id: &[u8; 32],
        action: Action,
    ) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        let key = self.offload_key(caller, key_ref, action)?;
        key.material(material_id)?.key.asym().ok()?.to_pkcs8().ok()
    }

    /// The DER SubjectPublicKeyInfo of material `material_id` of the key `key_ref` names, for an
    /// engine to check signatures with; only if `caller` may perform `action` on the key now.
    pub fn offload_public_key(
        &self,
        caller: &Caller,
        key_ref: &str,
        material_id: &[u8; 32],
        action: Action,
    ) -> Option<Vec<u8>> {
        let key = self.offload_key(caller, key_ref, action)?;
        key.material(material_id)?
            .key
            .asym()
            .ok()?
            .public_key_der()
            .ok()
    }
}
