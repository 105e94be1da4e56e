//! Tags: TagResource, UntagResource, ListResourceTags.

use serde_json::json;
use wasm_kms::model::*;

use crate::support::*;

#[test]
fn tag_resource_adds_overwrites_in_place_and_untag_removes() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let id = m.key_id.as_str();
    kms.tag_resource(tag_req(id, vec![tag("b", "1"), tag("a", "2")]))
        .unwrap();
    kms.tag_resource(tag_req(id, vec![tag("c", "3"), tag("b", "changed")]))
        .unwrap();
    assert_eq!(
        tags_of(&mut kms, id),
        vec![
            ("b".into(), "changed".into()),
            ("a".into(), "2".into()),
            ("c".into(), "3".into())
        ]
    );
    // Keys are case-sensitive.
    kms.tag_resource(tag_req(id, vec![tag("B", "upper")]))
        .unwrap();
    assert_eq!(tags_of(&mut kms, id).len(), 4);
    // Absent keys are ignored.
    kms.untag_resource(UntagResourceRequest {
        key_id: Some(m.arn.clone()),
        tag_keys: Some(vec!["a".into(), "zzz".into(), "B".into()]),
    })
    .unwrap();
    assert_eq!(
        tags_of(&mut kms, id),
        vec![("b".into(), "changed".into()), ("c".into(), "3".into())]
    );
    // Over JSON.
    let out = kms
        .call_json("ListResourceTags", json!({"KeyId": id}))
        .unwrap();
    assert_eq!(
        out,
        json!({"Tags": [{"TagKey": "b", "TagValue": "changed"}, {"TagKey": "c", "TagValue": "3"}], "Truncated": false})
    );
}

#[test]
fn tag_resource_limits_and_failed_calls_change_nothing() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let id = m.key_id.as_str();
    let fifty: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i:02}"), "v")).collect();
    let mut fifty_one = fifty.clone();
    fifty_one.push(tag("k50", "v"));
    assert_error(
        kms.tag_resource(tag_req(id, fifty_one)),
        "TagException",
        Some("Too many tags"),
    );
    assert!(tags_of(&mut kms, id).is_empty());
    kms.tag_resource(tag_req(id, fifty)).unwrap();
    let before = tags_of(&mut kms, id);
    assert_eq!(before.len(), 50);
    // At 50, overwriting is fine, adding is not.
    kms.tag_resource(tag_req(id, vec![tag("k00", "new")]))
        .unwrap();
    assert_error(
        kms.tag_resource(tag_req(id, vec![tag("k50", "v")])),
        "TagException",
        Some("Too many tags"),
    );
    let mut expected = before;
    expected[0].1 = "new".into();
    assert_eq!(tags_of(&mut kms, id), expected);

    // Each bad tag fails the whole request: the good tags before it are not applied.
    let oid = new_key(&mut kms).key_id;
    kms.tag_resource(tag_req(&oid, vec![tag("keep", "me")]))
        .unwrap();
    let long_key = "k".repeat(129);
    let long_value = "v".repeat(257);
    let cases: Vec<(Vec<Tag>, &str, Option<String>)> = vec![
        (
            vec![tag("good", "1"), tag("aws:x", "v")],
            "TagException",
            Some("Tags beginning with aws: are reserved".into()),
        ),
        (
            vec![tag("good", "1"), tag("AwS:x", "v")],
            "TagException",
            Some("Tags beginning with aws: are reserved".into()),
        ),
        (
            vec![tag("good", "1"), tag("dup", "1"), tag("dup", "2")],
            "TagException",
            Some("Duplicate tag keys".into()),
        ),
        (
            vec![tag("good", "1"), tag(&long_key, "v")],
            "ValidationException",
            Some(max_len(Some(&long_key), "tags.2.member.tagKey", 128)),
        ),
        (
            vec![tag(&long_key, "v")],
            "ValidationException",
            Some(max_len(Some(&long_key), "tags.1.member.tagKey", 128)),
        ),
        (
            vec![tag("good", &long_value)],
            "ValidationException",
            Some(max_len(Some(&long_value), "tags.1.member.tagValue", 256)),
        ),
        (
            vec![tag("", "v")],
            "ValidationException",
            Some(min_len(Some(""), "tags.1.member.tagKey", 1)),
        ),
        (
            vec![Tag {
                tag_key: None,
                tag_value: Some("v".into()),
            }],
            "ValidationException",
            Some(not_null("tags.1.member.tagKey")),
        ),
    ];
    for (tags, name, message) in cases {
        assert_error(
            kms.tag_resource(tag_req(&oid, tags)),
            name,
            message.as_deref(),
        );
        assert_eq!(tags_of(&mut kms, &oid), vec![("keep".into(), "me".into())]);
    }
    assert_validation(
        kms.tag_resource(TagResourceRequest {
            key_id: Some(oid.clone()),
            tags: None,
        }),
        &not_null("tags"),
    );
    // The boundaries themselves are fine.
    let max_key = "k".repeat(128);
    let max_value = "v".repeat(256);
    kms.tag_resource(tag_req(
        &oid,
        vec![tag(&max_key, &max_value), tag("empty", "")],
    ))
    .unwrap();
    assert_eq!(tags_of(&mut kms, &oid).len(), 3);
}

