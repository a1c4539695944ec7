//! Declares a trustlint rule from one item, the way ruff's `#[derive(ViolationMetadata)]` and
//! clippy's `declare_clippy_lint!` do: the rule's id is its type name in kebab-case, and its
//! document `rules/<id>.md` (found in the nearest folder above the crate that has a `rules/`
//! folder) is read and checked while the crate compiles, with the parser the catalog uses at run
//! time. A missing or disagreeing document is a compile error, not a failing test.
//!
//! A declared rule:
//!
//! ```
//! use trustlint_rule_macros::DeclareRule;
//! use trustlint_rules::Declared;
//!
//! #[derive(DeclareRule)]
//! pub struct ExampleRule;
//!
//! assert_eq!(ExampleRule::ID, "example-rule");
//! assert_eq!(ExampleRule.id(), "example-rule");
//! ```
//!
//! (The documents these examples read are in this crate's own `rules/` folder.) A rule without a
//! document does not compile:
//!
//! ```compile_fail
//! use trustlint_rule_macros::DeclareRule;
//!
//! #[derive(DeclareRule)]
//! pub struct NoDocument; // error: rule `no-document` has no document: write .../rules/no-document.md
//! ```
//!
//! nor does one whose document names another rule:
//!
//! ```compile_fail
//! use trustlint_rule_macros::DeclareRule;
//!
//! #[derive(DeclareRule)]
//! pub struct NamesAnother; // error: the front matter names `example-rule`, not `names-another`
//! ```
//!
//! gives a default severity that is none:
//!
//! ```compile_fail
//! use trustlint_rule_macros::DeclareRule;
//!
//! #[derive(DeclareRule)]
//! pub struct UnknownSeverity; // error: front matter `severity`: unknown severity `urgent` ...
//! ```
//!
//! or lacks a section every rule page has:
//!
//! ```compile_fail
//! use trustlint_rule_macros::DeclareRule;
//!
//! #[derive(DeclareRule)]
//! pub struct NoFixSection; // error: the document has no `## Fix` section
//! ```

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr, Type, parse_macro_input};
use trustlint_core::RuleMeta;

/// Declares the rule the unit struct stands for: `Type::ID`, `Type::DOCUMENT` and
/// `trustlint_rules::Declared`. `#[rule(options = SomeOptions)]` names the options type the rule
/// reads (a struct deriving [`RuleOptions`]); without it the rule takes no options.
#[proc_macro_derive(DeclareRule, attributes(rule))]
pub fn declare_rule(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    declare(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

fn declare(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let name = &input.ident;
    let id = kebab_case(&name.to_string());
    let options = options_type(input)?;
    let path = document_path(&id).map_err(|error| syn::Error::new_spanned(name, error))?;
    let document = std::fs::read_to_string(&path).map_err(|_| {
        syn::Error::new_spanned(
            name,
            format!(
                "rule `{id}` has no document: write {} (TOML front matter naming `{id}`, then the sections \
                 What it does, Why is this bad, Examples and Fix; see \"Adding a rule\" in docs/architecture.md)",
                path.display()
            ),
        )
    })?;
    let leaked: &'static str = Box::leak(id.clone().into_boxed_str());
    if let Err(error) = RuleMeta::parse(leaked, &document) {
        return Err(syn::Error::new_spanned(
            name,
            format!("{} disagrees with the declaration of rule `{id}` ({name}): {error}", path.display()),
        ));
    }
    let path = LitStr::new(&path.to_string_lossy(), name.span());
    let options = options.map(|options| {
        quote! {
            fn options(&self) -> &'static ::trustlint_rules::options::OptionsDeclaration {
                &<#options as ::trustlint_rules::options::Options>::DECLARATION
            }
        }
    });
    Ok(quote! {
        impl #name {
            /// The rule's id, from its type name.
            pub const ID: &'static str = #id;
            /// `rules/<id>.md`, embedded (checked when this crate compiled).
            pub const DOCUMENT: &'static str = include_str!(#path);
        }

        impl ::trustlint_rules::Declared for #name {
            fn id(&self) -> &'static str {
                Self::ID
            }

            fn document(&self) -> &'static str {
                Self::DOCUMENT
            }

            #options
        }
    })
}

