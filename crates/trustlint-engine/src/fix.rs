//! `trustlint check --fix`: apply the safe fixes of a run's findings to the files on disk. Per
//! file, fixes are taken in finding order and a fix whose edits overlap an accepted one is left
//! out whole (it is still reported, and a second `--fix` run picks it up once the first edits
//! are in place); the accepted edits are applied last to first so earlier offsets stay valid.
//! A file that changed on disk since it was read is not touched, and only regular files inside
//! the checked paths with a single name are: a symbolic link or a hard link would carry the edit
//! into a file elsewhere (outside the repository, or one the user never asked to change).
//!
//! Before any of that, [`settle_fixes`] checks the fixes rules offer with a postcondition: each
//! file they edit is edited in memory and analysed again, once for all its fixes where they fit
//! together, and a fix whose condition does not hold is dropped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use trustlint_core::fix::{fits, overlaps};
use trustlint_core::{Finding, Fix, SourceFile, TextEdit, apply_edits};
use trustlint_frontends::inputs;
use trustlint_frontends::pulumi::{Siblings, Surroundings};
use trustlint_rules::fix::Reanalysed;

/// Check the postcondition of every fix that has one, and drop the fixes whose condition does not
/// hold (a kept fix loses its condition: it is checked). With `enabled` false (fixes neither
/// applied nor shown) nothing is analysed and such fixes are dropped unchecked. `reanalyse` reads
/// an edited file with its frontend; it is called once per file whose fixes fit together, and
/// once more for each fix that overlaps another or fails only beside the others.
pub fn settle_fixes(
    findings: &mut [Finding],
    enabled: bool,
    reanalyse: &(dyn Fn(&Arc<SourceFile>) -> Reanalysed + Sync),
) {
    let unchecked = |finding: &Finding| finding.fix.as_ref().is_some_and(|fix| fix.postcondition.is_some());
    let mut by_file: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, finding) in findings.iter().enumerate().filter(|(_, finding)| unchecked(finding)) {
        let file = finding.fix.as_ref().map_or("", |fix| fix.file.path());
        by_file.entry(file).or_default().push(index);
    }
    let verdicts: Vec<(usize, bool)> = if enabled {
        let groups: Vec<Vec<(usize, &Fix)>> = by_file
            .into_values()
            .map(|indices| indices.into_iter().filter_map(|i| Some((i, findings[i].fix.as_ref()?))).collect())
            .collect();
        groups.par_iter().flat_map_iter(|fixes| settle_file(fixes, reanalyse)).collect()
    } else {
        by_file.into_values().flatten().map(|index| (index, false)).collect()
    };
    for (index, holds) in verdicts {
        let finding = &mut findings[index];
        match (holds, finding.fix.as_mut()) {
            (true, Some(fix)) => fix.postcondition = None,
            _ => finding.fix = None,
        }
    }
}

/// Whether each fix of one file holds: all that fit together are applied and checked on one
/// analysis; a fix that overlaps them, or fails only beside them, is checked alone.
fn settle_file(
    fixes: &[(usize, &Fix)],
    reanalyse: &(dyn Fn(&Arc<SourceFile>) -> Reanalysed + Sync),
) -> Vec<(usize, bool)> {
    let Some(&(_, first)) = fixes.first() else { return Vec::new() };
    let file = &first.file;
    let mut together: Vec<(usize, &Fix)> = Vec::new();
    let mut alone: Vec<(usize, &Fix)> = Vec::new();
    let mut edits: Vec<TextEdit> = Vec::new();
    for &(index, fix) in fixes {
        // The same fix offered by two findings is checked once.
        let repeated = together.iter().any(|(_, other)| other.edits == fix.edits);
        let clash = fix.edits.iter().any(|a| edits.iter().any(|b| overlaps(a.span, b.span)));
        if repeated {
            together.push((index, fix));
        } else if clash {
            alone.push((index, fix));
        } else {
            edits.extend(fix.edits.iter().cloned());
            together.push((index, fix));
        }
    }
    let holds = |fixes: &[(usize, &Fix)], edits: Vec<TextEdit>| -> Vec<bool> {
        let Some(text) = apply_edits(file.text(), &edits) else { return vec![false; fixes.len()] };
        let after = Reanalysed { edits, ..reanalyse(&SourceFile::new(file.path(), text)) };
        fixes
            .iter()
            .map(|(_, fix)| fix.postcondition.as_ref().is_some_and(|check| check.holds(&after)))
            .collect()
    };
    let mut verdicts = Vec::new();
    let several = together.len() > 1;
    for (&(index, fix), held) in together.iter().zip(holds(&together, edits)) {
        if held || !several {
            verdicts.push((index, held));
        } else {
            alone.push((index, fix));
        }
    }
    for (index, fix) in alone {
        verdicts.push((index, holds(&[(index, fix)], fix.edits.clone())[0]));
    }
    verdicts
}

