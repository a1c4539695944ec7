//! A login whose target is a Pulumi stack output: an earlier step reads the output and hands it
//! on, and the login reads it back. Only these written shapes count as evidence:
//!
//! - GitHub: `${{ steps.ID.outputs.KEY }}` where step `ID` is `pulumi/actions` (its outputs are
//!   the stack's outputs, `KEY` is the output) or a `run:` script that writes `KEY=…` to
//!   `$GITHUB_OUTPUT`; `${{ env.KEY }}` where an earlier step writes `KEY=…` to `$GITHUB_ENV`.
//! - GitLab: `$KEY` where an earlier script line assigns `KEY=…` (or `export KEY=…`).
//!
//! and the value written is `$(pulumi stack output NAME)`, `$(pulumi stack output --json | jq -r
//! .NAME)`, or a shell variable assigned one of those earlier in the same script. The directory
//! the command runs in (`working-directory:`, `work-dir:`, `cd DIR`, `--cwd DIR`) narrows which
//! program it reads.

use trustlint_core::Span;
use trustlint_model::workflow::{Job, Origin, Step, Value};
use trustlint_syntax::Node;

/// A login value that is a stack output of a Pulumi program in the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackOutputRef {
    /// The output's name (`deployRoleArn`).
    pub output: String,
    /// The program's directory, as a prefix of scan paths (`examples/app/infra/`), when the
    /// command says where it runs; else the repository root the workflow lives in.
    pub directory: String,
    /// In words: "step `stack` runs `pulumi stack output deployRoleArn`".
    pub evidence: String,
    /// The step or script line that reads the output.
    pub span: Span,
}

/// What a shell command reads: the output and the directory it runs in.
#[derive(Clone, Debug, PartialEq, Eq)]
struct StackRead {
    output: String,
    directory: Option<String>,
}

/// The repository root of a workflow or pipeline, as a scan path prefix: `examples/app/` for
/// `examples/app/.github/workflows/deploy.yml` or `examples/app/.gitlab-ci.yml`, else ``.
pub fn repository_root(path: &str) -> String {
    if let Some(at) = path.find(".github/workflows/") {
        return path[..at].to_string();
    }
    match path.rfind('/') {
        Some(at) => path[..=at].to_string(),
        None => String::new(),
    }
}

/// `a/b` joined under `base` (`infra/` + `../x` is not followed: only plain relative paths).
fn join(base: &str, directory: &str) -> Option<String> {
    let directory = directory.trim().trim_matches(['"', '\'']).trim_start_matches("./").trim_end_matches('/');
    if directory.starts_with('/') || directory.split('/').any(|part| part == ".." || part.contains('$')) {
        return None;
    }
    if directory.is_empty() || directory == "." {
        return Some(base.to_string());
    }
    Some(format!("{base}{directory}/"))
}

/// Whether a step can hand a stack output to a later login: the link pass keeps these steps
/// (and the logins) of a workflow, and no other.
pub fn may_read_stack(step: &Step) -> bool {
    step.uses.as_ref().is_some_and(|action| action.name() == "pulumi/actions")
        || step.run.as_ref().is_some_and(|run| run.text.contains("pulumi stack output"))
}

/// GitHub: the stack output a login input reads, from the steps before the login.
pub fn github_stack_output(
    value: &Value,
    job: &Job,
    login: usize,
    step_directory: &dyn Fn(usize) -> Option<String>,
    root: &str,
) -> Option<StackOutputRef> {
    let earlier = &job.steps[..login];
    match &value.origin {
        Origin::StepOutput(id) => {
            let key = reference_key(&value.text, &format!("steps.{id}.outputs."))?;
            let (index, step) =
                earlier.iter().enumerate().rev().find(|(_, s)| s.id.as_deref() == Some(id))?;
            if let Some(action) = &step.uses
                && action.name() == "pulumi/actions"
            {
                let work_dir = step.input("work-dir").map(|i| i.value.clone());
                let directory = match work_dir {
                    Some(dir) if dir.origin == Origin::Literal => join(root, &dir.text)?,
                    Some(_) => return None,
                    None => root.to_string(),
                };
                return Some(StackOutputRef {
                    evidence: format!("step `{id}` (pulumi/actions), whose outputs are the stack's outputs"),
                    output: key,
                    directory,
                    span: step.span,
                });
            }
            let script = step.run.as_ref()?;
            let read = written_read(&script.text, "GITHUB_OUTPUT", &key)?;
            github_ref(read, index, step, step_directory, root, format!("step `{id}`"))
        }
        Origin::Expression(text) => {
            let key = reference_key(text, "env.")?;
            if text.trim() != format!("${{{{ env.{key} }}}}") {
                return None;
            }
            earlier.iter().enumerate().rev().find_map(|(index, step)| {
                let read = written_read(&step.run.as_ref()?.text, "GITHUB_ENV", &key)?;
                github_ref(read, index, step, step_directory, root, step.short_label(index))
            })
        }
        _ => None,
    }
}

