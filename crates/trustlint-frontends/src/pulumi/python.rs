//! Python Pulumi programs (`__main__.py` and the modules beside it). Keyword arguments and dict
//! keys of resource arguments are camelCased by the evaluator, so mappings read one spelling.

use std::sync::Arc;

use trustlint_core::SourceFile;
use trustlint_syntax::eval::SourceLanguage;

use super::{Language, Program, ProgramContext, evaluate_source};

pub fn programs(file: &Arc<SourceFile>, context: &ProgramContext<'_>) -> Vec<Program> {
    evaluate_source(file, Language::Python, SourceLanguage::Python, context)
}
