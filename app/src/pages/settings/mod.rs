mod allowed_ips;

pub use allowed_ips::AllowedIpsPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use line::validate::MAX_TEXT_LENGTH;

use crate::api::{ChannelView, SaveGreeting};
use crate::components::{AsyncView, Outcome, textarea_content};
use crate::layout::use_channel;

/// 設定: the LINE channels (secrets masked) and each channel's greeting message.
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
            {list
                .into_iter()
                .map(|c| view! { <ChannelCard channel=c /> })
                .collect_view()
                .into_any()}
        </AsyncView>
    }
}

#[component]
fn ChannelCard(channel: ChannelView) -> impl IntoView {
    let save = ServerAction::<SaveGreeting>::new();
    let key = channel.key.clone();
    let (text_id, flex_id) = (
        format!("greeting-text-{key}"),
        format!("greeting-flex-{key}"),
    );
    let webhook = format!("/webhook/line/{key}");
    let unset = || "未設定".to_owned();
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
            <ActionForm action=save attr:class="stack">
                <input type="hidden" name="channel" value=channel.key.clone() />
                <label class="checkbox">
                    <input
                        type="checkbox"
                        name="enabled"
                        value="on"
                        checked=channel.greeting_enabled
                    />
                    "友だち追加時にあいさつメッセージを送る"
                </label>
                <div class="field">
                    <label for=text_id
                        .clone()>{format!("本文（{MAX_TEXT_LENGTH}文字まで）")}</label>
                    <textarea
                        id=text_id
                        name="text"
                        rows="4"
                        maxlength=MAX_TEXT_LENGTH
                        inner_html=textarea_content(&channel.greeting_text)
                    ></textarea>
                </div>
                <div class="field">
                    <label for=flex_id.clone()>"Flex メッセージ（JSON、任意）"</label>
                    <textarea
                        id=flex_id
                        name="flex"
                        rows="6"
                        class="code"
                        inner_html=textarea_content(&channel.greeting_flex)
                    ></textarea>
                </div>
                <button type="submit" class="button primary" disabled=move || save.pending().get()>
                    "保存"
                </button>
                <Outcome value=save.value() done="保存しました。" />
            </ActionForm>
        </section>
    }
}
