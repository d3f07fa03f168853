//! 「テスト配信」: the saved delivery, marked as a test (LINE's sender name 「テスト配信」 and a
//! 【テスト】 line first), to chosen test recipients of its channel or to the test recipients who
//! match its target. Shows what was sent and LINE's answer. Unsaved changes are saved first.

use leptos::prelude::*;
use leptos_router::components::A;

use super::editor::Page;
use super::progress::TestResult;
use crate::api::{AppError, DeliveryTest, send_test_delivery, test_recipient_choices};

#[component]
pub fn TestSendDialog(open: RwSignal<bool>) -> AnyView {
    let page = expect_context::<Page>();
    let channel_id = page.channel.get_untracked();
    let channel_key = page
        .channel_choice(channel_id)
        .map(|c| c.key)
        .unwrap_or_default();
    let dirty = page.dirty_untracked() && untrack(|| page.editable());
    let choices = LocalResource::new(test_recipient_choices);
    let by_target = RwSignal::new(false);
    let chosen = RwSignal::new(Vec::<i64>::new());
    let error = RwSignal::new(None::<AppError>);
    let result = RwSignal::new(None::<DeliveryTest>);
    let blocked = move || page.busy.get() || (!by_target.get() && chosen.with(Vec::is_empty));
    let send = move |_| {
        page.busy.set(true);
        error.set(None);
        result.set(None);
        let (recipients, matching) = (chosen.get_untracked(), by_target.get_untracked());
        leptos::task::spawn_local(async move {
            let outcome = async {
                let state = page.ensure_saved().await?;
                send_test_delivery(state.id, recipients, matching).await
            }
            .await;
            page.busy.set(false);
            match outcome {
                Ok(test) => {
                    page.tests.update(|list| list.insert(0, test.clone()));
                    result.set(Some(test));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let registry = format!("/admin/test-recipients?ch={channel_key}");
    view! {
        <h2 id="test-send-title">"テスト配信"</h2>
        <p class="hint">
            "保存した内容を、テスト配信先に送ります。LINE では送信者名「テスト配信」と、最初のテキストの前の「【テスト】」で見分けられます。配信の状態や送信数は変わりません。"
        </p>
        {dirty
            .then(|| {
                view! {
                    <p class="notice">
                        "保存していない変更があります。この内容で保存してからテスト配信します。"
                    </p>
                }
            })}
        <fieldset class="choices">
            <legend>"送り先"</legend>
            <label class="checkbox" for="test-mode-chosen">
                <input
                    type="radio"
                    id="test-mode-chosen"
                    name="test-mode"
                    prop:checked=move || !by_target.get()
                    on:change=move |_| by_target.set(false)
                />
                "テスト配信先を選ぶ"
            </label>
            <label class="checkbox" for="test-mode-target">
                <input
                    type="radio"
                    id="test-mode-target"
                    name="test-mode"
                    prop:checked=move || by_target.get()
                    on:change=move |_| by_target.set(true)
                />
                "配信対象に当てはまるテスト配信先（配信対象の条件が正しいか確かめられます）"
            </label>
        </fieldset>
        {move || {
            (!by_target.get())
                .then(|| {
                    match choices.get() {
                        None => view! { <p class="hint">"読み込み中…"</p> }.into_any(),
                        Some(Err(e)) => {
                            view! { <crate::components::ErrorNote error=e /> }.into_any()
                        }
                        Some(Ok(list)) => {
                            let list: Vec<_> = list
                                .into_iter()
                                .filter(|r| Some(r.channel_id) == channel_id)
                                .collect();
                            if list.is_empty() {
                                view! {
                                    <p class="hint" data-testid="no-test-recipients">
                                        "このチャネルのテスト配信先が登録されていません。"
                                        <A href=registry.clone()>"「テスト配信先」"</A>
                                        "で、職員の LINE アカウントなどを登録してください。"
                                    </p>
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <fieldset class="choices delivery-test-recipients">
                                        <legend>"テスト配信先"</legend>
                                        {list
                                            .into_iter()
                                            .map(|r| {
                                                let id = format!("test-recipient-{}", r.id);
                                                let label_for = id.clone();
                                                let rid = r.id;
                                                let mut detail = format!(
                                                    "LINE：{}／{}",
                                                    r.display_name,
                                                    r.department,
                                                );
                                                if !r.groups.is_empty() {
                                                    detail
                                                        .push_str(
                                                            &format!("／グループ：{}", r.groups.join("、")),
                                                        );
                                                }
                                                view! {
                                                    <label class="checkbox" for=label_for>
                                                        <input
                                                            type="checkbox"
                                                            id=id
                                                            disabled=!r.following
                                                            prop:checked=move || { chosen.with(|c| c.contains(&rid)) }
                                                            on:change=move |ev| {
                                                                let on = event_target_checked(&ev);
                                                                chosen
                                                                    .update(|c| {
                                                                        c.retain(|x| *x != rid);
                                                                        if on {
                                                                            c.push(rid);
                                                                        }
                                                                    });
                                                            }
                                                        />
                                                        {r.name}
                                                        <span class="hint">{format!("（{detail}）")}</span>
                                                        {(!r.following)
                                                            .then(|| {
                                                                view! {
                                                                    <span class="status blocked">"ブロック中"</span>
                                                                }
                                                            })}
                                                    </label>
                                                }
                                            })
                                            .collect_view()}
                                    </fieldset>
                                }
                                    .into_any()
                            }
                        }
                    }
                })
        }}
        {move || error.get().map(|e| view! { <crate::components::ErrorNote error=e /> })}
        {move || {
            result
                .get()
                .map(|t| {
                    view! {
                        <div class="notice" role="status" data-testid="test-send-result">
                            <p>
                                <span class="status test-badge">"テスト"</span>
                                {format!(" 送り先：{}", t.names.join("、"))}
                            </p>
                            <p>"LINE の応答：" <TestResult status=t.status error=t.error /></p>
                        </div>
                    }
                })
        }}
        <div class="toolbar">
            <button
                type="button"
                class="button primary"
                data-testid="send-test"
                disabled=blocked
                on:click=send
            >
                "テスト配信する"
            </button>
            <button type="button" class="button ghost" on:click=move |_| open.set(false)>
                "閉じる"
            </button>
        </div>
    }
    .into_any()
}
