//! Pulumi Cloud as an issuer: Deployments and ESC subjects (oidc-reference.md 1.8).

use super::Breadth;
use super::pattern::{Grade, Outside, Pattern, Reader, Value, example_of};
use super::sequence::{self, Field, one_of, walk};

const DEPLOY: &str = "pulumi:deploy:";
const ESC_ORG: &str = "pulumi:environments:org:";
const ESC_LOGIN: &str = "pulumi:environments:pulumi.organization.login:";
/// The subject ESC gives every environment opened from stack configuration.
const YAML: &str = "<yaml>";
/// The `subjectAttributes` that name an environment.
const ENVIRONMENT_ATTRIBUTES: &[&str] = &["rootEnvironment.name", "currentEnvironment.name"];
const ATTRIBUTES: &[&str] =
    &["rootEnvironment.name", "currentEnvironment.name", "pulumi.user.login", "pulumi.organization.login"];

pub(super) const EVERYONE: &str =
    "any Pulumi Deployments stack or ESC environment of any Pulumi organization";

pub(super) fn assess(pattern: Pattern<'_>) -> Result<Grade, Outside> {
    let literal = pattern.literal;
    if literal.starts_with(DEPLOY) {
        deployments(pattern)
    } else if literal.starts_with(ESC_ORG) {
        environments(pattern)
    } else if literal.starts_with(ESC_LOGIN) {
        environment_attributes(pattern)
    } else if pattern.wild && [DEPLOY, ESC_ORG, ESC_LOGIN].iter().any(|start| start.starts_with(literal)) {
        Ok(Grade::new(Breadth::AnyOwner, EVERYONE))
    } else {
        Err(Outside::new(
            "Pulumi Cloud subjects start with `pulumi:deploy:org:` (Deployments) or \
             `pulumi:environments:` (ESC)",
        ))
    }
}

fn operation(text: &str, complete: bool) -> Result<(), &'static str> {
    if one_of(text, complete, &["preview", "update", "refresh", "destroy"]) {
        Ok(())
    } else {
        Err("one of `preview`, `update`, `refresh`, `destroy`")
    }
}

fn scope(text: &str, complete: bool) -> Result<(), &'static str> {
    if one_of(text, complete, &["write"]) { Ok(()) } else { Err("Pulumi Deployments write `scope:write`") }
}

/// `PROJECT/ENV`, `ENV` (legacy `default` project) or the literal `<yaml>`.
fn environment_path(text: &str, complete: bool) -> Result<(), &'static str> {
    if one_of(text, complete, &[YAML]) {
        return Ok(());
    }
    let parts: Vec<&str> = text.split('/').collect();
    let fine = parts.len() <= 2
        && parts.iter().enumerate().all(|(index, part)| {
            let typed_last = !complete && index + 1 == parts.len();
            (typed_last || !part.is_empty())
                && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        });
    if fine { Ok(()) } else { Err("`PROJECT/ENVIRONMENT` of letters, digits, `-`, `_` and `.`") }
}

fn any_organization(what: &str, value: Value<'_>) -> Grade {
    let who = match value.typed() {
        "" => format!("{what} of any Pulumi organization"),
        typed => format!(
            "{what} of any Pulumi organization whose name starts with `{typed}` (for example `{}`)",
            example_of(value.name_pattern(&[':']))
        ),
    };
    Grade::new(Breadth::AnyOwner, who)
}

/// `pulumi:deploy:org:ORG:project:PROJ:stack:STACK:operation:OP:scope:write`
fn deployments(pattern: Pattern<'_>) -> Result<Grade, Outside> {
    const FIELDS: &[Field] = &[
        Field { lead: "pulumi:deploy:org:", stop: ":", name: "organization name", check: sequence::name },
        Field { lead: ":project:", stop: ":", name: "project name", check: sequence::name },
        Field { lead: ":stack:", stop: ":", name: "stack name", check: sequence::name },
        Field { lead: ":operation:", stop: ":", name: "operation", check: operation },
        Field { lead: ":scope:", stop: "", name: "scope", check: scope },
    ];
    let walk = walk(pattern, FIELDS, FIELDS.len(), "Pulumi Deployments")?;
    let values = &walk.values;
    let narrow = |project: &str, stack: &str| {
        format!(
            "pulumi:deploy:org:{}:project:{project}:stack:{stack}:operation:update:scope:write",
            values[0]
        )
    };
    Ok(match walk.cut {
        Some((0, value)) => any_organization("any Pulumi Deployments stack", value),
        Some((1, value)) if value.is_unpinned() => Grade::new(
            Breadth::WholeOwner { owner: None },
            format!("every Pulumi Deployments stack of organization `{}`, for any operation", values[0]),
        )
        .suggest(narrow("<project>", "<stack>")),
        Some((1, value)) => Grade::new(
            Breadth::SiblingRepos,
            format!(
                "stacks of every project of `{}` whose name starts with `{}` (for example `{}`)",
                values[0],
                value.typed(),
                example_of(value.name_pattern(&[':']))
            ),
        )
        .suggest(narrow(value.typed(), "<stack>")),
        Some((2, value)) if value.is_unpinned() => Grade::new(
            Breadth::AnyContext,
            format!(
                "any stack of project `{}/{}`{}, for any operation (including `destroy`)",
                values[0],
                values[1],
                value.matching()
            ),
        )
        .suggest(narrow(values[1], "<stack>")),
        Some((2, value)) => Grade::new(
            Breadth::ContextPattern,
            format!("stacks of project `{}/{}`{}", values[0], values[1], value.matching()),
        ),
        Some((3, value)) => {
            let operations = if value.is_unpinned() {
                "any operation (including `destroy`)".to_string()
            } else {
                format!("operations{}", value.matching())
            };
            Grade::new(
                Breadth::ContextPattern,
                format!("{operations} on stack `{}/{}/{}`", values[0], values[1], values[2]),
            )
            .suggest(narrow(values[1], values[2]))
        }
        _ => Grade::new(
            Breadth::Exact,
            format!("`{}` operations on stack `{}/{}/{}`", values[3], values[0], values[1], values[2]),
        ),
    })
}

