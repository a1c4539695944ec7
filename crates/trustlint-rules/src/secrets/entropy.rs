//! Cheap tests that tell a random key from a placeholder: Shannon entropy and obvious runs.

/// Shannon entropy of the bytes of `value`, in bits per byte (0 for an empty value).
pub fn shannon(value: &[u8]) -> f64 {
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &byte in value {
        counts[usize::from(byte)] += 1;
    }
    let total = value.len() as f64;
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = f64::from(count) / total;
            -p * p.log2()
        })
        .sum()
}

/// A run of 6 ascending characters (`123456`, `abcdef`), 6 neighbouring keys of a keyboard row
/// (`qwerty`, `ASDFGH`) or 5 identical characters (`xxxxx`, `00000`): typed by a person, not
/// drawn at random (a random 40-character key has about one chance in a million of any).
pub fn looks_like_placeholder(value: &[u8]) -> bool {
    const KEYBOARD_ROWS: [&[u8]; 3] = [b"qwertyuiop", b"asdfghjkl", b"zxcvbnm"];
    let lower = value.to_ascii_lowercase();
    let keyboard_walk = KEYBOARD_ROWS
        .iter()
        .flat_map(|row| row.windows(6))
        .any(|walk| lower.windows(walk.len()).any(|part| part == walk));
    if keyboard_walk {
        return true;
    }
    let mut ascending = 1;
    let mut identical = 1;
    for pair in value.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        ascending = if a.is_ascii_alphanumeric() && b == a.wrapping_add(1) { ascending + 1 } else { 1 };
        identical = if a == b { identical + 1 } else { 1 };
        if ascending >= 6 || identical >= 5 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(shannon(b""), 0.0);
        assert_eq!(shannon(b"aaaa"), 0.0);
        assert!((shannon(b"abab") - 1.0).abs() < 1e-9);
        assert!((shannon(b"0123456789abcdef") - 4.0).abs() < 1e-9);
        // Hex digests never reach more than 4 bits per character.
        assert!(shannon(b"da39a3ee5e6b4b0d3255bfef95601890afd80709") <= 4.0);
    }

    #[test]
    fn placeholders_are_runs() {
        assert!(looks_like_placeholder(b"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
        assert!(looks_like_placeholder(b"pul-1234567890abcdef1234567890abcdef12345678"));
        assert!(looks_like_placeholder(b"AKIAABCDEFGHIJKLMNOP"));
        assert!(looks_like_placeholder(b"AKIAQWERTYUIOPASDFGH"));
        assert!(looks_like_placeholder(b"secret-zxcvbnm-42"));
        assert!(!looks_like_placeholder(b"Zq3vT9mPx2LwK7rB"));
        // Two ascending pairs are common in random text; only long runs count.
        assert!(!looks_like_placeholder(b"ab9xy0cd"));
    }
}
