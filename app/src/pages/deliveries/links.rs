//! 「リンクのクリック計測」 in the delivery form: the links of the messages (as LINE makes them
//! tappable, `line::links`), each tracked unless staff untick it. A tracked link is sent as
//! `/r/{code}` and counted when tapped; an untracked one is sent as it is. 「クリックした人を
//! 記録する」 sends each friend links of their own (one push each), so staff see who tapped.

use leptos::prelude::*;

use super::editor::Page;

#[component]
pub fn LinkTracking(readonly: Signal<bool>) -> AnyView {
    let page = expect_context::<Page>();
    let links = Memo::new(move |_| page.messages.with(|m| line::links::links_in(m)));
    view! {
        <div class="link-tracking" data-testid="link-tracking">
            <h3>"リンクのクリック計測"</h3>
            {move || {
                let list = links.get();
                if list.is_empty() {
                    return view! {
                        <p class="hint">
                            "メッセージに URL（http:// または https://）を入れると、ここに表示され、タップされた回数を数えられます。"
                        </p>
                    }
                        .into_any();
                }
                view! {
                    <p class="hint" id="link-tracking-hint">
                        "チェックしたリンクは、送信時に計測用の短いアドレス（このシステムを経由して元のページへ移動）に置き換わり、タップ数を数えます。"
                    </p>
                    <ul class="link-list">
                        {list
                            .into_iter()
                            .enumerate()
                            .map(|(i, link)| {
                                let url = link.url.clone();
                                let id = format!("track-link-{i}");
                                let checked = {
                                    let url = url.clone();
                                    move || page.untracked.with(|u| !u.contains(&url))
                                };
                                let toggle = {
                                    let url = url.clone();
                                    move |ev: leptos::ev::Event| {
                                        let on = event_target_checked(&ev);
                                        page.untracked
                                            .update(|u| {
                                                u.retain(|x| x != &url);
                                                if !on {
                                                    u.push(url.clone());
                                                }
                                            });
                                    }
                                };
                                view! {
                                    <li>
                                        <input
                                            type="checkbox"
                                            id=id.clone()
                                            aria-describedby="link-tracking-hint"
                                            disabled=readonly
                                            prop:checked=checked
                                            on:change=toggle
                                        />
                                        <label for=id>
                                            <span class="hint">
                                                {format!("メッセージ{} ", link.message_seq)}
                                            </span>
                                            <span class="url">{url}</span>
                                        </label>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                    <div class="per-person">
                        <input
                            type="checkbox"
                            id="per-person-clicks"
                            aria-describedby="per-person-hint"
                            disabled=readonly
                            prop:checked=move || page.per_person.get()
                            on:change=move |ev| page.per_person.set(event_target_checked(&ev))
                        />
                        <label for="per-person-clicks">
                            "クリックした人を記録する"
                        </label>
                        <p class="hint" id="per-person-hint">
                            "友だち一人ひとりに別々の計測用アドレスで送ります。配信ページで誰がタップしたかが分かり、セグメントの条件「リンクのクリック」（例: 申込ページを開かなかった人へ再送）に使えます。1人ずつ送るため、送信に時間がかかります（LINEの上限は1秒に2,000人。1万人で10秒ほど、10万人で2〜3分ほど）。"
                        </p>
                    </div>
                }
                    .into_any()
            }}
        </div>
    }
    .into_any()
}
