//! GCP IAM members and roles as they bear on workload identity federation
//! (oidc-reference.md 3.2, 3.3): which external tokens a `principal://` or `principalSet://`
//! member admits, read into claim conditions through the provider's attribute mapping.
//!
//! Members in programs are often interpolated (`principalSet://iam.googleapis.com/${pool.name}/*`),
//! so they are read from [`Piece`]s: the pool path may be a hole that the caller links to a pool
//! resource, while the part after it (`/attribute.repository/acme/infra`) is usually literal.

use trustlint_core::Span;

use crate::cel::AttributeMapping;
use crate::condition::{ClaimCondition, ConditionValue, Dialect, MatchKind, Operator, Piece, SetQualifier};

/// Lets the member impersonate the service account it is granted on.
pub const WORKLOAD_IDENTITY_USER: &str = "roles/iam.workloadIdentityUser";
/// Lets the member mint access and ID tokens for the service account: impersonation too.
pub const TOKEN_CREATOR: &str = "roles/iam.serviceAccountTokenCreator";

/// True for roles that, granted on a service account, let the member act as it.
pub fn lets_impersonate(role: &str) -> bool {
    matches!(role, WORKLOAD_IDENTITY_USER | TOKEN_CREATOR)
}

/// An IAM member string, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Member {
    /// `principal://` or `principalSet://` of a workload identity pool.
    Federated(FederatedMember),
    /// `allUsers`: anyone on the internet.
    AllUsers,
    /// `allAuthenticatedUsers`: any Google account or service account.
    AllAuthenticatedUsers,
    /// `serviceAccount:EMAIL`.
    ServiceAccount { email: Vec<Piece> },
    /// A member that is not a workload identity (`user:`, `group:`, `domain:`, a workforce pool).
    Other(String),
    /// Not enough of the value is known to tell.
    Unknown(String),
}

/// A member naming identities of a workload identity pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FederatedMember {
    /// `principalSet://` (several identities) rather than `principal://` (one subject).
    pub set: bool,
    /// `projects/NUM/locations/global/workloadIdentityPools/POOL`, or the hole that produces it.
    pub pool_path: Vec<Piece>,
    /// The pool id, when written out.
    pub pool_id: Option<String>,
    /// The project number, when written out.
    pub project: Option<String>,
    pub selector: Selector,
}

/// Which identities of the pool a federated member names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// `principal://.../subject/SUBJECT`: the one identity whose `google.subject` is SUBJECT.
    Subject(Vec<Piece>),
    /// `principalSet://.../group/GROUP`: identities whose `google.groups` holds GROUP.
    Group(Vec<Piece>),
    /// `principalSet://.../attribute.NAME/VALUE`: identities whose `attribute.NAME` is VALUE.
    Attribute { name: String, value: Vec<Piece> },
    /// `principalSet://.../*`: every identity the pool admits.
    All,
}

/// A string with holes, flattened so it can be searched: each hole is one marker character.
struct Flat {
    text: String,
    holes: Vec<String>,
}

const HOLE: char = '\u{FFFC}';

impl Flat {
    fn new(pieces: &[Piece]) -> Flat {
        let mut text = String::new();
        let mut holes = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Text(t) => text.push_str(&t.replace(HOLE, "")),
                Piece::Unknown(why) => {
                    text.push(HOLE);
                    holes.push(why.clone());
                }
            }
        }
        Flat { text, holes }
    }

    /// Pieces of bytes `start..end` of the flattened text.
    fn pieces(&self, start: usize, end: usize) -> Vec<Piece> {
        let mut hole = self.text[..start].matches(HOLE).count();
        let mut out = Vec::new();
        let mut literal = String::new();
        for ch in self.text[start..end].chars() {
            if ch == HOLE {
                if !literal.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut literal)));
                }
                out.push(Piece::Unknown(self.holes[hole].clone()));
                hole += 1;
            } else {
                literal.push(ch);
            }
        }
        if !literal.is_empty() || out.is_empty() {
            out.push(Piece::Text(literal));
        }
        out
    }
}

fn known(pieces: &[Piece]) -> Option<String> {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => Some(t.as_str()),
            Piece::Unknown(_) => None,
        })
        .collect()
}