#[test]
fn untag_resource_errors() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    kms.tag_resource(tag_req(&m.key_id, vec![tag("a", "1")]))
        .unwrap();
    let untag = |keys: Option<Vec<&str>>| UntagResourceRequest {
        key_id: Some(m.key_id.clone()),
        tag_keys: keys.map(|k| k.into_iter().map(str::to_owned).collect()),
    };
    assert_error(
        kms.untag_resource(untag(Some(vec!["a", "aws:a"]))),
        "TagException",
        Some("Tags beginning with aws: are reserved"),
    );
    assert_validation(kms.untag_resource(untag(None)), &not_null("tagKeys"));
    let long = "k".repeat(129);
    assert_validation(
        kms.untag_resource(untag(Some(vec!["a", long.as_str()]))),
        &max_len(Some(&long), "tagKeys.2.member", 128),
    );
    assert_eq!(tags_of(&mut kms, &m.key_id), vec![("a".into(), "1".into())]);
}

#[test]
fn list_resource_tags_paging() {
    let mut kms = kms();
    let m = new_key(&mut kms);
    let id = m.key_id.as_str();
    let all: Vec<Tag> = (0..50)
        .map(|i| tag(&format!("t{i}"), &i.to_string()))
        .collect();
    kms.tag_resource(tag_req(id, all.clone())).unwrap();
    let mut seen = Vec::new();
    let mut marker = None;
    let mut pages = 0;
    loop {
        let page = kms
            .list_resource_tags(ListResourceTagsRequest {
                key_id: Some(id.into()),
                limit: Some(7),
                marker: marker.clone(),
            })
            .unwrap();
        pages += 1;
        assert!(page.tags.len() <= 7);
        assert_eq!(page.truncated, page.next_marker.is_some());
        seen.extend(page.tags);
        if !page.truncated {
            break;
        }
        marker = page.next_marker;
    }
    assert_eq!(pages, 8);
    assert_eq!(seen, all);
    let limit = |n: i64| ListResourceTagsRequest {
        key_id: Some(id.into()),
        limit: Some(n),
        marker: None,
    };
    assert_eq!(kms.list_resource_tags(limit(50)).unwrap().tags.len(), 50);
    assert_validation(kms.list_resource_tags(limit(0)), &min_value(0, "limit", 1));
    assert_validation(
        kms.list_resource_tags(limit(51)),
        &max_value(51, "limit", 50),
    );
    assert_error_name(
        kms.list_resource_tags(ListResourceTagsRequest {
            key_id: Some(id.into()),
            marker: Some("bogus".into()),
            ..Default::default()
        }),
        "InvalidMarkerException",
    );
    // Validation before the key lookup.
    assert_validation(
        kms.list_resource_tags(ListResourceTagsRequest {
            key_id: Some(ABSENT_ID.into()),
            limit: Some(0),
            marker: None,
        }),
        &min_value(0, "limit", 1),
    );
}
