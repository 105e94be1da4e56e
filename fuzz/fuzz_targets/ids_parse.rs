//! Key IDs, key and alias ARNs, alias names and principal ARNs from untrusted text: parsing
//! never panics, what parses is well formed and round-trips, and a `KeyId` argument resolves
//! (through DescribeKey) to the key it names or to one of AWS's errors.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use wasm_kms::domain::ids::{self, AliasName, Aliases, KeyId, KeyRef, Principal, Scope};
use wasm_kms_fuzz::{call, create_key, fresh_kms, FuzzKms};

struct World {
    kms: FuzzKms,
    key: KeyId,
    scope: Scope,
}

thread_local! {
    static WORLD: RefCell<World> = RefCell::new({
        let mut kms = fresh_kms(0);
        let id = create_key(&mut kms, json!({}));
        call(&mut kms, "CreateAlias", json!({"AliasName": "alias/fuzz", "TargetKeyId": id}));
        World {
            key: KeyId::parse(&id).expect("a key ID"),
            scope: kms.scope().clone(),
            kms,
        }
    });
}

fn check(world: &mut World, s: &str) {
    if let Some(id) = KeyId::parse(s) {
        assert_eq!(id.as_str(), s.to_ascii_lowercase());
        assert_eq!(KeyId::parse(id.as_str()).as_ref(), Some(&id));
        assert_eq!(KeyId::from_binary(&id.to_binary()).as_ref(), Some(&id));
        let arn = world.scope.key_arn(&id);
        assert_eq!(
            ids::parse_key_ref(&arn, "keyId", &world.scope, Aliases::Refused),
            Ok(KeyRef::Key(id.clone()))
        );
    }
    if let Ok(alias) = AliasName::parse(s) {
        assert_eq!(alias.as_str(), s);
        assert!(s.len() > "alias/".len() && s.chars().count() <= 256);
        let arn = world.scope.alias_arn(&alias);
        assert_eq!(
            ids::parse_key_ref(&arn, "keyId", &world.scope, Aliases::Accepted),
            Ok(KeyRef::Alias(alias.clone()))
        );
    }
    if let Some(p) = Principal::parse(s) {
        assert_eq!(p.arn, s);
        assert!(ids::is_account(&p.account));
    }
    let _ = (ids::is_region(s), ids::is_account(s), ids::is_partition(s));
    for aliases in [Aliases::Accepted, Aliases::Refused] {
        match ids::parse_key_ref(s, "keyId", &world.scope, aliases) {
            Ok(KeyRef::Key(id)) => assert!(KeyId::parse(id.as_str()).is_some()),
            Ok(KeyRef::ForeignKey(account, id)) => {
                assert!(ids::is_account(&account) && account != world.scope.account);
                assert!(KeyId::parse(id.as_str()).is_some());
            }
            Ok(KeyRef::Alias(alias)) => {
                assert_eq!(aliases, Aliases::Accepted);
                assert!(AliasName::parse(alias.as_str()).is_ok());
            }
            Ok(KeyRef::ForeignAlias(account, alias)) => {
                assert_eq!(aliases, Aliases::Accepted);
                assert!(ids::is_account(&account) && account != world.scope.account);
                assert!(AliasName::parse(alias.as_str()).is_ok());
            }
            Err(e) => assert!(
                matches!(
                    e.name(),
                    "NotFoundException" | "InvalidArnException" | "ValidationException"
                ),
                "{e:?}"
            ),
        }
    }
    // Through the service: the key by any of its names (or an AWS managed key, made when an
    // `alias/aws/<service>` is first named), or one of AWS's errors.
    match world.kms.call_json("DescribeKey", json!({ "KeyId": s })) {
        Ok(out) => assert!(
            out["KeyMetadata"]["KeyId"].as_str() == Some(world.key.as_str())
                || out["KeyMetadata"]["KeyManager"] == "AWS",
            "{s:?} named another key"
        ),
        Err(e) => assert!(
            matches!(
                e.name(),
                "NotFoundException" | "InvalidArnException" | "ValidationException"
            ),
            "{e:?}"
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    WORLD.with(|world| {
        let world = &mut world.borrow_mut();
        if let Ok(bytes) = <&[u8; 17]>::try_from(data) {
            if let Some(id) = KeyId::from_binary(bytes) {
                assert_eq!(&id.to_binary(), bytes);
                assert_eq!(KeyId::parse(id.as_str()).as_ref(), Some(&id));
            }
        }
        check(world, &String::from_utf8_lossy(data));
    });
});