/// Read an IAM member.
pub fn parse_member(pieces: &[Piece]) -> Member {
    let flat = Flat::new(pieces);
    let text = flat.text.trim();
    let offset = flat.text.find(text).unwrap_or(0);
    match text {
        "allUsers" => return Member::AllUsers,
        "allAuthenticatedUsers" => return Member::AllAuthenticatedUsers,
        _ => {}
    }
    if let Some(rest) = text.strip_prefix("serviceAccount:") {
        let start = offset + "serviceAccount:".len();
        return Member::ServiceAccount { email: flat.pieces(start, start + rest.len()) };
    }
    let (set, rest) = if let Some(rest) = text.strip_prefix("principalSet://") {
        (true, rest)
    } else if let Some(rest) = text.strip_prefix("principal://") {
        (false, rest)
    } else if text.starts_with(HOLE) {
        return Member::Unknown(format!("the member starts with {}", flat.holes[0]));
    } else if let Some((kind, _)) = text.split_once(':') {
        if kind.contains(HOLE) {
            return Member::Unknown("the member's type is not known".into());
        }
        return Member::Other(text.replace(HOLE, "…"));
    } else {
        return Member::Unknown(format!("`{}` is not an IAM member", text.replace(HOLE, "…")));
    };
    let Some(path) = rest.strip_prefix("iam.googleapis.com/") else {
        return Member::Unknown(format!("`{}` does not name iam.googleapis.com", text.replace(HOLE, "…")));
    };
    if path.contains("/workforcePools/") || path.starts_with("locations/global/workforcePools") {
        // Workforce pools federate people (an enterprise IdP), not CI workloads.
        return Member::Other(text.replace(HOLE, "…"));
    }
    let path_start = offset + (text.len() - path.len());
    let (pool_len, pool_id, project) = match path.find("workloadIdentityPools/") {
        Some(at) => {
            let after = at + "workloadIdentityPools/".len();
            let id_len = path[after..].find('/').unwrap_or(path.len() - after);
            let id = &path[after..after + id_len];
            let project = path
                .strip_prefix("projects/")
                .and_then(|p| p.split('/').next())
                .filter(|p| !p.is_empty() && !p.contains(HOLE))
                .map(str::to_string);
            let id = (!id.is_empty() && !id.contains(HOLE)).then(|| id.to_string());
            (after + id_len, id, project)
        }
        // The pool path is a hole (`${pool.name}`): it ends where the selector starts.
        None => match ["/subject/", "/group/", "/attribute.", "/*"].iter().filter_map(|m| path.find(m)).min()
        {
            Some(at) => (at, None, None),
            None => return Member::Unknown(format!("`{}` names no pool selector", text.replace(HOLE, "…"))),
        },
    };
    let pool_path = flat.pieces(path_start, path_start + pool_len);
    let selector_text = &path[pool_len..];
    let selector_start = path_start + pool_len;
    let piece_after = |prefix: &str| {
        let start = selector_start + prefix.len();
        flat.pieces(start, selector_start + selector_text.len())
    };
    let selector = if selector_text == "/*" && set {
        Selector::All
    } else if let Some(_subject) = selector_text.strip_prefix("/subject/").filter(|_| !set) {
        Selector::Subject(piece_after("/subject/"))
    } else if let Some(_group) = selector_text.strip_prefix("/group/").filter(|_| set) {
        Selector::Group(piece_after("/group/"))
    } else if let Some(attribute) = selector_text.strip_prefix("/attribute.").filter(|_| set) {
        let Some((name, _)) = attribute.split_once('/') else {
            return Member::Unknown(format!("`{}` has no attribute value", text.replace(HOLE, "…")));
        };
        if name.contains(HOLE) {
            return Member::Unknown("the attribute name is not known".into());
        }
        let prefix = format!("/attribute.{name}/");
        Selector::Attribute { name: name.to_string(), value: piece_after(&prefix) }
    } else {
        return Member::Unknown(format!(
            "`{}` is not a principal form trustlint reads",
            text.replace(HOLE, "…")
        ));
    };
    Member::Federated(FederatedMember { set, pool_path, pool_id, project, selector })
}

impl FederatedMember {
    /// The mapping target the selector compares with (`google.subject`, `attribute.repository`).
    pub fn target(&self) -> Option<String> {
        match &self.selector {
            Selector::Subject(_) => Some("google.subject".into()),
            Selector::Group(_) => Some("google.groups".into()),
            Selector::Attribute { name, .. } => Some(format!("attribute.{name}")),
            Selector::All => None,
        }
    }

    /// The claim conditions this member adds to its pool's: none for `/*`. `span` is the member
    /// value in the file. `Err` says why the claim behind an attribute cannot be told.
    pub fn conditions(&self, mapping: &AttributeMapping, span: Span) -> Result<Vec<ClaimCondition>, String> {
        let (value, set, written) = match &self.selector {
            Selector::All => return Ok(Vec::new()),
            Selector::Subject(value) => (value, SetQualifier::None, "principal://…/subject/".to_string()),
            Selector::Group(value) => {
                (value, SetQualifier::ForAnyValue, "principalSet://…/group/".to_string())
            }
            Selector::Attribute { name, value } => {
                (value, SetQualifier::None, format!("principalSet://…/attribute.{name}/"))
            }
        };
        let target = self.target().unwrap_or_default();
        let claim = mapping.claim_of(&target)?;
        let mut operator = Operator::positive(Dialect::GcpPrincipal, MatchKind::Exact, &written);
        operator.set = set;
        Ok(vec![ClaimCondition {
            key: target,
            issuer_prefix: None,
            claim: claim.to_ascii_lowercase(),
            operator,
            values: vec![ConditionValue {
                pieces: value.clone(),
                span,
                relies_on: None,
                defined_at: None,
                spliced: Default::default(),
            }],
            key_span: span,
            operator_span: span,
            from_deny: false,
        }])
    }

