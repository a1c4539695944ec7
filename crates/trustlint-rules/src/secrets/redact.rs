//! Redaction of free text that may quote a file: error messages, configuration errors, baseline
//! messages. Findings mask the credentials of their file; text that leaves trustlint any other
//! way goes through here, so it gets the same treatment: every credential the scan recognises in
//! the text, and every credential known from the file it quotes (some kinds need a key name
//! nearby that a short quote lacks), becomes its redacted form. Quotes are cut only after that,
//! so a cut can never leave the part of a credential that no longer looks like one.

use std::collections::HashMap;

use trustlint_core::redact::{redact, redact_all};

use super::scanner::credential_spans;

/// How many characters of a file an error message quotes at most (`unexpected `...``).
pub const QUOTE_CHARS: usize = 30;

/// Shorter known values are not searched for in free text: replacing every occurrence of a short
/// string would mangle messages (the same threshold as the reports use).
const MIN_KNOWN_LEN: usize = 8;

/// `text` with every credential in it redacted: those the scan finds in `text` itself, and each
/// of `known` (credential values of the file `text` quotes).
pub fn redact_credentials(text: &str, known: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for span in credential_spans(text) {
        if span.start < done {
            continue;
        }
        out.push_str(&text[done..span.start]);
        out.push_str(&redact(&text[span.start..span.end]));
        done = span.end;
    }
    out.push_str(&text[done..]);
    let mut known: Vec<&str> = known.iter().copied().filter(|value| value.len() >= MIN_KNOWN_LEN).collect();
    // Longest first, so a value that contains another goes whole.
    known.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    known.dedup();
    redact_all(&out, &known)
}

/// `text` redacted (see [`redact_credentials`]), then cut to `max_chars` characters, with `…`
/// where it was cut.
pub fn excerpt(text: &str, known: &[&str], max_chars: usize) -> String {
    cut(&redact_credentials(text, known), max_chars)
}

/// A quote that holds at least this many characters of a known credential, but not all of it (the
/// parser stopped inside it), shows that piece redacted too: the redacted form itself shows four.
const MIN_FRAGMENT_BYTES: usize = 5;

/// `message` redacted as a whole, then each part between backticks (a quote of the file) cleared
/// of pieces of known credentials and cut to `max_chars` characters.
pub fn redact_quotes(message: &str, known: &[&str], max_chars: usize) -> String {
    let redacted = redact_credentials(message, known);
    let fragments = Fragments::of(known);
    let mut out = String::with_capacity(redacted.len());
    for (index, part) in redacted.split('`').enumerate() {
        if index > 0 {
            out.push('`');
        }
        // Odd parts are inside backticks.
        if index % 2 == 1 {
            let part = fragments.redact(part);
            match part.char_indices().nth(max_chars) {
                Some((at, _)) => out.push_str(&part[..at]),
                None => out.push_str(&part),
            }
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The known credentials, indexed by every run of [`MIN_FRAGMENT_BYTES`] bytes in them, so that a
/// quote is searched in one pass however many there are.
struct Fragments<'a> {
    values: Vec<&'a str>,
    by_window: HashMap<&'a [u8], Vec<usize>>,
}

impl<'a> Fragments<'a> {
    fn of(known: &[&'a str]) -> Self {
        let values: Vec<&str> = known.iter().copied().filter(|v| v.len() >= MIN_FRAGMENT_BYTES).collect();
        let mut by_window: HashMap<&[u8], Vec<usize>> = HashMap::new();
        for (index, value) in values.iter().enumerate() {
            for window in value.as_bytes().windows(MIN_FRAGMENT_BYTES) {
                let indexes = by_window.entry(window).or_default();
                if indexes.last() != Some(&index) {
                    indexes.push(index);
                }
            }
        }
        Fragments { values, by_window }
    }

    /// `quote` with each run of a known credential's text (of at least [`MIN_FRAGMENT_BYTES`])
    /// replaced by that credential's redacted form.
    fn redact(&self, quote: &str) -> String {
        if self.by_window.is_empty() {
            return quote.to_string();
        }
        let bytes = quote.as_bytes();
        let mut out = String::with_capacity(quote.len());
        let mut done = 0;
        let mut at = 0;
        while at + MIN_FRAGMENT_BYTES <= bytes.len() {
            let longest = self
                .by_window
                .get(&bytes[at..at + MIN_FRAGMENT_BYTES])
                .into_iter()
                .flatten()
                .map(|&index| (common_run(&bytes[at..], self.values[index].as_bytes()), index))
                .max();
            match longest {
                Some((len, index)) if quote.is_char_boundary(at) && quote.is_char_boundary(at + len) => {
                    out.push_str(&quote[done..at]);
                    out.push_str(&redact(self.values[index]));
                    at += len;
                    done = at;
                }
                _ => at += 1,
            }
        }
        out.push_str(&quote[done..]);
        out
    }
}

/// The longest prefix of `text` found anywhere in `value`.
fn common_run(text: &[u8], value: &[u8]) -> usize {
    (0..value.len())
        .map(|start| text.iter().zip(&value[start..]).take_while(|(a, b)| a == b).count())
        .max()
        .unwrap_or(0)
}

fn cut(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GitHub token assembled at run time, so this file holds none.
    fn token() -> String {
        format!("ghp_{}", "Zq3vT9mPx2LwK7rBc8Hn4YdJ6sFa1GuE0123")
    }

    #[test]
    fn redacts_what_the_scan_finds_and_what_is_known() {
        let text = format!("token {} and password hunter2-is-long here", token());
        let out = redact_credentials(&text, &["hunter2-is-long", "short"]);
        assert_eq!(out, "token ghp_…(40 chars) and password hunt…(15 chars) here");
    }

    #[test]
    fn quotes_are_cut_after_redaction() {
        // Cut first, 26 characters of the token would stay and no longer look like one.
        let message = format!("unexpected `TOKEN={} # more text here`; at line 2", token());
        let out = redact_quotes(&message, &[], 12);
        assert_eq!(out, "unexpected `TOKEN=ghp_…(`; at line 2");
        assert!(!out.contains(&token()[4..12]), "{out}");
        // The parser stopped inside a credential known from the file: its piece is redacted.
        let token = token();
        let message = format!("unexpected `k: {}`", &token[..9]);
        assert_eq!(redact_quotes(&message, &[&token], 30), "unexpected `k: ghp_…(40 chars)`");
        let message = format!("unexpected `{}`", &token[20..]);
        assert_eq!(redact_quotes(&message, &[&token], 30), "unexpected `ghp_…(40 chars)`");
        assert_eq!(excerpt("abcdef", &[], 3), "abc…");
        assert_eq!(excerpt("abc", &[], 3), "abc");
    }
}
