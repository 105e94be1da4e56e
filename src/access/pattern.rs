//! IAM's wildcard matching: `*` (any run of characters) and `?` (one character), in actions,
//! resources and the `String*Like` and `Arn*` condition operators.

/// Whether `text` matches the glob `pattern` (`*` any run, `?` one character). With
/// `ignore_case`, ASCII letters compare case-insensitively (action names, IAM's rule).
///
/// Linear in practice: the classic two-pointer algorithm with one backtrack point, which is
/// exact for patterns with `*` and `?` only.
pub fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    matches_tokens(&tokens(pattern, false), text, ignore_case)
}

/// [`glob`] for a pattern in which `\` makes the next character literal: what a policy value
/// becomes once its variables are substituted ([`super::condition::substitute_pattern`]), so
/// that `${*}`, `${?}` and a variable's value match themselves, not as wildcards.
pub fn glob_escaped(pattern: &str, text: &str) -> bool {
    matches_tokens(&tokens(pattern, true), text, false)
}

/// One element of a glob.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Token {
    /// `*`: any run of characters.
    Any,
    /// `?`: one character.
    One,
    /// A character that matches itself.
    Char(char),
}

fn tokens(pattern: &str, escapes: bool) -> Vec<Token> {
    let mut out = Vec::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '*' => Token::Any,
            '?' => Token::One,
            '\\' if escapes => Token::Char(chars.next().unwrap_or('\\')),
            c => Token::Char(c),
        });
    }
    out
}

fn matches_tokens(p: &[Token], text: &str, ignore_case: bool) -> bool {
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
            (Some(Token::Any), _) => {
                star = Some((pi, ti));
                pi += 1;
            }
            (Some(Token::One), Some(_)) => {
                pi += 1;
                ti += 1;
            }
            (Some(&Token::Char(pc)), Some(&tc)) if eq(pc, tc) => {
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
        .is_some_and(|rest| rest.iter().all(|&c| c == Token::Any))
}

/// Whether an ARN matches an ARN pattern, segment by segment as IAM matches `Resource`
/// and the `Arn*` operators: the six parts (`arn`, partition, service, Region, account,
/// resource) are matched separately, so a `*` never reaches across a `:` between them (the
/// resource part, the last, may itself contain colons). A bare `*` matches every ARN.
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    arn_segments(pattern, arn, |p, a| glob(p, a, false))
}

/// [`arn_like`] for a pattern with `\` escapes ([`glob_escaped`]).
pub fn arn_like_escaped(pattern: &str, arn: &str) -> bool {
    arn_segments(pattern, arn, glob_escaped)
}

fn arn_segments(pattern: &str, arn: &str, segment: impl Fn(&str, &str) -> bool) -> bool {
    if pattern == "*" {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == 6 && a.len() == 6 && p.iter().zip(&a).all(|(p, a)| segment(p, a))
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
        assert!(
            glob("a\\*", "a\\xyz", false),
            "no escapes in a policy's own text"
        );
    }

    #[test]
    fn escaped_globs_match_escaped_characters_literally() {
        assert!(glob_escaped("a\\*b", "a*b"));
        assert!(!glob_escaped("a\\*b", "axb"));
        assert!(glob_escaped("a\\?*", "a?anything"));
        assert!(!glob_escaped("a\\?", "ab"));
        assert!(glob_escaped("a\\\\b", "a\\b"));
        assert!(glob_escaped("team/*", "team/x"));
        assert!(arn_like_escaped(
            "arn:aws:kms:*:111122223333:alias/a\\*",
            "arn:aws:kms:us-east-1:111122223333:alias/a*"
        ));
        assert!(!arn_like_escaped(
            "arn:aws:kms:*:111122223333:alias/a\\*",
            "arn:aws:kms:us-east-1:111122223333:alias/ab"
        ));
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
