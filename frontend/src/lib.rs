//! The browser side: this crate is compiled to WebAssembly by cargo-leptos and takes over the
//! server-rendered admin pages (hydration), after which navigation and forms run in the browser.

use leptos::prelude::document;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Not `hydrate_body`: pages behind lazy routes (app's `lazy_pages!`) are hydrated once their
    // WASM chunk has arrived, which needs the asynchronous hydration (what `hydrate_lazy` does,
    // plus the marker below).
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        let mounted = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        // Set only now, once the lazily loaded page is hydrated too: end-to-end tests wait for it
        // before typing, or their keystrokes would land in server-rendered inputs with no handlers.
        let _ = body.set_attribute("data-hydrated", "true");
        mounted.forget();
    });
}