/// `pulumi:environments:org:ORG:env:PROJECT/ENV` (or `env:ENV`, or `env:<yaml>`).
fn environments(pattern: Pattern<'_>) -> Result<Grade, Outside> {
    const FIELDS: &[Field] = &[
        Field { lead: ESC_ORG, stop: ":", name: "organization name", check: sequence::name },
        Field { lead: ":env:", stop: "", name: "ESC environment", check: environment_path },
    ];
    let walk = walk(pattern, FIELDS, FIELDS.len(), "Pulumi ESC")?;
    let organization = walk.values.first().copied().unwrap_or_default();
    let value = match walk.cut {
        Some((0, value)) => return Ok(any_organization("any ESC environment", value)),
        Some((_, value)) => value,
        None => Value::Exact(walk.values[1]),
    };
    let prefix = format!("{ESC_ORG}{organization}:env:");
    Ok(grade_environment(organization, value, "", &prefix))
}

/// `pulumi:environments:pulumi.organization.login:ORG` followed by `:KEY:VALUE` per attribute
/// listed in `subjectAttributes`.
fn environment_attributes(pattern: Pattern<'_>) -> Result<Grade, Outside> {
    let mut reader = Reader::new(pattern);
    reader.eat(ESC_LOGIN);
    let organization = match reader.value_until(":") {
        Value::Exact(organization) if sequence::name(organization, true).is_ok() => organization,
        value @ Value::Partial { typed, .. } if sequence::name(typed, false).is_ok() => {
            return Ok(any_organization("any ESC environment", value));
        }
        value => return Err(Outside::new(format!("`{}` is not a Pulumi organization name", value.typed()))),
    };
    let mut environment = None;
    let mut user = None;
    while reader.eat(":") {
        let key = match reader.value_until(":") {
            Value::Partial { typed, .. } if ATTRIBUTES.iter().any(|key| key.starts_with(typed)) => break,
            Value::Exact(key) if ATTRIBUTES.contains(&key) => key,
            value => {
                return Err(Outside::new(format!(
                    "`{}` is not an ESC subject attribute (`{}`)",
                    value.typed(),
                    ATTRIBUTES.join("`, `")
                )));
            }
        };
        if !reader.eat(":") {
            return Err(Outside::new(format!("`{key}` has no value: ESC writes `{key}:VALUE`")));
        }
        let value = reader.value_until(":");
        if ENVIRONMENT_ATTRIBUTES.contains(&key) {
            if let Err(rule) = environment_path(value.typed(), value.is_exact()) {
                return Err(Outside::new(format!("`{}` is not an ESC environment: {rule}", value.typed())));
            }
            environment = environment.or(Some(value));
        } else if key == "pulumi.user.login" {
            user = user.or(value.is_exact().then_some(value.typed()));
        }
        if !value.is_exact() {
            break;
        }
    }
    let opened_by = user.map(|user| format!(", opened by `{user}`")).unwrap_or_default();
    let prefix = format!("{ESC_LOGIN}{organization}:currentEnvironment.name:");
    Ok(match environment {
        Some(value) => grade_environment(organization, value, &opened_by, &prefix),
        None => Grade::new(
            Breadth::WholeOwner { owner: None },
            format!("every ESC environment of organization `{organization}` (org-wide){opened_by}"),
        )
        .suggest(format!("{prefix}<project>/<environment>")),
    })
}

/// Grades an environment name pattern of `organization`; `prefix` is what the subject writes
/// before the environment name, for suggestions.
fn grade_environment(organization: &str, value: Value<'_>, opened_by: &str, prefix: &str) -> Grade {
    let typed = value.typed();
    if let Value::Exact(environment) = value {
        if environment == YAML {
            return Grade::new(
                Breadth::WholeOwner { owner: None },
                format!(
                    "every ESC environment of organization `{organization}` opened from any stack's \
                     configuration (org-wide: they all share the `<yaml>` subject){opened_by}"
                ),
            )
            .suggest(format!("{prefix}<project>/<environment>"));
        }
        return Grade::new(
            Breadth::Exact,
            format!("ESC environment `{organization}/{environment}`{opened_by}"),
        );
    }
    match typed.split_once('/') {
        _ if typed.is_empty() || YAML.starts_with(typed) => Grade::new(
            Breadth::WholeOwner { owner: None },
            format!(
                "every ESC environment of organization `{organization}` (org-wide, including the `<yaml>` \
                 subject of every stack that opens one){opened_by}"
            ),
        )
        .suggest(format!("{prefix}<project>/<environment>")),
        None => Grade::new(
            Breadth::SiblingRepos,
            format!(
                "ESC environments of `{organization}` in every project whose name starts with `{typed}` \
                 (for example `{}`){opened_by}",
                example_of(value.name_pattern(&['/']))
            ),
        ),
        Some((project, "")) => Grade::new(
            Breadth::AnyContext,
            format!(
                "any environment of ESC project `{organization}/{project}`{}{opened_by}",
                value.after(project.len() + 1).matching()
            ),
        )
        .suggest(format!("{prefix}{project}/<environment>")),
        Some((project, _)) => Grade::new(
            Breadth::ContextPattern,
            format!(
                "environments of ESC project `{organization}/{project}`{}{opened_by}",
                value.after(project.len() + 1).matching()
            ),
        ),
    }
}
