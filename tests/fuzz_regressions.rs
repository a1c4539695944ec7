//! Replays every input under `fixtures/fuzz-regressions/<target>/` through the fuzz target's own
//! entry point (`fuzz/entries.rs`, shared with the `fuzz/` crate), on a thread with the stack a
//! fuzzer's main thread has. A panic, abort or stack overflow fails the run.

#[path = "../fuzz/entries.rs"]
#[allow(dead_code)]
mod entries;

use std::path::Path;

#[test]
fn committed_fuzz_inputs_replay_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz-regressions");
    let mut replayed = 0;
    for folder in std::fs::read_dir(&root).unwrap().map(|entry| entry.unwrap().path()) {
        if !folder.is_dir() {
            continue;
        }
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let Some(&(_, target)) = entries::TARGETS.iter().find(|(target, _)| *target == name) else {
            panic!("fixtures/fuzz-regressions/{name}: no fuzz target of that name");
        };
        let mut inputs: Vec<_> =
            std::fs::read_dir(&folder).unwrap().map(|entry| entry.unwrap().path()).collect();
        inputs.sort();
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            let outcome = std::thread::Builder::new()
                .stack_size(8 * 1024 * 1024)
                .spawn(move || target(&data))
                .unwrap()
                .join();
            assert!(outcome.is_ok(), "{} panicked", input.display());
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} fuzz inputs");
}

/// Every target's entry point runs on the fixtures it is seeded with, so the shared entry points
/// are exercised even before any crash input is committed.
#[test]
fn every_target_reads_a_seed() {
    let policy =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/e2e/wide/trust-policy.json"))
            .unwrap();
    for (name, target) in entries::TARGETS {
        let data = policy.clone();
        let outcome = std::thread::Builder::new()
            .stack_size(8 * 1024 * 1024)
            .spawn(move || target(&data))
            .unwrap()
            .join();
        assert!(outcome.is_ok(), "{name} panicked on a seed");
    }
}
