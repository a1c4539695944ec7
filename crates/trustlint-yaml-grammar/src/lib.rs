//! tree-sitter-yaml 0.7.2, with its external scanner patched at build time (see `build.rs`).
//!
//! The published scanner keeps rows and columns in 16-bit integers: past line 32,767 or column
//! 32,767 they wrap, newlines stop being seen and the whole file fails to parse; and its state
//! serialization overruns tree-sitter's 1024-byte buffer past 253 open block levels, aborting the
//! process. The patch widens every position to 32 bits and stops serializing levels that do not
//! fit (the parse then reports an error there instead of aborting).
//!
//! It also holds [`release_free_memory`], the one other call into C the parsers make.

use tree_sitter_language::LanguageFn;

unsafe extern "C" {
    fn tree_sitter_yaml_wide() -> *const ();
}

/// The YAML language, for `tree_sitter::Parser::set_language(&LANGUAGE.into())`.
// SAFETY: `tree_sitter_yaml_wide` is the grammar's generated language function (renamed by the
// build script), which returns a static `TSLanguage`; this is the declaration every grammar crate
// makes.
#[allow(unsafe_code)]
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_yaml_wide) };

/// Open block levels whose state fits tree-sitter's 1024-byte scanner buffer: five 32-bit
/// positions, then a 32-bit type and indentation per level.
pub const MAX_BLOCK_LEVELS: usize = (1024 - 5 * 4) / 8;

/// Hand the pages of freed memory back to the system (glibc's `malloc_trim`, every arena). The
/// parsers call it after a large file: tree-sitter's trees come from the C allocator, and glibc
/// keeps freed pages in the arena of the thread that freed them. Elsewhere there is nothing to do
/// (musl and the other systems' allocators return large frees on their own).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: `malloc_trim` takes no pointers and only releases pages no allocation uses.
        #[allow(unsafe_code)]
        unsafe {
            malloc_trim(0);
        }
    }
}