fn github_ref(
    read: StackRead,
    index: usize,
    step: &Step,
    step_directory: &dyn Fn(usize) -> Option<String>,
    root: &str,
    label: String,
) -> Option<StackOutputRef> {
    let base = match step_directory(index) {
        Some(dir) => join(root, &dir)?,
        None => root.to_string(),
    };
    let directory = match &read.directory {
        Some(dir) => join(&base, dir)?,
        None => base,
    };
    Some(StackOutputRef {
        evidence: format!("{label} runs `pulumi stack output` for `{}`", read.output),
        output: read.output,
        directory,
        span: step.span,
    })
}

/// GitLab: the stack output a `$KEY` value reads, from the script lines before `before`.
pub fn gitlab_stack_output(value: &Value, job: &Job, before: Span, root: &str) -> Option<StackOutputRef> {
    let Origin::Variable(key) = &value.origin else { return None };
    let lines: Vec<&Value> = job.scripts.iter().take_while(|line| line.span != before).collect();
    let script: String = lines.iter().map(|line| format!("{}\n", line.text)).collect();
    let assigned = assignment(&script, key)?;
    let read = stack_read(&assigned, &script)?;
    let line = lines.iter().rev().find(|line| assignment(&line.text, key).is_some())?;
    let directory = match &read.directory {
        Some(dir) => join(root, dir)?,
        None => root.to_string(),
    };
    Some(StackOutputRef {
        evidence: format!(
            "the script line that sets `{key}` runs `pulumi stack output` for `{}`",
            read.output
        ),
        output: read.output,
        directory,
        span: line.span,
    })
}

