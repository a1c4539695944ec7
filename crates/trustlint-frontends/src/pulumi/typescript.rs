//! TypeScript and JavaScript Pulumi programs: `.ts`/`.mts`/`.cts` with the TypeScript grammar;
//! `.tsx` and every JavaScript file with the TSX grammar (JavaScript has no `<T>x` casts, so TSX
//! reads all of it, JSX included).

use std::sync::Arc;

use trustlint_core::SourceFile;
use trustlint_syntax::eval::SourceLanguage;

use super::{Language, Program, ProgramContext, evaluate_source};

pub fn programs(file: &Arc<SourceFile>, language: Language, context: &ProgramContext<'_>) -> Vec<Program> {
    let lower = file.path().to_ascii_lowercase();
    let jsx = language == Language::JavaScript || lower.ends_with(".tsx");
    evaluate_source(file, language, SourceLanguage::TypeScript { jsx }, context)
}