/// The analysis of an edited file, by the frontend its path and new text call for; `disk_path`
/// is where the original was read (a Pulumi program reads its stack files next to it).
pub(crate) fn reanalyse(file: &Arc<SourceFile>, disk_path: &Path, surroundings: &Surroundings) -> Reanalysed {
    let input = inputs::path_class(file.path()).and_then(|class| inputs::recognise(class, file.text()));
    let analysis = input
        .and_then(|input| inputs::analyze(file, input, &Siblings::of(Some(disk_path), surroundings)))
        .unwrap_or_default();
    Reanalysed {
        facts: analysis.facts,
        problems: analysis.problems.len(),
        comments: analysis.comments.len(),
        edits: Vec::new(),
    }
}

/// What `--fix` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FixOutcome {
    /// Fixes applied.
    pub applied: usize,
    /// Files written, as shown in reports, sorted.
    pub files: Vec<String>,
    /// Fixes or files left alone, and why.
    pub notes: Vec<String>,
}

/// Apply the safe fixes of findings that are not suppressed. `root` is the folder report paths
/// are relative to (absolute paths stay as they are); `checked` are the files and folders the run
/// checked, and only files inside them are written.
pub fn apply_safe_fixes(root: &Path, checked: &[PathBuf], findings: &[Finding]) -> FixOutcome {
    let checked: Vec<PathBuf> = checked.iter().filter_map(|path| path.canonicalize().ok()).collect();
    let mut by_file: BTreeMap<String, (Arc<SourceFile>, Vec<&Fix>)> = BTreeMap::new();
    for fix in findings.iter().filter(|f| f.suppression.is_none()).filter_map(|f| f.fix.as_ref()) {
        if fix.safe {
            let (_, fixes) = by_file
                .entry(fix.file.path().to_string())
                .or_insert_with(|| (Arc::clone(&fix.file), Vec::new()));
            fixes.push(fix);
        }
    }
    let mut outcome = FixOutcome::default();
    for (display, (file, fixes)) in by_file {
        let (edits, applied, mut notes) = select_edits(&file, &fixes);
        outcome.notes.append(&mut notes);
        if edits.is_empty() {
            continue;
        }
        let Some(text) = apply_edits(file.text(), &edits) else {
            outcome.notes.push(format!("did not fix {display}: the edits do not fit the file"));
            continue;
        };
        let path = root.join(&display);
        if let Err(reason) = writable(&path, &checked) {
            outcome.notes.push(format!("did not fix {display}: {reason}"));
            continue;
        }
        // Read no more than the checked text: a longer file has changed.
        match trustlint_core::read::read_text(&path, file.text().len() as u64) {
            Ok(current) if current == file.text() => {}
            Ok(_) | Err(trustlint_core::read::ReadError::TooLarge { .. }) => {
                outcome.notes.push(format!("did not fix {display}: it changed since it was checked"));
                continue;
            }
            Err(e) => {
                outcome.notes.push(format!("did not fix {display}: cannot read it: {e}"));
                continue;
            }
        }
        match crate::write::write_atomically(&path, text.as_bytes()) {
            Ok(()) => {
                outcome.applied += applied;
                outcome.files.push(display);
            }
            Err(e) => outcome.notes.push(format!("did not fix {display}: cannot write it: {e}")),
        }
    }
    outcome
}