    /// Who the member names, in words: "every identity of the pool", "identities whose
    /// `attribute.repository_owner` is `acme`".
    pub fn describe(&self) -> String {
        let show = |pieces: &[Piece]| {
            known(pieces).unwrap_or_else(|| {
                pieces
                    .iter()
                    .map(|p| match p {
                        Piece::Text(t) => t.as_str(),
                        Piece::Unknown(_) => "…",
                    })
                    .collect()
            })
        };
        match &self.selector {
            Selector::All => "every identity the pool admits".into(),
            Selector::Subject(value) => format!("the identity whose `google.subject` is `{}`", show(value)),
            Selector::Group(value) => format!("identities in group `{}`", show(value)),
            Selector::Attribute { name, value } => {
                format!("identities whose `attribute.{name}` is `{}`", show(value))
            }
        }
    }
}

/// The scope string of a project, folder or organization binding.
pub fn scope(kind: ScopeKind, id: &str) -> String {
    let id = id.trim();
    let prefix = match kind {
        ScopeKind::Project => "projects/",
        ScopeKind::Folder => "folders/",
        ScopeKind::Organization => "organizations/",
    };
    if id.starts_with(prefix) { id.to_string() } else { format!("{prefix}{id}") }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Project,
    Folder,
    Organization,
}

