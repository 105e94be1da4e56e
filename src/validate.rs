//! Request validation helpers that produce AWS's ValidationException texts, and paging markers.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;

use crate::access::grant::token_grant_id;
use crate::domain::spec::AwsEnum;
use crate::error::{KmsError, Result};
use crate::model::{Tag, Unsupported};

/// Refuses the `Recipient` member (requests attested by an AWS Nitro Enclave), which wasm-kms
/// does not support: plainly, rather than answering as if it had not been sent.
pub fn no_recipient(recipient: Option<Unsupported>) -> Result<()> {
    match recipient {
        None => Ok(()),
        Some(_) => Err(KmsError::UnsupportedOperation(Some(
            "wasm-kms does not support the Recipient parameter (requests from AWS Nitro Enclaves)."
                .to_owned(),
        ))),
    }
}

/// The member's value, or AWS's "must not be null" error.
pub fn required<T>(v: Option<T>, member: &str) -> Result<T> {
    v.ok_or_else(|| KmsError::missing(member))
}

/// Checks a string's length in characters. Sensitive members are not echoed.
pub fn length(s: &str, member: &str, min: usize, max: usize) -> Result<()> {
    let n = s.chars().count();
    if n < min {
        return Err(KmsError::constraint(
            member,
            Some(s),
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if n > max {
        return Err(KmsError::constraint(
            member,
            Some(s),
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// Checks a blob's length in bytes; the value is never echoed.
pub fn blob_length(b: &[u8], member: &str, min: usize, max: usize) -> Result<()> {
    if b.len() < min {
        return Err(KmsError::constraint(
            member,
            None,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if b.len() > max {
        return Err(KmsError::constraint(
            member,
            None,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// Checks an integer's range.
pub fn range(v: i64, member: &str, min: i64, max: i64) -> Result<()> {
    if v < min {
        return Err(KmsError::constraint(
            member,
            Some(&v.to_string()),
            &format!("Member must have value greater than or equal to {min}"),
        ));
    }
    if v > max {
        return Err(KmsError::constraint(
            member,
            Some(&v.to_string()),
            &format!("Member must have value less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// Checks that `v` is one of `allowed` (listed in AWS's order for the message).
pub fn one_of(v: &str, member: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&v) {
        return Ok(());
    }
    Err(not_one_of(v, member, allowed))
}

/// The ValidationException for a value that is not one of `allowed`.
fn not_one_of(v: &str, member: &str, allowed: &[&str]) -> KmsError {
    KmsError::constraint(
        member,
        Some(v),
        &format!(
            "Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ),
    )
}

/// Parses member `member` of an AWS enumeration (a key spec, a key usage, an algorithm...), with
/// AWS's ValidationException for a name not in the enum.
pub fn parse_enum<T: AwsEnum>(v: &str, member: &str) -> Result<T> {
    T::parse(v).ok_or_else(|| not_one_of(v, member, T::NAMES))
}

/// [`parse_enum`] for an optional member.
pub fn parse_optional<T: AwsEnum>(v: Option<&String>, member: &str) -> Result<Option<T>> {
    v.map(|v| parse_enum(v, member)).transpose()
}

/// GrantTokens: at most 10, each 1 to 8192 characters, each a grant token this service
/// issued (InvalidGrantTokenException otherwise; the token is not echoed).
pub fn grant_tokens(tokens: Option<&Vec<String>>) -> Result<()> {
    let Some(tokens) = tokens else {
        return Ok(());
    };
    if tokens.len() > 10 {
        return Err(KmsError::constraint(
            "grantTokens",
            None,
            "Member must have length less than or equal to 10",
        ));
    }
    for (i, t) in tokens.iter().enumerate() {
        length(t, &format!("grantTokens.{}.member", i + 1), 1, 8192)?;
    }
    match tokens.iter().any(|t| token_grant_id(t).is_none()) {
        true => Err(invalid_grant_token()),
        false => Ok(()),
    }
}

/// The error for text that is not a grant token.
pub fn invalid_grant_token() -> KmsError {
    KmsError::InvalidGrantToken("The grant token is not valid.".to_owned())
}

/// Validates a list of tags as CreateKey and TagResource take them, returning (key, value) pairs.
pub fn tags(tags: &[Tag]) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(tags.len());
    for (i, t) in tags.iter().enumerate() {
        let n = i + 1;
        let key = required(t.tag_key.clone(), &format!("tags.{n}.member.tagKey"))?;
        let value = required(t.tag_value.clone(), &format!("tags.{n}.member.tagValue"))?;
        length(&key, &format!("tags.{n}.member.tagKey"), 1, 128)?;
        length(&value, &format!("tags.{n}.member.tagValue"), 0, 256)?;
        out.push((key, value));
    }
    for (key, _) in &out {
        if is_reserved_tag(key) {
            return Err(KmsError::Tag(
                "Tags beginning with aws: are reserved".to_owned(),
            ));
        }
    }
    for (i, (key, _)) in out.iter().enumerate() {
        if out.iter().skip(i + 1).any(|(k, _)| k == key) {
            return Err(KmsError::Tag("Duplicate tag keys".to_owned()));
        }
    }
    Ok(out)
}

/// Does this tag key use the reserved `aws:` prefix (in any case)?
pub fn is_reserved_tag(key: &str) -> bool {
    key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
}

/// The most tags a key may carry.
pub const MAX_TAGS: usize = 50;

/// Refuses a key with more tags than it may carry.
pub fn tag_count(n: usize) -> Result<()> {
    if n > MAX_TAGS {
        return Err(KmsError::Tag("Too many tags".to_owned()));
    }
    Ok(())
}

/// One page of `items`, with AWS's `NextMarker` and `Truncated`.
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The marker for the next page, when truncated.
    pub next_marker: Option<String>,
    /// Whether more items follow.
    pub truncated: bool,
}

/// The `Limit` and `Marker` of a List operation, checked. Only [`page_args`] makes one, so a
/// listing cannot be paged with unchecked arguments.
#[derive(Clone, Copy, Debug)]
pub struct PageArgs<'a> {
    limit: usize,
    marker: Option<&'a str>,
}

/// Checks the `Limit` and `Marker` members of a List operation against AWS's range for it
/// (`default` and `max`). They are request constraints, so AWS reports them
/// (ValidationException) before it looks up any key: call this first.
pub fn page_args<'a>(
    limit: Option<i64>,
    marker: Option<&'a str>,
    (default, max): (i64, i64),
) -> Result<PageArgs<'a>> {
    let limit = limit.unwrap_or(default);
    range(limit, "limit", 1, max)?;
    if let Some(m) = marker {
        length(m, "marker", 1, 1024)?;
    }
    Ok(PageArgs {
        limit: usize::try_from(limit).unwrap_or(1),
        marker,
    })
}

/// Pages `items` (already in a stable order). `list` names the listing so that a marker from
/// one listing is refused by another. Markers are opaque: the position, encoded.
pub fn page<T>(items: Vec<T>, list: &str, args: PageArgs<'_>) -> Result<Page<T>> {
    let start = match args.marker {
        None => 0,
        Some(m) => decode_marker(m, list)
            .filter(|start| *start <= items.len())
            .ok_or_else(|| KmsError::InvalidMarker("Invalid marker".to_owned()))?,
    };
    let total = items.len();
    let end = start.saturating_add(args.limit).min(total);
    let items: Vec<T> = items.into_iter().skip(start).take(end - start).collect();
    let truncated = end < total;
    Ok(Page {
        items,
        next_marker: truncated.then(|| encode_marker(list, end)),
        truncated,
    })
}

fn encode_marker(list: &str, position: usize) -> String {
    B64URL.encode(format!("{list}:{position}"))
}

fn decode_marker(m: &str, list: &str) -> Option<usize> {
    let raw = B64URL.decode(m).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (name, pos) = text.split_once(':')?;
    if name != list {
        return None;
    }
    pos.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_everything_once() {
        let items: Vec<u32> = (0..25).collect();
        let mut seen = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let p = page_args(Some(10), marker.as_deref(), (100, 1000))
                .and_then(|a| page(items.clone(), "t", a));
            let Ok(p) = p else {
                unreachable!("paging failed")
            };
            seen.extend(p.items);
            if !p.truncated {
                break;
            }
            marker = p.next_marker;
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn foreign_markers_are_refused() {
        let items: Vec<u32> = (0..5).collect();
        for bad in [
            "nonsense",
            &encode_marker("other", 1),
            &encode_marker("t", 99),
        ] {
            let r =
                page_args(None, Some(bad), (100, 1000)).and_then(|a| page(items.clone(), "t", a));
            assert!(matches!(r, Err(KmsError::InvalidMarker(_))), "{bad}");
        }
    }

    #[test]
    fn tag_rules() {
        let t = |k: &str, v: &str| Tag {
            tag_key: Some(k.into()),
            tag_value: Some(v.into()),
        };
        assert!(tags(&[t("a", ""), t("b", "x")]).is_ok());
        assert!(matches!(tags(&[t("AWS:x", "v")]), Err(KmsError::Tag(_))));
        assert!(matches!(
            tags(&[t("a", "1"), t("a", "2")]),
            Err(KmsError::Tag(_))
        ));
        let long = "k".repeat(129);
        assert_eq!(
            tags(&[t(&long, "v")]).err().and_then(|e| e.message().map(str::to_owned)),
            Some(format!("1 validation error detected: Value '{long}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128"))
        );
    }
}