/// The type named by `#[rule(options = Type)]`, if any.
fn options_type(input: &DeriveInput) -> syn::Result<Option<Type>> {
    let mut options = None;
    for attribute in input.attrs.iter().filter(|a| a.path().is_ident("rule")) {
        attribute.parse_nested_meta(|meta| {
            if meta.path.is_ident("options") {
                options = Some(meta.value()?.parse::<Type>()?);
                Ok(())
            } else {
                Err(meta.error("expected `options = Type`"))
            }
        })?;
    }
    Ok(options)
}

/// `rules/<id>.md` in the nearest folder at or above the compiling crate that has `rules/`.
fn document_path(id: &str) -> Result<PathBuf, String> {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").map_err(|_| "CARGO_MANIFEST_DIR is not set")?;
    let root = Path::new(&manifest)
        .ancestors()
        .find(|dir| dir.join("rules").is_dir())
        .ok_or_else(|| format!("no `rules/` folder at or above {manifest}"))?;
    Ok(root.join("rules").join(format!("{id}.md")))
}

/// `OidcMissingSubject` -> `oidc-missing-subject`.
fn kebab_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Describes a rule's options table (`[rules.<id>]` keys other than `enabled` and `severity`)
/// from a struct with named fields: each field is one key, named in kebab-case, whose doc comment
/// is its description in the configuration schema and whose type (`Vec<String>`, `String`,
/// `bool`) says what it holds. The struct is what the rule reads, through
/// `ctx.options.get::<Type>()`; the configuration accepts these keys only under that rule.
#[proc_macro_derive(RuleOptions)]
pub fn rule_options(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    options(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

fn options(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let name = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(name, "rule options are a struct with named fields"));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(name, "rule options are a struct with named fields"));
    };
    let mut keys = Vec::new();
    let mut names = Vec::new();
    let mut arms = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named field");
        let key = ident.to_string().replace('_', "-");
        let ty = &field.ty;
        let description = doc_comment(&field.attrs).ok_or_else(|| {
            syn::Error::new_spanned(
                ident,
                "document this option: its doc comment is its description in the configuration schema",
            )
        })?;
        names.push(key.clone());
        keys.push(quote! {
            ::trustlint_rules::options::OptionKey {
                name: #key,
                description: #description,
                value: <#ty as ::trustlint_rules::options::OptionValue>::KIND,
            }
        });
        arms.push(quote! {
            #key => options.#ident = ::trustlint_rules::options::OptionValue::read(value)
                .map_err(|message| ::trustlint_rules::options::OptionError { key: key.clone(), message })?,
        });
    }
    Ok(quote! {
        impl ::trustlint_rules::options::Options for #name {
            const DECLARATION: ::trustlint_rules::options::OptionsDeclaration =
                ::trustlint_rules::options::OptionsDeclaration {
                    keys: &[#(#keys),*],
                    read: |table| {
                        let mut options = <#name as ::std::default::Default>::default();
                        for (key, value) in table {
                            match key.as_str() {
                                #(#arms)*
                                _ => return Err(::trustlint_rules::options::OptionError::unknown(key, &[#(#names),*])),
                            }
                        }
                        Ok(::trustlint_rules::options::RuleOptions::of(options))
                    },
                };
        }
    })
}

/// A field's `///` lines joined into one paragraph.
fn doc_comment(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) => {
                    Some(text.value().trim().to_string())
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    let text = lines.join(" ").trim().to_string();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::kebab_case;

    #[test]
    fn ids_are_type_names_in_kebab_case() {
        assert_eq!(kebab_case("OidcMissingSubject"), "oidc-missing-subject");
        assert_eq!(kebab_case("IdTokenUnused"), "id-token-unused");
        assert_eq!(kebab_case("ParseError"), "parse-error");
    }
}
