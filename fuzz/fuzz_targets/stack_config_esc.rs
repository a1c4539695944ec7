#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| trustlint_fuzz::entries::stack_config_esc(data));
