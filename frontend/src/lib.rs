//! The browser side: this crate is compiled to WebAssembly by cargo-leptos and takes over the
//! server-rendered admin pages (hydration), after which navigation and forms run in the browser.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Not `hydrate_body`: pages behind lazy routes (app's `lazy_pages!`) are hydrated once their
    // WASM chunk has arrived, which needs the asynchronous hydration.
    leptos::mount::hydrate_lazy(app::App);
}