/// The email of a service account written as `projects/P/serviceAccounts/EMAIL`,
/// `serviceAccount:EMAIL` or a bare email.
pub fn service_account_email(text: &str) -> Option<&str> {
    let text = text.trim();
    let email = text
        .rsplit_once("/serviceAccounts/")
        .map(|(_, email)| email)
        .or_else(|| text.strip_prefix("serviceAccount:"))
        .unwrap_or(text);
    (email.contains('@') && !email.contains('/')).then_some(email)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cel::Mapped;

    fn text(t: &str) -> Vec<Piece> {
        vec![Piece::Text(t.into())]
    }

    const POOL: &str = "projects/111122223333/locations/global/workloadIdentityPools/github";

    #[test]
    fn reads_every_member_form() {
        let subject = parse_member(&text(&format!(
            "principal://iam.googleapis.com/{POOL}/subject/repo:acme/infra:ref:refs/heads/main"
        )));
        let Member::Federated(m) = subject else { panic!("{subject:?}") };
        assert!(!m.set);
        assert_eq!(m.pool_id.as_deref(), Some("github"));
        assert_eq!(m.project.as_deref(), Some("111122223333"));
        assert_eq!(m.selector, Selector::Subject(text("repo:acme/infra:ref:refs/heads/main")));
        assert_eq!(known(&m.pool_path).as_deref(), Some(POOL));

        let group = parse_member(&text(&format!("principalSet://iam.googleapis.com/{POOL}/group/deployers")));
        assert!(matches!(group, Member::Federated(FederatedMember { selector: Selector::Group(_), .. })));

        let attribute = parse_member(&text(&format!(
            "principalSet://iam.googleapis.com/{POOL}/attribute.repository/acme/infra"
        )));
        let Member::Federated(m) = attribute else { panic!() };
        assert_eq!(m.selector, Selector::Attribute { name: "repository".into(), value: text("acme/infra") });

        let all = parse_member(&text(&format!("principalSet://iam.googleapis.com/{POOL}/*")));
        let Member::Federated(m) = all else { panic!() };
        assert_eq!(m.selector, Selector::All);
        assert_eq!(m.describe(), "every identity the pool admits");

        assert_eq!(parse_member(&text("allUsers")), Member::AllUsers);
        assert_eq!(parse_member(&text(" allAuthenticatedUsers ")), Member::AllAuthenticatedUsers);
        assert_eq!(
            parse_member(&text("serviceAccount:deploy@acme.iam.gserviceaccount.com")),
            Member::ServiceAccount { email: text("deploy@acme.iam.gserviceaccount.com") }
        );
        assert_eq!(
            parse_member(&text("user:alice@acme.example")),
            Member::Other("user:alice@acme.example".into())
        );
        assert!(matches!(
            parse_member(&text("principalSet://iam.googleapis.com/locations/global/workforcePools/staff/*")),
            Member::Other(_)
        ));
        // `principal://` takes no wildcard set; `/*` is not a subject.
        assert!(matches!(
            parse_member(&text(&format!("principal://iam.googleapis.com/{POOL}/*"))),
            Member::Unknown(_)
        ));
        assert!(matches!(parse_member(&text("principalSet://example.com/x/*")), Member::Unknown(_)));
        assert!(matches!(parse_member(&text("")), Member::Unknown(_)));
    }

    #[test]
    fn reads_interpolated_members() {
        let pieces = vec![
            Piece::Text("principalSet://iam.googleapis.com/".into()),
            Piece::Unknown("`pool.name`".into()),
            Piece::Text("/attribute.repository_owner/acme".into()),
        ];
        let Member::Federated(m) = parse_member(&pieces) else { panic!() };
        assert_eq!(m.pool_path, vec![Piece::Unknown("`pool.name`".into())]);
        assert_eq!(m.pool_id, None);
        assert_eq!(m.selector, Selector::Attribute { name: "repository_owner".into(), value: text("acme") });

        let all = vec![
            Piece::Text("principalSet://iam.googleapis.com/".into()),
            Piece::Unknown("`pool.name`".into()),
            Piece::Text("/*".into()),
        ];
        assert!(matches!(
            parse_member(&all),
            Member::Federated(FederatedMember { selector: Selector::All, .. })
        ));

        let value_hole = vec![
            Piece::Text(format!("principalSet://iam.googleapis.com/{POOL}/attribute.repository/")),
            Piece::Unknown("config `repo`".into()),
        ];
        let Member::Federated(m) = parse_member(&value_hole) else { panic!() };
        assert_eq!(
            m.selector,
            Selector::Attribute {
                name: "repository".into(),
                value: vec![Piece::Unknown("config `repo`".into())]
            }
        );
        assert!(matches!(parse_member(&[Piece::Unknown("an Output".into())]), Member::Unknown(_)));
        let sa = vec![Piece::Text("serviceAccount:".into()), Piece::Unknown("`sa.email`".into())];
        assert_eq!(
            parse_member(&sa),
            Member::ServiceAccount { email: vec![Piece::Unknown("`sa.email`".into())] }
        );
    }

    #[test]
    fn members_become_conditions_through_the_mapping() {
        let mut mapping = AttributeMapping::new();
        mapping.insert("google.subject", Mapped::Expression("assertion.sub".into()));
        mapping.insert("attribute.repository_owner", Mapped::Expression("assertion.repository_owner".into()));
        let span = Span::new(3, 9);
        let member = |t: &str| match parse_member(&text(t)) {
            Member::Federated(m) => m,
            other => panic!("{other:?}"),
        };
        let owner =
            member(&format!("principalSet://iam.googleapis.com/{POOL}/attribute.repository_owner/acme"));
        let conditions = owner.conditions(&mapping, span).unwrap();
        assert_eq!(conditions.len(), 1);
        assert_eq!(conditions[0].claim, "repository_owner");
        assert_eq!(conditions[0].operator.kind, MatchKind::Exact);
        assert_eq!(conditions[0].values[0].text().as_deref(), Some("acme"));
        assert_eq!(conditions[0].values[0].span, span);

        let subject = member(&format!(
            "principal://iam.googleapis.com/{POOL}/subject/repo:acme/infra:environment:prod"
        ));
        assert_eq!(subject.conditions(&mapping, span).unwrap()[0].claim, "sub");

        let all = member(&format!("principalSet://iam.googleapis.com/{POOL}/*"));
        assert!(all.conditions(&mapping, span).unwrap().is_empty());

        let unmapped =
            member(&format!("principalSet://iam.googleapis.com/{POOL}/attribute.repository/acme/infra"));
        let why = unmapped.conditions(&mapping, span).unwrap_err();
        assert!(why.contains("does not define"), "{why}");
    }

    #[test]
    fn roles_scopes_and_emails() {
        assert!(lets_impersonate("roles/iam.workloadIdentityUser"));
        assert!(lets_impersonate("roles/iam.serviceAccountTokenCreator"));
        assert!(!lets_impersonate("roles/viewer"));
        assert_eq!(scope(ScopeKind::Project, "acme-prod"), "projects/acme-prod");
        assert_eq!(scope(ScopeKind::Folder, "folders/123"), "folders/123");
        assert_eq!(scope(ScopeKind::Organization, "456"), "organizations/456");
        assert_eq!(
            service_account_email("projects/acme/serviceAccounts/deploy@acme.iam.gserviceaccount.com"),
            Some("deploy@acme.iam.gserviceaccount.com")
        );
        assert_eq!(service_account_email("serviceAccount:a@b.c"), Some("a@b.c"));
        assert_eq!(service_account_email("deploy"), None);
    }
}
