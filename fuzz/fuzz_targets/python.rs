#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| trustlint_fuzz::entries::python(data));
