//! Content fingerprints: they identify a finding by rule, file and the normalised text it points
//! at, not by line number, so they survive edits that move lines. Used by SARIF
//! `partialFingerprints` and by baselines.

use sha2::{Digest, Sha256};

/// Collapse whitespace so re-indentation does not change a fingerprint.
pub fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A hex fingerprint of `rule`, `path`, the normalised `basis` and an occurrence index (the n-th
/// finding with the same rule, path and basis in file order).
pub fn fingerprint(rule: &str, path: &str, basis: &str, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    for part in [rule, path, &normalize(basis), &occurrence.to_string()] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_does_not_matter_but_content_does() {
        let a = fingerprint("r", "p.json", "\"repo:acme/*\"", 0);
        assert_eq!(a, fingerprint("r", "p.json", "  \"repo:acme/*\"\n", 0));
        assert_ne!(a, fingerprint("r", "p.json", "\"repo:acme/infra\"", 0));
        assert_ne!(a, fingerprint("r", "p.json", "\"repo:acme/*\"", 1));
        assert_ne!(a, fingerprint("r", "q.json", "\"repo:acme/*\"", 0));
        assert_eq!(a.len(), 32);
    }
}
