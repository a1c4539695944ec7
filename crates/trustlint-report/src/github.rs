//! GitHub Actions workflow commands: one annotation per visible finding,
//! `::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=RULE (SEVERITY)::MESSAGE`.
//!
//! `error` for critical and high, `warning` for medium and low, `notice` for info and for
//! suppressed findings (shown only with `show_suppressed`). Columns are 1-based UTF-16 code units,
//! as in SARIF. Run notes become `::notice title=trustlint::NOTE`.

use std::io::{self, Write};

use trustlint_core::terminal::escape_controls;
use trustlint_core::{ColumnUnit, Finding};

use crate::common::{Secrets, is_visible};
use crate::{RenderOptions, Report};

pub(crate) fn render_to(report: &Report<'_>, options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let secrets = Secrets::collect(report.findings);
    for finding in report.findings.iter().filter(|f| is_visible(f, options)) {
        writeln!(out, "{}", annotation(finding, &secrets))?;
    }
    for note in report.notes {
        writeln!(out, "::notice title=trustlint::{}", escape_data(&secrets.scrub(note)))?;
    }
    Ok(())
}

fn annotation(finding: &Finding, secrets: &Secrets) -> String {
    let file = &finding.primary.file;
    let start = file.position(finding.primary.span.start, ColumnUnit::Utf16);
    let end = file.position(finding.primary.span.end.max(finding.primary.span.start), ColumnUnit::Utf16);
    let (command, title) = if finding.suppression.is_some() {
        ("notice", format!("{} ({}, suppressed)", finding.rule, finding.severity))
    } else {
        let command = match finding.severity.sarif_level() {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        (command, format!("{} ({})", finding.rule, finding.severity))
    };
    let mut message = finding.message.trim().to_string();
    if !finding.help.trim().is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(finding.help.trim());
    }
    format!(
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(finding.primary.path()),
        start.line,
        start.column,
        end.line,
        end.column,
        escape_property(&title),
        escape_data(&secrets.scrub(&message)),
    )
}

/// Escaping of a command's message (after `::`); other control characters (ANSI, OSC) are
/// written as visible escapes, so a value cannot restyle or rewrite the log.
pub(crate) fn escape_data(text: &str) -> String {
    escape_controls(&text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")).into_owned()
}

/// Escaping of a property value (`file=`, `title=`): the data escapes plus `:` and `,`.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_actions_toolkit() {
        assert_eq!(escape_data("100% sure\r\nnext: a,b"), "100%25 sure%0D%0Anext: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
