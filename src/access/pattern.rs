//! IAM's wildcard matching: `*` (any run of characters) and `?` (one character), in actions,
//! resources and the `String*Like` and `Arn*` condition operators.

/// Whether `text` matches the glob `pattern` (`*` any run, `?` one character). With
/// `ignore_case`, ASCII letters compare case-insensitively (action names, IAM's rule).
///
/// Linear in practice: the classic two-pointer algorithm with one backtrack point, which is
/// exact for patterns with `*` and `?` only.
pub fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match (p.get(pi), t.get(ti)) {
            (Some('*'), _) => {
                star = Some((pi, ti));
                pi += 1;
            }
            (Some('?'), Some(_)) => {
                pi += 1;
                ti += 1;
            }
            (Some(&pc), Some(&tc)) if eq(pc, tc) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// Whether an ARN matches an ARN pattern, segment by segment as IAM matches `Resource`
/// and the `Arn*` operators: the six parts (`arn`, partition, service, Region, account,
/// resource) are matched separately, so a `*` never reaches across a `:` between them (the
/// resource part, the last, may itself contain colons). A bare `*` matches every ARN.
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == 6 && a.len() == 6 && p.iter().zip(&a).all(|(p, a)| glob(p, a, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_stars_and_question_marks() {
        assert!(glob("kms:*", "kms:Encrypt", false));
        assert!(glob("kms:Generate*", "kms:GenerateDataKey", false));
        assert!(glob("kms:ReEncrypt*", "kms:ReEncrypt", false));
        assert!(!glob("kms:ReEncrypt*", "kms:Encrypt", false));
        assert!(glob("kms:?ncrypt", "kms:Encrypt", false));
        assert!(!glob("kms:?ncrypt", "kms:ncrypt", false));
        assert!(glob("*", "", false));
        assert!(!glob("", "a", false));
        assert!(glob("a*b*c", "aXXbYYbc", false));
        assert!(!glob("a*b*c", "aXXbYYb", false));
        assert!(glob("KMS:encrypt", "kms:Encrypt", true));
        assert!(!glob("KMS:encrypt", "kms:Encrypt", false));
        assert!(glob("**a", "bba", false));
    }

    #[test]
    fn arn_patterns_match_segment_by_segment() {
        let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd";
        assert!(arn_like("*", key));
        assert!(arn_like("arn:aws:kms:*:111122223333:key/*", key));
        assert!(arn_like("arn:aws:kms:us-east-1:*:*", key));
        assert!(!arn_like("arn:aws:kms:*", key));
        assert!(!arn_like("arn:aws:kms:us-east-1:111122223333:alias/*", key));
        // A star does not cross a colon between segments.
        assert!(!arn_like("arn:aws:kms:*:key/*", key));
        assert!(arn_like(
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam::111122223333:role/app"
        ));
    }
}
