//! Embeds every `rules/<id>.md` at the repository root, so adding a rule document needs no edit
//! here and `trustlint explain` works without any file at run time.

use std::path::Path;

fn main() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    println!("cargo:rerun-if-changed={}", rules.display());
    let mut documents: Vec<(String, String)> = std::fs::read_dir(&rules)
        .expect("the rules/ folder at the repository root")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let id = path.file_name()?.to_str()?.strip_suffix(".md")?.to_string();
            println!("cargo:rerun-if-changed={}", path.display());
            Some((id, path.canonicalize().ok()?.to_string_lossy().into_owned()))
        })
        .collect();
    documents.sort();
    let mut out = String::from(
        "/// (id, document) for every `rules/<id>.md`, sorted by id.\npub const DOCUMENTS: &[(&str, &str)] = &[\n",
    );
    for (id, path) in documents {
        out.push_str(&format!("    ({id:?}, include_str!({path:?})),\n"));
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("documents.rs");
    std::fs::write(target, out).expect("write documents.rs");
}
