mod allowed_ips;

pub use allowed_ips::AllowedIpsPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::{ChannelView, SaveGreeting};
use crate::components::{AsyncView, Composer, Outcome};
use crate::layout::use_channel;

/// 設定: the LINE channels (secrets masked) and each channel's greeting message. The greeting of
/// the channel chosen in the top bar is edited with the message composer (one composer per page:
/// its fields have fixed ids); the other channels show theirs in a line, with a link.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let selection = use_channel();
    view! {
        <Title text="設定" />
        <h1>"設定"</h1>
        <h2>"接続元IP制限"</h2>
        <p>
            <A href="/admin/settings/allowed-ips">
                "管理画面に接続できるネットワークを設定する"
            </A>
        </p>
        <h2>"LINE チャネル"</h2>
        <p class="hint">
            "チャネルは環境変数（main）または "<code>"machidayori channel set"</code>
            " で設定します。シークレットとアクセストークンは暗号化して保存され、末尾4文字のみ表示されます。"
        </p>
        <AsyncView resource=selection.channels let:list>
            {
                let key = selection.key.get();
                let editing = list
                    .iter()
                    .find(|c| c.key == key)
                    .or(list.first())
                    .map(|c| c.key.clone());
                list.into_iter()
                    .map(|c| {
                        let editing = editing.as_deref() == Some(c.key.as_str());
                        view! { <ChannelCard channel=c editing /> }
                    })
                    .collect_view()
                    .into_any()
            }
        </AsyncView>
    }
}

#[component]
fn ChannelCard(channel: ChannelView, editing: bool) -> impl IntoView {
    let key = channel.key.clone();
    let webhook = format!("/webhook/line/{key}");
    let unset = || "未設定".to_owned();
    let greeting = if editing {
        view! { <GreetingForm channel=channel.clone() /> }.into_any()
    } else {
        view! { <GreetingSummary channel=channel.clone() /> }.into_any()
    };
    view! {
        <section class="panel channel" data-channel=key>
            <h3>{channel.badge()}</h3>
            <dl class="profile">
                <dt>"チャネルキー"</dt>
                <dd>
                    <code>{channel.key.clone()}</code>
                </dd>
                <dt>"Webhook URL"</dt>
                <dd>
                    <code>{webhook}</code>
                </dd>
                <dt>"チャネル ID"</dt>
                <dd>{channel.channel_id.clone().unwrap_or_else(unset)}</dd>
                <dt>"チャネルシークレット"</dt>
                <dd>{channel.channel_secret.clone()}</dd>
                <dt>"アクセストークン"</dt>
                <dd>{channel.access_token.clone()}</dd>
                <dt>"LINE ログインチャネル ID"</dt>
                <dd>{channel.login_channel_id.clone().unwrap_or_else(unset)}</dd>
                <dt>"LIFF ID"</dt>
                <dd>{channel.liff_id.clone().unwrap_or_else(unset)}</dd>
                <dt>"接続先"</dt>
                <dd>{channel.api_base.clone()}</dd>
            </dl>
            <h4>"あいさつメッセージ（友だち追加時）"</h4>
            {greeting}
        </section>
    }
}

/// The greeting of the channel being edited: the enabled switch and the composer. The form posts
/// the composer's messages as LINE's JSON; the server checks them by the same rules.
#[component]
fn GreetingForm(channel: ChannelView) -> impl IntoView {
    let save = ServerAction::<SaveGreeting>::new();
    let messages = RwSignal::new(crate::components::messages_from_query(
        channel.greeting_messages.clone(),
    ));
    let messages_json = move || messages.with(|m| serde_json::to_string(m).unwrap_or_default());
    // Drawn in the browser only: the composer works only there (the hidden field gets its value
    // from it), and resolving its deep view on the server, under the channel list, took more
    // than a 2 MB thread stack in debug builds. Type-erased for the compiler's depth limit too.
    let drawn = RwSignal::new(false);
    Effect::new(move || drawn.set(true));
    let name = channel.name.clone();
    let composer = move || {
        if drawn.get() {
            view! { <Composer messages account_name=name.clone() /> }.into_any()
        } else {
            view! { <p class="hint">"メッセージ作成画面を読み込み中…"</p> }.into_any()
        }
    };
    view! {
        <ActionForm action=save attr:class="stack" attr:data-testid="greeting-form">
            <input type="hidden" name="channel" value=channel.key.clone() />
            <input
                type="hidden"
                name="messages"
                value=messages.with_untracked(|m| serde_json::to_string(m).unwrap_or_default())
                prop:value=messages_json
            />
            <label class="checkbox">
                <input type="checkbox" name="enabled" value="on" checked=channel.greeting_enabled />
                "友だち追加時にあいさつメッセージを送る"
            </label>
            <p class="hint">
                "友だち追加の直後に、ここで作ったメッセージ（5件まで）がこの順に届きます。"
            </p>
            {composer}
            <div class="toolbar">
                <button
                    type="submit"
                    class="button primary"
                    data-testid="save-greeting"
                    disabled=move || save.pending().get()
                >
                    "保存"
                </button>
            </div>
            <Outcome value=save.value() done="保存しました。" />
        </ActionForm>
    }
}

/// Another channel's greeting, in a line: edited after choosing that channel.
#[component]
fn GreetingSummary(channel: ChannelView) -> impl IntoView {
    let state = match (channel.greeting_enabled, channel.greeting_messages.len()) {
        (false, _) => "送らない".to_owned(),
        (true, n) => format!("送る（メッセージ{n}件）"),
    };
    view! {
        <p data-testid="greeting-summary">
            {state}"　"
            <A href=format!(
                "/admin/settings?ch={}",
                channel.key,
            )>"このチャネルのあいさつメッセージを編集する"</A>
        </p>
    }
}
