//! Where a Flex message starts: the municipal templates (`line::flex_gallery`) and the
//! department's own 定型文 that hold a Flex message (a message saved on the 定型文 page is a
//! department template). Choosing one replaces the message being edited (undo brings it back).

use leptos::prelude::*;
use line::message::{FlexMessage, Message};

use super::FlexDoc;
use crate::api::{list_templates, template_editor};
use crate::components::AccountMessage;

/// Where the gallery's sample images are served: this server's own origin.
fn image_base() -> String {
    window().location().origin().unwrap_or_default()
}

fn replace(doc: FlexDoc, chosen: FlexMessage) {
    doc.new_step();
    doc.draft.edit(doc.index, |m| {
        if let Message::Flex(f) = m {
            f.alt_text = chosen.alt_text;
            f.contents = chosen.contents;
        } else {
            *m = Message::Flex(chosen);
        }
    });
    doc.select(String::new());
}

#[component]
pub fn Gallery(on_done: Callback<()>) -> impl IntoView {
    let doc = FlexDoc::use_context();
    let base = image_base();
    let own = LocalResource::new(|| async { list_templates().await.unwrap_or_default() });
    let cards = line::flex_gallery::gallery()
        .iter()
        .map(|t| (t, t.message(&base)))
        .map(|(t, message)| {
            let chosen = message.clone();
            view! {
                <li class="flex-gallery-card">
                    <div class="flex-gallery-thumb" aria-hidden="true" inert>
                        <AccountMessage message=Message::Flex(message) />
                    </div>
                    <button
                        type="button"
                        class="button small"
                        data-testid="flex-gallery-use"
                        data-template=t.id
                        on:click=move |_| {
                            replace(doc, chosen.clone());
                            on_done.run(());
                        }
                    >
                        {format!("「{}」で作る", t.name)}
                    </button>
                    <p class="hint">{t.description}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <section
            class="flex-gallery panel"
            aria-labelledby=format!("flex-gallery-{}", doc.index)
            data-testid="flex-gallery"
        >
            <h4 id=format!("flex-gallery-{}", doc.index)>"テンプレートから選ぶ"</h4>
            <p class="hint">
                "選ぶと、いま編集中の Flex メッセージが置き換わります（「元に戻す」で戻せます）。"
            </p>
            <ul class="flex-gallery-grid">{cards}</ul>
            <h5>"部署の定型文"</h5>
            <Suspense fallback=|| {
                view! { <p class="hint">"読み込んでいます…"</p> }
            }>
                {move || {
                    own.get()
                        .map(|rows| {
                            let rows: Vec<_> = rows
                                .into_iter()
                                .filter(|r| r.preview.iter().any(|p| p.starts_with("［Flex］")))
                                .collect();
                            if rows.is_empty() {
                                return view! {
                                    <p class="hint">
                                        "Flex を含む定型文はまだありません。「定型文」で作ったメッセージは、ここから呼び出せます。"
                                    </p>
                                }
                                    .into_any();
                            }
                            view! {
                                <ul class="flex-gallery-own">
                                    {rows
                                        .into_iter()
                                        .map(|row| {
                                            let id = row.id;
                                            view! {
                                                <li>
                                                    <button
                                                        type="button"
                                                        class="button ghost small"
                                                        on:click=move |_| {
                                                            leptos::task::spawn_local(async move {
                                                                if let Ok(form) = template_editor(Some(id)).await
                                                                    && let Some(Message::Flex(f)) = form
                                                                        .messages
                                                                        .into_iter()
                                                                        .find(|m| matches!(m, Message::Flex(_)))
                                                                {
                                                                    replace(doc, f);
                                                                    on_done.run(());
                                                                }
                                                            });
                                                        }
                                                    >
                                                        {format!("{}（{}）", row.title, row.department)}
                                                    </button>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        })
                }}
            </Suspense>
        </section>
    }
}
