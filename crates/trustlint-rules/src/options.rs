//! Per-rule options (`[rules.<id>]` keys besides `enabled` and `severity`), as ruff's
//! `settings.rs` has them: a rule that takes options declares a struct deriving
//! [`RuleOptions`](trustlint_rule_macros::RuleOptions) and names it in its declaration
//! (`#[rule(options = Type)]`). The configuration accepts a key only under the rule whose struct
//! has it, and the configuration schema lists it there, described by the field's doc comment.

use std::any::Any;
use std::borrow::Cow;
use std::sync::Arc;

pub use toml::Table;

/// What an option holds, for the configuration schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    Strings,
    Text,
    Flag,
}

impl OptionKind {
    /// The JSON schema of a value of this kind.
    pub fn json_schema(self) -> serde_json::Value {
        match self {
            OptionKind::Strings => serde_json::json!({ "type": "array", "items": { "type": "string" } }),
            OptionKind::Text => serde_json::json!({ "type": "string" }),
            OptionKind::Flag => serde_json::json!({ "type": "boolean" }),
        }
    }
}

/// One key of a rule's options table.
#[derive(Debug)]
pub struct OptionKey {
    /// As written in `trustlint.toml` (kebab-case).
    pub name: &'static str,
    pub description: &'static str,
    pub value: OptionKind,
}

/// The options a rule reads: its keys, and how to read a table of them.
pub struct OptionsDeclaration {
    pub keys: &'static [OptionKey],
    pub read: fn(&Table) -> Result<RuleOptions, OptionError>,
}

/// The declaration of a rule that reads no options: every key is refused.
pub const NO_OPTIONS: OptionsDeclaration = OptionsDeclaration {
    keys: &[],
    read: |table| match table.keys().next() {
        Some(key) => Err(OptionError::unknown(key, &[])),
        None => Ok(RuleOptions::default()),
    },
};

/// A rule's options struct; implemented by `#[derive(RuleOptions)]`.
pub trait Options: Any + Clone + Default + Send + Sync {
    const DECLARATION: OptionsDeclaration;
}

/// A type an option field may have.
pub trait OptionValue: Sized {
    const KIND: OptionKind;
    fn read(value: &toml::Value) -> Result<Self, String>;
}

impl OptionValue for Vec<String> {
    const KIND: OptionKind = OptionKind::Strings;
    fn read(value: &toml::Value) -> Result<Self, String> {
        let items = value.as_array().ok_or("expected a list of strings")?;
        items
            .iter()
            .map(|item| item.as_str().map(str::to_string).ok_or_else(|| "expected a list of strings".into()))
            .collect()
    }
}

impl OptionValue for String {
    const KIND: OptionKind = OptionKind::Text;
    fn read(value: &toml::Value) -> Result<Self, String> {
        value.as_str().map(str::to_string).ok_or_else(|| "expected a string".into())
    }
}

impl OptionValue for bool {
    const KIND: OptionKind = OptionKind::Flag;
    fn read(value: &toml::Value) -> Result<Self, String> {
        value.as_bool().ok_or_else(|| "expected `true` or `false`".into())
    }
}

/// A key of an options table that is wrong: unknown to the rule, or of the wrong type.
#[derive(Debug, PartialEq, Eq)]
pub struct OptionError {
    pub key: String,
    pub message: String,
}

impl OptionError {
    /// `key` is not one of `known`, the keys the rule reads.
    pub fn unknown(key: &str, known: &[&str]) -> OptionError {
        let message = if known.is_empty() {
            "the rule reads no options (every rule takes `enabled` and `severity`)".to_string()
        } else {
            let known: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            format!(
                "the rule reads no such option (it reads {}; every rule takes `enabled` and `severity`)",
                known.join(", ")
            )
        };
        OptionError { key: key.to_string(), message }
    }
}

/// The options a rule was configured with, as its own typed struct.
#[derive(Clone, Default)]
pub struct RuleOptions(Option<Arc<dyn Any + Send + Sync>>);

impl RuleOptions {
    pub fn of<T: Options>(options: T) -> RuleOptions {
        RuleOptions(Some(Arc::new(options)))
    }

    /// The rule's options, or their defaults when the configuration sets none.
    pub fn get<T: Options>(&self) -> Cow<'_, T> {
        match self.0.as_deref().and_then(|options| options.downcast_ref::<T>()) {
            Some(options) => Cow::Borrowed(options),
            None => Cow::Owned(T::default()),
        }
    }
}

impl std::fmt::Debug for RuleOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "RuleOptions(set)" } else { "RuleOptions(default)" })
    }
}
