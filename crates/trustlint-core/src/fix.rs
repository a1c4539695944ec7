//! Fixes: the text edits a rule proposes, the condition the edited file must meet, and the one
//! function that applies edits to a text (used by `--fix`, by fix verification and by the
//! language server).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::source::{SourceFile, Span};

/// One replacement of a byte range in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub span: Span,
    pub replacement: String,
}

/// A fix a rule proposes. Only `safe` fixes are applied by `trustlint check --fix`.
#[derive(Clone, Debug)]
pub struct Fix {
    pub description: String,
    pub safe: bool,
    pub file: Arc<SourceFile>,
    pub edits: Vec<TextEdit>,
    /// What must hold once the file is edited and analysed again; the engine checks it (only
    /// when fixes are applied or shown) and drops the fix when it does not hold. `None`: nothing
    /// to check, or already checked.
    pub postcondition: Option<Postcondition>,
}

/// A check of the edited file's analysis. The analysis type belongs to the crates above this one
/// (rules build the check, the engine runs the frontend), so it is passed as `Any`.
#[derive(Clone)]
pub struct Postcondition(Arc<Check>);

type Check = dyn Fn(&dyn Any) -> bool + Send + Sync;

impl Postcondition {
    pub fn new(check: impl Fn(&dyn Any) -> bool + Send + Sync + 'static) -> Self {
        Postcondition(Arc::new(check))
    }

    pub fn holds(&self, reanalysed: &dyn Any) -> bool {
        (self.0)(reanalysed)
    }
}

impl fmt::Debug for Postcondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Postcondition")
    }
}

/// Two edits conflict when their ranges intersect, or when one inserts where the other starts
/// (their order would be ambiguous).
pub fn overlaps(a: Span, b: Span) -> bool {
    (a.start < b.end && b.start < a.end) || (a.start == b.start && (a.is_empty() || b.is_empty()))
}

/// True when `edit` replaces a range of `text` that exists and starts and ends on characters.
pub fn fits(text: &str, edit: &TextEdit) -> bool {
    let span = edit.span;
    span.start <= span.end
        && span.end <= text.len()
        && text.is_char_boundary(span.start)
        && text.is_char_boundary(span.end)
}

/// `text` with `edits` applied (in any order given); `None` if they overlap or fall outside the
/// text.
pub fn apply_edits(text: &str, edits: &[TextEdit]) -> Option<String> {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.span.start, edit.span.end));
    if sorted.windows(2).any(|pair| overlaps(pair[0].span, pair[1].span))
        || !sorted.iter().all(|edit| fits(text, edit))
    {
        return None;
    }
    let grown: usize = sorted.iter().map(|edit| edit.replacement.len()).sum();
    let mut out = String::with_capacity(text.len() + grown);
    let mut copied = 0;
    for edit in sorted {
        out.push_str(&text[copied..edit.span.start]);
        out.push_str(&edit.replacement);
        copied = edit.span.end;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: usize, end: usize, replacement: &str) -> TextEdit {
        TextEdit { span: Span::new(start, end), replacement: replacement.into() }
    }

    #[test]
    fn edits_apply_in_any_order_and_must_not_overlap() {
        let text = "abc def ghi";
        let out = apply_edits(text, &[edit(8, 11, "GHI"), edit(0, 0, ">"), edit(4, 7, "")]).unwrap();
        assert_eq!(out, ">abc  GHI");
        assert_eq!(apply_edits(text, &[edit(0, 5, "x"), edit(4, 6, "y")]), None);
        assert_eq!(apply_edits(text, &[edit(2, 2, "x"), edit(2, 4, "y")]), None);
        assert_eq!(apply_edits(text, &[edit(9, 20, "x")]), None);
        assert_eq!(apply_edits("é", &[edit(1, 1, "x")]), None);
        // Touching ranges are fine.
        assert_eq!(apply_edits(text, &[edit(0, 3, "A"), edit(3, 4, "_")]).unwrap(), "A_def ghi");
    }
}
