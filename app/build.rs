//! Sets `cfg(wasm_split)` when the WASM bundle is linked for splitting: `cargo leptos build
//! --split` adds `-Clink-args=--emit-relocs` to the flags, and only then does wasm-split cut the
//! bundle into chunks and provide the loader that `#[lazy]` functions import. Without it (plain
//! `cargo leptos watch`, clippy), the lazily loaded pages are compiled in as ordinary pages
//! (see src/lazy_pages.rs) instead of leaving imports nothing provides.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(wasm_split)");
    println!("cargo::rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if flags
        .split('\x1f')
        .any(|flag| flag.contains("--emit-relocs"))
    {
        println!("cargo::rustc-cfg=wasm_split");
    }
}
