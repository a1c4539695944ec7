//! Claim value patterns on both sides of a link: what a job's token can carry (`ref:refs/heads/*`
//! for "any branch") and what a trust admits (a `StringLike` glob or an exact value). Both are
//! read as globs whose `*` matches any run and `?` one character, so "can any token of this job
//! pass this condition" is the emptiness of an intersection, decided on the product automaton.

/// One position of a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`: exactly one character.
    One,
    /// `*`: any run, empty included.
    Any,
}

/// A pattern: a glob, or an exact value whose `*` and `?` are plain characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    tokens: Vec<Token>,
}

impl Pattern {
    pub fn glob(text: &str) -> Pattern {
        let tokens = text
            .chars()
            .map(|c| match c {
                '*' => Token::Any,
                '?' => Token::One,
                c => Token::Char(c),
            })
            .collect();
        Pattern { tokens }
    }

    pub fn exact(text: &str) -> Pattern {
        Pattern { tokens: text.chars().map(Token::Char).collect() }
    }

    /// Case folded, for comparisons that ignore case.
    pub fn folded(&self) -> Pattern {
        let tokens = self
            .tokens
            .iter()
            .map(|t| match t {
                Token::Char(c) => Token::Char(c.to_ascii_lowercase()),
                other => *other,
            })
            .collect();
        Pattern { tokens }
    }

    pub fn is_literal(&self) -> bool {
        self.tokens.iter().all(|t| matches!(t, Token::Char(_)))
    }

    /// True when some string matches both patterns.
    pub fn intersects(&self, other: &Pattern) -> bool {
        let (a, b) = (&self.tokens, &other.tokens);
        let mut seen = vec![false; (a.len() + 1) * (b.len() + 1)];
        let mut stack = vec![(0usize, 0usize)];
        while let Some((i, j)) = stack.pop() {
            let cell = i * (b.len() + 1) + j;
            if std::mem::replace(&mut seen[cell], true) {
                continue;
            }
            if i == a.len() && j == b.len() {
                return true;
            }
            let (ta, tb) = (a.get(i).copied(), b.get(j).copied());
            // A star may match nothing.
            if ta == Some(Token::Any) {
                stack.push((i + 1, j));
            }
            if tb == Some(Token::Any) {
                stack.push((i, j + 1));
            }
            // Both sides read one common character.
            let (Some(ta), Some(tb)) = (ta, tb) else { continue };
            let agree = match (ta, tb) {
                (Token::Char(x), Token::Char(y)) => x == y,
                _ => true,
            };
            if agree {
                let next_i = if ta == Token::Any { i } else { i + 1 };
                let next_j = if tb == Token::Any { j } else { j + 1 };
                if (next_i, next_j) != (i, j) {
                    stack.push((next_i, next_j));
                } else {
                    // Two stars reading together add nothing beyond their empty moves.
                    stack.push((i + 1, j + 1));
                }
            }
        }
        false
    }

    /// True when every string `self` matches is matched by `wider` (a sufficient test: a star of
    /// `self` must be covered by a star of `wider`).
    pub fn within(&self, wider: &Pattern) -> bool {
        let (a, b) = (&self.tokens, &wider.tokens);
        // covered[i][j]: a[i..] is within b[j..].
        let mut covered = vec![vec![false; b.len() + 1]; a.len() + 1];
        covered[a.len()][b.len()] = true;
        for j in (0..b.len()).rev() {
            covered[a.len()][j] = b[j] == Token::Any && covered[a.len()][j + 1];
        }
        for i in (0..a.len()).rev() {
            for j in (0..=b.len()).rev() {
                covered[i][j] = match b.get(j) {
                    None => false,
                    // The star matches nothing, or swallows a's next token.
                    Some(Token::Any) => covered[i][j + 1] || covered[i + 1][j],
                    Some(Token::One) => a[i] != Token::Any && covered[i + 1][j + 1],
                    Some(Token::Char(y)) => a[i] == Token::Char(*y) && covered[i + 1][j + 1],
                };
            }
        }
        covered[0][0]
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for token in &self.tokens {
            match token {
                Token::Char(c) => write!(f, "{c}")?,
                Token::One => f.write_str("?")?,
                Token::Any => f.write_str("*")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersections() {
        let cases: &[(&str, &str, bool)] = &[
            ("repo:acme/app:ref:refs/heads/*", "repo:acme/app:ref:refs/heads/main", true),
            ("repo:acme/app:environment:prod", "repo:acme/app:ref:refs/heads/main", false),
            ("repo:acme/app:environment:*", "repo:acme/app:*", true),
            ("repo:acme/app:ref:refs/tags/v*", "repo:acme/app:ref:refs/heads/*", false),
            ("a*c", "*b*", true),
            ("a?c", "abd", false),
            ("*", "", true),
            ("", "?", false),
            ("**", "x", true),
        ];
        for (a, b, expected) in cases {
            assert_eq!(Pattern::glob(a).intersects(&Pattern::glob(b)), *expected, "{a} ∩ {b}");
            assert_eq!(Pattern::glob(b).intersects(&Pattern::glob(a)), *expected, "{b} ∩ {a}");
        }
        // An exact value's star is a plain character.
        assert!(!Pattern::exact("repo:acme/*").intersects(&Pattern::glob("repo:acme/app")));
        assert!(Pattern::exact("repo:acme/*").intersects(&Pattern::glob("repo:acme/?")));
    }

    #[test]
    fn inclusion() {
        let cases: &[(&str, &str, bool)] = &[
            ("repo:acme/app:ref:refs/heads/main", "repo:acme/app:*", true),
            ("repo:acme/app:*", "repo:acme/app:ref:refs/heads/main", false),
            ("repo:acme/app:ref:refs/heads/*", "repo:acme/app:ref:*", true),
            ("a?c", "a*", true),
            ("a*", "a?", false),
            ("abc", "abc", true),
            ("", "*", true),
        ];
        for (narrow, wide, expected) in cases {
            assert_eq!(Pattern::glob(narrow).within(&Pattern::glob(wide)), *expected, "{narrow} ⊆ {wide}");
        }
    }
}
