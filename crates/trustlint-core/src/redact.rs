//! Credentials are never printed whole, in any output: only their first four characters and
//! their length.

/// `AKIA…(20 chars)`.
pub fn redact(secret: &str) -> String {
    let count = secret.chars().count();
    let head: String = secret.chars().take(4.min(count.saturating_sub(1))).collect();
    format!("{head}…({count} chars)")
}

/// Replace every occurrence of each secret in `text` with its redacted form.
pub fn redact_all(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret, &redact(secret));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_four_characters_and_the_length() {
        assert_eq!(redact("AKIAQWERTYUIOPASDFGH"), "AKIA…(20 chars)");
        // Very short values keep less than their whole text.
        assert_eq!(redact("abc"), "ab…(3 chars)");
        assert_eq!(redact(""), "…(0 chars)");
    }

    #[test]
    fn redacts_inside_text() {
        let text = "key ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa in file";
        let out = redact_all(text, &["ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]);
        assert_eq!(out, "key ghp_…(40 chars) in file");
        assert!(!out.contains("aaaaaaaa"));
    }
}
