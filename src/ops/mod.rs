//! The operations, grouped as AWS's API reference groups them. Each is a function that takes
//! the call's [`OpCtx`] and its typed request: it reads through the store the context holds,
//! asks the context's authorization point, and returns its output with one batch of writes.
//! The service builds the context and runs operations through its one operation table.

mod aliases;
mod asymmetric;
pub(crate) mod crypto;
pub(crate) mod ctx;
pub(crate) mod grants;
pub(crate) mod import;
pub mod keys;
pub(crate) mod lifecycle;
mod mac;
pub(crate) mod managed;
mod multi_region;
pub mod seed;

pub(crate) use aliases::{create_alias, delete_alias, list_aliases, update_alias};
pub(crate) use asymmetric::{
    derive_shared_secret, generate_data_key_pair, generate_data_key_pair_without_plaintext,
    get_public_key, sign, verify,
};
pub(crate) use crypto::{
    decrypt, encrypt, generate_data_key, generate_data_key_without_plaintext, generate_random,
    re_encrypt,
};
pub(crate) use ctx::{find_key, Call, Derived, OpCtx, Outcome};
pub(crate) use grants::{
    create_grant, list_grants, list_retirable_grants, retire_grant, revoke_grant,
};
pub(crate) use import::{
    delete_imported_key_material, get_parameters_for_import, import_key_material,
};
pub(crate) use keys::{
    create_key, describe_key, disable_key, enable_key, get_key_policy, list_key_policies,
    list_keys, list_resource_tags, put_key_policy, tag_resource, untag_resource,
    update_key_description,
};
pub(crate) use lifecycle::{
    cancel_key_deletion, disable_key_rotation, enable_key_rotation, get_key_rotation_status,
    list_key_rotations, rotate_key_on_demand, schedule_key_deletion,
};
pub(crate) use mac::{generate_mac, verify_mac};
pub(crate) use multi_region::{replicate_key, update_primary_region};