/// `KEY` in `${{ PREFIXKEY }}` (the first reference with that prefix).
fn reference_key(text: &str, prefix: &str) -> Option<String> {
    let at = text.find(prefix)?;
    let key: String = text[at + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    (!key.is_empty()).then_some(key)
}

/// The stack read behind `KEY=…` written to `$FILE` (`echo "KEY=…" >> "$GITHUB_OUTPUT"`).
fn written_read(script: &str, file: &str, key: &str) -> Option<StackRead> {
    script.lines().rev().find_map(|line| {
        let redirect = line.find(">>")?;
        if !line[redirect..].contains(file) {
            return None;
        }
        let written = &line[..redirect];
        let at = find_assignment(written, key)?;
        let value = written[at + key.len() + 1..].trim_end().trim_end_matches(['"', '\'']);
        stack_read(value, script)
    })
}

/// Where `KEY=` starts in `text`, as a whole word.
fn find_assignment(text: &str, key: &str) -> Option<usize> {
    let pattern = format!("{key}=");
    text.match_indices(&pattern)
        .map(|(at, _)| at)
        .find(|&at| at == 0 || text[..at].ends_with([' ', '"', '\'', '\t']))
}

/// The value a shell script assigns to `NAME` (`NAME=…`, `export NAME=…`), the last one.
fn assignment(script: &str, name: &str) -> Option<String> {
    script.lines().rev().find_map(|line| {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let value = line.strip_prefix(name)?.strip_prefix('=')?;
        Some(value.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// What `$(pulumi stack output …)` in `value` reads, following one shell variable
/// (`$ROLE`, `"$(echo "$OUTPUTS" | jq -r .x)"`) assigned earlier in `script`.
fn stack_read(value: &str, script: &str) -> Option<StackRead> {
    if let Some(read) = command_read(value, None) {
        return Some(read.with_directory_of(value, script));
    }
    let variable = shell_variable(value)?;
    let assigned = assignment(script, &variable)?;
    if !value.contains("jq") {
        // `$ROLE`: what ROLE holds.
        return command_read(&assigned, None).map(|read| read.with_directory_of(&assigned, script));
    }
    // `$(echo "$OUTPUTS" | jq -r .x)`: the jq filter here, the JSON from the assignment.
    let filter = jq_key(value)?;
    command_read(&assigned, Some(filter)).map(|read| read.with_directory_of(&assigned, script))
}

impl StackRead {
    /// The directory `cd DIR` sets before the command (on its line or a line of its own).
    fn with_directory_of(mut self, command: &str, script: &str) -> StackRead {
        if self.directory.is_none() {
            let before = &command[..command.find("pulumi stack output").unwrap_or(0)];
            // A `cd` on a line of its own before the line that reads the stack.
            let earlier = script.lines().take_while(|line| !line.contains("pulumi stack output"));
            self.directory =
                cd_target(before).or_else(|| earlier.filter_map(|line| cd_target(line.trim())).last());
        }
        self
    }
}

/// `cd DIR` (alone, or before `&&`/`;`).
fn cd_target(text: &str) -> Option<String> {
    let at = text.rfind("cd ")?;
    if at > 0 && !text[..at].ends_with([' ', '(', ';', '&']) {
        return None;
    }
    let dir = text[at + 3..].split(['&', ';', ')']).next()?.trim();
    (!dir.is_empty() && !dir.contains(' ')).then(|| dir.to_string())
}

/// The first `$NAME` / `${NAME}` in `text` (a `$(…)` is skipped).
fn shell_variable(text: &str) -> Option<String> {
    text.match_indices('$').find_map(|(at, _)| {
        let rest = &text[at + 1..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        (!name.is_empty()).then_some(name)
    })
}

/// `.NAME`, `'.NAME'`, `".NAME"`, `.["NAME"]` after `jq` (with `-r`/`--raw-output`).
fn jq_key(text: &str) -> Option<String> {
    let at = text.find("jq ")?;
    let filter = text[at + 3..]
        .split_whitespace()
        .find(|token| !token.starts_with('-'))?
        .trim_matches(['\'', '"', ')']);
    let key = filter.strip_prefix('.')?;
    let key = key.strip_prefix("[\"").and_then(|k| k.strip_suffix("\"]")).unwrap_or(key);
    let key = key.trim_matches('"');
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .then(|| key.to_string())
}

/// `pulumi stack output [flags] NAME`, or `pulumi stack output --json | jq -r .NAME` (the jq key
/// may come from where the JSON is used instead: `filter`).
fn command_read(text: &str, filter: Option<String>) -> Option<StackRead> {
    let at = text.find("pulumi stack output")?;
    let rest = &text[at + "pulumi stack output".len()..];
    let command = rest.split(['|', ')', ';', '&', '"', '\'']).next().unwrap_or(rest);
    let mut tokens = command.split_whitespace();
    let mut output = None;
    let mut json = false;
    let mut directory = None;
    while let Some(token) = tokens.next() {
        match token {
            "--json" | "-j" => json = true,
            "--cwd" | "-C" => directory = tokens.next().map(str::to_string),
            "--stack" | "-s" | "--config-file" | "--color" => {
                tokens.next();
            }
            flag if flag.starts_with("--cwd=") => directory = Some(flag["--cwd=".len()..].to_string()),
            flag if flag.starts_with('-') => {}
            name => {
                output.get_or_insert_with(|| name.to_string());
            }
        }
    }
    let output = match output {
        Some(name) => name,
        None if json => {
            let piped = &rest[command.len()..];
            filter.or_else(|| piped.starts_with('|').then(|| jq_key(piped)).flatten())?
        }
        None => return None,
    };
    let plain = output.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    plain.then_some(StackRead { output, directory })
}

/// A step's `working-directory:`, from the job's YAML (the workflow model does not keep it),
/// else the job's or the workflow's `defaults.run.working-directory`.
pub fn step_directory(root: &Node, job_id: &str, step: Span) -> Option<String> {
    let job = root.get("jobs")?.get(job_id)?;
    let literal = |node: &Node| node.as_text().filter(|t| !t.contains("${{")).map(str::to_string);
    let own = job.get("steps")?.as_seq()?.iter().find(|node| node.span.start == step.start)?;
    if let Some(dir) = own.get("working-directory") {
        return literal(dir);
    }
    let default = |node: &Node| node.get("defaults")?.get("run")?.get("working-directory").cloned();
    default(job).or_else(|| default(root)).and_then(|dir| literal(&dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_shapes_that_read_a_stack_output() {
        let read = |script: &str| written_read(script, "GITHUB_OUTPUT", "role");
        let plain =
            read("echo \"role=$(pulumi stack output deployRoleArn --stack prod)\" >> \"$GITHUB_OUTPUT\"");
        assert_eq!(plain, Some(StackRead { output: "deployRoleArn".into(), directory: None }));
        let jq =
            read("echo \"role=$(pulumi stack output --json | jq -r '.deployRoleArn')\" >> $GITHUB_OUTPUT");
        assert_eq!(jq.unwrap().output, "deployRoleArn");
        let via_variable = read(
            "cd infra\nOUT=$(pulumi stack output --json)\necho \"role=$(echo \"$OUT\" | jq -r .deployRoleArn)\" >> $GITHUB_OUTPUT",
        );
        assert_eq!(
            via_variable,
            Some(StackRead { output: "deployRoleArn".into(), directory: Some("infra".into()) })
        );
        let cwd =
            read("ROLE=$(pulumi stack output -C infra/aws deployRoleArn)\necho role=$ROLE >> $GITHUB_OUTPUT");
        assert_eq!(
            cwd,
            Some(StackRead { output: "deployRoleArn".into(), directory: Some("infra/aws".into()) })
        );
        // Not a stack output, another key, another file.
        assert_eq!(read("echo \"role=$(cat role.txt)\" >> $GITHUB_OUTPUT"), None);
        assert_eq!(read("echo \"other=$(pulumi stack output x)\" >> $GITHUB_OUTPUT"), None);
        assert_eq!(read("echo \"role=$(pulumi stack output x)\" >> $GITHUB_ENV"), None);
        // A computed output name is not evidence.
        assert_eq!(read("echo \"role=$(pulumi stack output $NAME)\" >> $GITHUB_OUTPUT"), None);
    }

    #[test]
    fn repository_roots() {
        assert_eq!(repository_root("examples/app/.github/workflows/deploy.yml"), "examples/app/");
        assert_eq!(repository_root(".github/workflows/deploy.yml"), "");
        assert_eq!(repository_root("ci/.gitlab-ci.yml"), "ci/");
        assert_eq!(join("a/", "./infra/"), Some("a/infra/".into()));
        assert_eq!(join("a/", "../infra"), None);
    }
}
