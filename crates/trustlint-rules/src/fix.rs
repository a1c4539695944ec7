//! Fixes whose result is checked. A rule never parses: it returns the edits and a condition on
//! the edited file's analysis ([`Reanalysed`]); the engine applies the edits with
//! [`trustlint_core::apply_edits`], runs the file's frontend again (once per file, only when
//! fixes are applied or shown) and drops the fix when the condition fails.

use std::any::Any;
use std::sync::Arc;

use trustlint_core::{Fix, Postcondition, SourceFile, TextEdit};
use trustlint_model::Facts;

/// What the frontend reads in a file once its fixes are applied.
#[derive(Debug, Default)]
pub struct Reanalysed {
    pub facts: Facts,
    /// How many problems (parse errors, limits hit) the frontend met.
    pub problems: usize,
    /// How many comments the file holds.
    pub comments: usize,
    /// Every edit applied to the file, this fix's and the other fixes' of the same file, so a
    /// condition can find its places in the new text ([`Reanalysed::moved`]).
    pub edits: Vec<TextEdit>,
}

impl Reanalysed {
    /// Where a byte offset of the original text is in the edited text (an offset inside a
    /// replaced range goes to the range's start).
    pub fn moved(&self, offset: usize) -> usize {
        let (mut added, mut removed) = (0, 0);
        for edit in &self.edits {
            if edit.span.end <= offset {
                added += edit.replacement.len();
                removed += edit.span.len();
            } else if edit.span.start < offset {
                removed += offset - edit.span.start;
            }
        }
        offset + added - removed
    }
}

/// A fix that is offered only when `postcondition` holds on the edited file.
pub fn checked_fix(
    description: impl Into<String>,
    safe: bool,
    file: &Arc<SourceFile>,
    edits: Vec<TextEdit>,
    postcondition: impl Fn(&Reanalysed) -> bool + Send + Sync + 'static,
) -> Fix {
    Fix {
        description: description.into(),
        safe,
        file: Arc::clone(file),
        edits,
        postcondition: Some(Postcondition::new(move |after: &dyn Any| {
            after.downcast_ref::<Reanalysed>().is_some_and(&postcondition)
        })),
    }
}