/// Why `path` must not be written by `--fix`, if it must not.
fn writable(path: &Path, checked: &[PathBuf]) -> Result<(), String> {
    let metadata = std::fs::symlink_metadata(path).map_err(|e| format!("cannot read it: {e}"))?;
    if metadata.file_type().is_symlink() {
        return Err("it is a symbolic link; fix the file it points to directly".to_string());
    }
    if !metadata.is_file() {
        return Err("it is not a regular file".to_string());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if metadata.nlink() > 1 {
            return Err(format!(
                "it has {} hard links, and the edit would change the file under its other names too",
                metadata.nlink()
            ));
        }
    }
    // A folder on the way may be a link out of the checked tree.
    let real = path.canonicalize().map_err(|e| format!("cannot read it: {e}"))?;
    if !checked.iter().any(|inside| real.starts_with(inside)) {
        return Err(format!("it is at {}, outside the checked paths", real.display()));
    }
    Ok(())
}

/// The edits of the fixes that fit together, how many fixes that is, and notes on the others.
fn select_edits(file: &SourceFile, fixes: &[&Fix]) -> (Vec<TextEdit>, usize, Vec<String>) {
    let text = file.text();
    let mut accepted: Vec<TextEdit> = Vec::new();
    let mut applied = 0;
    let mut notes = Vec::new();
    for fix in fixes {
        let in_text = fix.edits.iter().all(|edit| fits(text, edit));
        let own_overlap = fix
            .edits
            .iter()
            .enumerate()
            .any(|(i, a)| fix.edits[i + 1..].iter().any(|b| overlaps(a.span, b.span)));
        let clash = fix.edits.iter().any(|a| accepted.iter().any(|b| overlaps(a.span, b.span)));
        if !in_text || own_overlap {
            notes.push(format!(
                "did not apply \"{}\" to {}: its edits are malformed",
                fix.description,
                file.path()
            ));
        } else if clash {
            notes.push(format!(
                "did not apply \"{}\" to {}: it overlaps another fix; run `--fix` again",
                fix.description,
                file.path()
            ));
        } else {
            accepted.extend(fix.edits.iter().cloned());
            applied += 1;
        }
    }
    (accepted, applied, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustlint_core::{Location, Severity, Span, Suppression, SuppressionKind};

    fn edit(start: usize, end: usize, replacement: &str) -> TextEdit {
        TextEdit { span: Span::new(start, end), replacement: replacement.into() }
    }

    fn finding(file: &Arc<SourceFile>, safe: bool, edits: Vec<TextEdit>) -> Finding {
        Finding::new("r", Severity::Medium, Location::new(file, Span::new(0, 1)), "m").with_fix(Fix {
            description: "d".into(),
            safe,
            file: Arc::clone(file),
            edits,
            postcondition: None,
        })
    }

    /// Findings in one workflow whose fixes' conditions say whether they hold, and how many
    /// analyses checking them took.
    fn settle(conditions: &[(Vec<TextEdit>, bool)], enabled: bool) -> (Vec<Option<Fix>>, usize) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use trustlint_rules::fix::checked_fix;
        let file = SourceFile::new(".github/workflows/ci.yml", "on: push\njobs: {}\n");
        let mut findings: Vec<Finding> = conditions
            .iter()
            .map(|(edits, holds)| {
                let holds = *holds;
                let fix = checked_fix("d", true, &file, edits.clone(), move |after: &Reanalysed| {
                    holds && after.problems == 0 && after.facts.workflows.len() == 1
                });
                Finding::new("r", Severity::Medium, Location::new(&file, Span::new(0, 1)), "m").with_fix(fix)
            })
            .collect();
        let analyses = AtomicUsize::new(0);
        settle_fixes(&mut findings, enabled, &|file| {
            analyses.fetch_add(1, Ordering::Relaxed);
            reanalyse(file, Path::new(file.path()), &Surroundings::default())
        });
        (findings.into_iter().map(|f| f.fix).collect(), analyses.into_inner())
    }

    #[test]
    fn fixes_are_kept_only_when_their_condition_holds_after_one_analysis_of_the_file() {
        let (kept, analyses) =
            settle(&[(vec![edit(0, 0, "# a\n")], true), (vec![edit(9, 9, "# b\n")], true)], true);
        assert_eq!(analyses, 1);
        assert!(kept.iter().all(|fix| fix.as_ref().is_some_and(|fix| fix.postcondition.is_none())));

        // A failing condition drops its fix; the other is checked again alone, and kept.
        let (kept, analyses) =
            settle(&[(vec![edit(0, 0, "# a\n")], false), (vec![edit(9, 9, "# b\n")], true)], true);
        assert_eq!(analyses, 2);
        assert!(kept[0].is_none() && kept[1].is_some());

        // Edits that break the file fail the condition too.
        let (kept, _) = settle(&[(vec![edit(0, 2, "{")], true)], true);
        assert!(kept[0].is_none());

        // Fixes neither applied nor shown: nothing analysed, nothing unchecked offered.
        let (kept, analyses) = settle(&[(vec![edit(0, 0, "# a\n")], true)], false);
        assert_eq!((analyses, kept[0].is_none()), (0, true));
    }

    #[test]
    fn offsets_move_with_the_edits_before_them() {
        // An insertion pushes what starts there; an offset inside a replaced range goes to its start.
        let after = Reanalysed {
            edits: vec![edit(2, 4, "xyz"), edit(10, 10, "++"), edit(20, 25, "")],
            ..Reanalysed::default()
        };
        assert_eq!(
            [0, 2, 3, 4, 10, 12, 22, 30].map(|offset| after.moved(offset)),
            [0, 2, 2, 5, 13, 15, 23, 28]
        );
    }

    #[test]
    fn applies_safe_unsuppressed_non_overlapping_fixes_and_writes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("w.yml"), "one two three\n").unwrap();
        let file = SourceFile::new("w.yml", "one two three\n");
        let mut suppressed = finding(&file, true, vec![edit(0, 3, "ONE")]);
        suppressed.suppression =
            Some(Suppression { kind: SuppressionKind::InSource, justification: "ok".into() });
        let findings = vec![
            finding(&file, true, vec![edit(4, 7, "TWO")]),
            // Overlaps the first one: left for a second run.
            finding(&file, true, vec![edit(5, 6, "W")]),
            finding(&file, false, vec![edit(8, 13, "THREE")]),
            suppressed,
        ];
        let outcome = apply_safe_fixes(dir.path(), &[dir.path().to_path_buf()], &findings);
        assert_eq!(outcome.applied, 1);
        assert_eq!(outcome.files, ["w.yml"]);
        assert_eq!(outcome.notes.len(), 1, "{:?}", outcome.notes);
        assert!(outcome.notes[0].contains("overlaps"));
        assert_eq!(std::fs::read_to_string(dir.path().join("w.yml")).unwrap(), "one TWO three\n");
    }

    #[test]
    fn files_changed_since_the_check_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("w.yml"), "edited meanwhile\n").unwrap();
        let file = SourceFile::new("w.yml", "one two three\n");
        let outcome = apply_safe_fixes(
            dir.path(),
            &[dir.path().to_path_buf()],
            &[finding(&file, true, vec![edit(0, 3, "ONE")])],
        );
        assert_eq!(outcome.applied, 0);
        assert!(outcome.notes[0].contains("changed since"));
        assert_eq!(std::fs::read_to_string(dir.path().join("w.yml")).unwrap(), "edited meanwhile\n");
    }

    #[cfg(unix)]
    #[test]
    fn links_and_files_outside_the_checked_paths_are_left_alone() {
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let original = "one two\n";
        let victim = outside.path().join("victim.yml");
        std::fs::write(&victim, original).unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("link.yml")).unwrap();
        std::fs::hard_link(&victim, dir.path().join("hard.yml")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("folder")).unwrap();
        std::fs::write(outside.path().join("through.yml"), original).unwrap();
        let mut notes = Vec::new();
        for name in ["link.yml", "hard.yml", "folder/through.yml"] {
            let file = SourceFile::new(name, original);
            let fix = finding(&file, true, vec![edit(0, 3, "ONE")]);
            let outcome = apply_safe_fixes(dir.path(), &[dir.path().to_path_buf()], &[fix]);
            assert_eq!(outcome.applied, 0, "{name}: {:?}", outcome.notes);
            notes.extend(outcome.notes);
        }
        assert!(notes[0].contains("symbolic link"), "{notes:?}");
        assert!(notes[1].contains("2 hard links"), "{notes:?}");
        assert!(notes[2].contains("outside the checked paths"), "{notes:?}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), original);
        assert_eq!(std::fs::read_to_string(outside.path().join("through.yml")).unwrap(), original);
    }
}
