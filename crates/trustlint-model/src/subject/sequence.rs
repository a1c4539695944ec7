//! Subjects made of fixed fields in a fixed order (`organization:ORG:project:PROJ:...`): read
//! them field by field and say where the wildcard cuts in.

use super::pattern::{Keyword, Outside, Pattern, Reader, Value};

/// One field of a fixed-order subject.
pub(super) struct Field {
    /// The text before the value (`:project:`).
    pub lead: &'static str,
    /// What ends the value; empty when it runs to the end of the subject.
    pub stop: &'static str,
    /// What the value is, for messages ("project name").
    pub name: &'static str,
    /// Checks a whole value (`true`) or the part typed before a wildcard (`false`); the error
    /// describes the rule ("letters, digits, `-` and `_`").
    pub check: fn(&str, bool) -> Result<(), &'static str>,
}

/// A subject read field by field.
pub(super) struct Walk<'a> {
    /// The values written out in full, in field order.
    pub values: Vec<&'a str>,
    /// Where the wildcard starts: the index of the field it cuts (the number of fields when it
    /// comes after all of them) and what is typed of that field. `None` for exact subjects.
    pub cut: Option<(usize, Value<'a>)>,
}

/// Reads `pattern` as `fields`; the fields from `required` on may be left out together.
pub(super) fn walk<'a>(
    pattern: Pattern<'a>,
    fields: &[Field],
    required: usize,
    grammar: &str,
) -> Result<Walk<'a>, Outside> {
    let mut reader = Reader::new(pattern);
    let mut values = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        if index >= required && reader.at_end() {
            return Ok(Walk { values, cut: None });
        }
        match reader.keyword(field.lead) {
            Keyword::Matched => {}
            // The wildcard swallows the lead, so nothing of this field is pinned.
            Keyword::Cut => return Ok(Walk { values, cut: Some((index, Value::OPEN)) }),
            Keyword::Absent if reader.rest().is_empty() => {
                return Err(Outside::new(format!(
                    "`{}` stops before `{}`: {grammar} subjects always go on with it",
                    pattern.full, field.lead
                )));
            }
            Keyword::Absent => {
                return Err(Outside::new(format!(
                    "{grammar} subjects have `{}` here, not `{}`",
                    field.lead,
                    reader.rest()
                )));
            }
        }
        let value = reader.value_until(field.stop);
        if let Err(rule) = (field.check)(value.typed(), value.is_exact()) {
            return Err(Outside::new(format!("`{}` is not a valid {}: {rule}", value.typed(), field.name)));
        }
        match value {
            Value::Exact(text) => values.push(text),
            Value::Partial { .. } => return Ok(Walk { values, cut: Some((index, value)) }),
        }
    }
    if reader.at_cut() {
        return Ok(Walk { values, cut: Some((fields.len(), Value::OPEN)) });
    }
    if !reader.at_end() {
        return Err(Outside::new(format!(
            "`{}` goes on after the last field of a {grammar} subject",
            reader.rest()
        )));
    }
    Ok(Walk { values, cut: None })
}

/// Letters, digits, `-`, `_` and `.` (organization, project, stack and pipeline names).
pub(super) fn name(text: &str, complete: bool) -> Result<(), &'static str> {
    let fine = (!complete || !text.is_empty())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if fine { Ok(()) } else { Err("only letters, digits, `-`, `_` and `.`") }
}

/// Anything but `:` (HCP Terraform project names may hold spaces: `Default Project`).
pub(super) fn text(text: &str, complete: bool) -> Result<(), &'static str> {
    if complete && text.is_empty() { Err("it is empty") } else { Ok(()) }
}

/// Lower-case letters, digits and `-` (a Kubernetes namespace: an RFC 1123 label).
pub(super) fn dns_label(text: &str, complete: bool) -> Result<(), &'static str> {
    let fine = (!complete || !text.is_empty())
        && text.len() <= 63
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if fine { Ok(()) } else { Err("only lower-case letters, digits and `-`, at most 63") }
}

/// Lower-case letters, digits, `-` and `.` (a service-account name: an RFC 1123 subdomain).
pub(super) fn dns_subdomain(text: &str, complete: bool) -> Result<(), &'static str> {
    let fine = (!complete || !text.is_empty())
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'));
    if fine { Ok(()) } else { Err("only lower-case letters, digits, `-` and `.`") }
}

/// A UUID (`0e4f7c6b-aaaa-bbbb-cccc-1234567890ab`), or the start of one.
pub(super) fn uuid(text: &str, complete: bool) -> Result<(), &'static str> {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    let fine = groups.len() <= lengths.len()
        && groups.iter().enumerate().all(|(index, group)| {
            let last_typed = !complete && index + 1 == groups.len();
            group.bytes().all(|b| b.is_ascii_hexdigit())
                && if last_typed { group.len() <= lengths[index] } else { group.len() == lengths[index] }
        })
        && (!complete || groups.len() == lengths.len());
    if fine { Ok(()) } else { Err("a UUID is 8-4-4-4-12 hexadecimal digits") }
}

/// Hexadecimal digits (a commit SHA).
pub(super) fn hex(text: &str, complete: bool) -> Result<(), &'static str> {
    let fine = (!complete || !text.is_empty()) && text.bytes().all(|b| b.is_ascii_hexdigit());
    if fine { Ok(()) } else { Err("a commit SHA is hexadecimal") }
}

/// True when `text` is one of `choices`, or (typed before a wildcard) the start of one.
pub(super) fn one_of(text: &str, complete: bool, choices: &[&str]) -> bool {
    choices.iter().any(|choice| if complete { *choice == text } else { choice.starts_with(text) })
}
