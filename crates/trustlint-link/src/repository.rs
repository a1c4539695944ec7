//! The repository being scanned: which CI platform mints its tokens and the names its tokens
//! carry. Known from `trustlint.toml`, else `--repository`, else the `origin` remote written in
//! `.git/config` (read as a file: git is never run).

use std::path::Path;

/// Where the repository's tokens come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Platform {
    GitHub,
    GitLab,
}

impl Platform {
    pub fn name(self) -> &'static str {
        match self {
            Platform::GitHub => "GitHub Actions",
            Platform::GitLab => "GitLab CI",
        }
    }
}

/// How the repository was learned, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepositorySource {
    Config,
    CommandLine,
    GitRemote(String),
}

impl RepositorySource {
    pub fn describe(&self) -> String {
        match self {
            RepositorySource::Config => "`repository` in trustlint.toml".into(),
            RepositorySource::CommandLine => "`--repository`".into(),
            RepositorySource::GitRemote(url) => format!("the `origin` remote `{url}` in .git/config"),
        }
    }
}

/// `acme/app` on GitHub or `group/sub/project` on GitLab, with what only configuration can say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repository {
    /// `owner/name` (GitHub) or the project path (GitLab), as written.
    pub path: String,
    pub source: RepositorySource,
    /// Immutable ids (GitHub): when both are set, subjects take the `OWNER@ID/REPO@ID` form.
    pub repository_id: Option<String>,
    pub owner_id: Option<String>,
    /// A customised GitHub subject template (`include_claim_keys`), in order.
    pub claim_keys: Option<Vec<String>>,
    /// The default branch, where scheduled and chained runs start.
    pub default_branch: Option<String>,
}

impl Repository {
    pub fn new(path: impl Into<String>, source: RepositorySource) -> Repository {
        let path = path.into().trim().trim_matches('/').trim_end_matches(".git").to_string();
        Repository {
            path,
            source,
            repository_id: None,
            owner_id: None,
            claim_keys: None,
            default_branch: None,
        }
    }

    /// The owner (GitHub) or top-level group and subgroups (GitLab).
    pub fn owner(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(owner, _)| owner)
    }

    pub fn name(&self) -> &str {
        self.path.rsplit_once('/').map_or(&self.path, |(_, name)| name)
    }

    /// `repo:` segment value of a GitHub subject: `acme/app` or `acme@1/app@2`.
    pub fn github_subject_repo(&self) -> String {
        match (&self.owner_id, &self.repository_id) {
            (Some(owner_id), Some(repo_id)) => {
                format!("{}@{owner_id}/{}@{repo_id}", self.owner(), self.name())
            }
            _ => self.path.clone(),
        }
    }
}

/// Read the `origin` remote of the repository at `root` (`.git/config`, or the file a `.git`
/// file points to for worktrees and submodules). Returns the platform guess and the path.
pub fn from_git_config(root: &Path) -> Option<(String, String)> {
    let git = root.join(".git");
    let config_path = if git.is_dir() {
        git.join("config")
    } else {
        // `gitdir: /path/to/.git/worktrees/x`: the shared config is two levels up.
        let pointer = std::fs::read_to_string(&git).ok()?;
        let dir = Path::new(pointer.strip_prefix("gitdir:")?.trim()).to_path_buf();
        let dir = if dir.is_absolute() { dir } else { root.join(dir) };
        let common =
            std::fs::read_to_string(dir.join("commondir")).ok().map(|c| dir.join(c.trim())).unwrap_or(dir);
        common.join("config")
    };
    let text = std::fs::read_to_string(config_path).ok()?;
    origin_url(&text).and_then(|url| remote_path(&url).map(|path| (url, path)))
}

/// The `url` of `[remote "origin"]` in a git config file.
pub fn origin_url(config: &str) -> Option<String> {
    let mut in_origin = false;
    for line in config.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            let header: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            in_origin = header == "[remote\"origin\"]";
            continue;
        }
        if in_origin
            && let Some((key, value)) = line.split_once('=')
            && key.trim().eq_ignore_ascii_case("url")
        {
            return Some(value.trim().trim_matches('"').to_string());
        }
    }
    None
}

/// The default branch as the last fetch recorded it (`.git/refs/remotes/origin/HEAD`).
pub fn default_branch(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join(".git/refs/remotes/origin/HEAD")).ok()?;
    text.trim().strip_prefix("ref: refs/remotes/origin/").map(str::to_string)
}

/// `owner/name` from a remote URL: `git@github.com:acme/app.git`, `https://github.com/acme/app`,
/// `ssh://git@gitlab.com/group/sub/project.git`.
pub fn remote_path(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = if let Some((_, rest)) = url.split_once("://") {
        // Drop the host (and any user and port).
        rest.split_once('/').map(|(_, path)| path)?
    } else {
        // scp-like `user@host:path`.
        url.split_once(':').map(|(_, path)| path)?
    };
    let path = rest.trim_matches('/').trim_end_matches(".git").trim_matches('/');
    (path.contains('/') && !path.is_empty()).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes() {
        assert_eq!(remote_path("git@github.com:acme/app.git").as_deref(), Some("acme/app"));
        assert_eq!(remote_path("https://github.com/acme/app").as_deref(), Some("acme/app"));
        assert_eq!(remote_path("https://github.com/acme/app.git/").as_deref(), Some("acme/app"));
        assert_eq!(
            remote_path("ssh://git@gitlab.com:2222/group/sub/project.git").as_deref(),
            Some("group/sub/project")
        );
        assert_eq!(remote_path("/srv/git/app"), None);
    }

    #[test]
    fn origin_section() {
        let config = "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = git@github.com:up/app.git\n[remote \"origin\"]\n\turl = https://github.com/acme/app.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n";
        assert_eq!(origin_url(config).as_deref(), Some("https://github.com/acme/app.git"));
        assert_eq!(origin_url("[core]\n"), None);
    }

    #[test]
    fn immutable_subject_repo() {
        let mut repo = Repository::new("acme/app", RepositorySource::Config);
        assert_eq!(repo.github_subject_repo(), "acme/app");
        repo.owner_id = Some("4411223".into());
        repo.repository_id = Some("90817263".into());
        assert_eq!(repo.github_subject_repo(), "acme@4411223/app@90817263");
    }
}
