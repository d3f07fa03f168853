use leptos::prelude::*;

use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::{AddAllowedIp, AllowedIpView, RemoveAllowedIp, allowed_ips};
use crate::components::{AsyncView, ErrorNote, Outcome};

/// 設定 → 接続元IP制限: the networks from which the admin panel may be used.
#[component]
pub fn AllowedIpsPage() -> impl IntoView {
    let add = ServerAction::<AddAllowedIp>::new();
    let remove = ServerAction::<RemoveAllowedIp>::new();
    let list = Resource::new(
        move || (add.version().get(), remove.version().get()),
        |_| allowed_ips(),
    );
    view! {
        <Title text="接続元IP制限" />
        <p>
            <A href="/admin/settings">"← 設定"</A>
        </p>
        <h1>"接続元IP制限"</h1>
        <p class="hint">
            "管理画面とその操作は、ここに登録したネットワーク（IPv4・IPv6 の CIDR 形式、または単一のアドレス）からだけ利用できます。"
            "LINE の Webhook、LIFF ページ、ヘルスチェックは対象外です。"
            "締め出された場合は、サーバー上で "
            <code>"machidayori admin allow-ip 範囲"</code>
            " を実行すると接続を回復できます。"
        </p>
        <AsyncView resource=list let:view>
            {{
                let empty = view.entries.is_empty();
                let yours = view.your_address.unwrap_or_else(|| "不明".to_owned());
                view! {
                    <p class="notice" data-testid="your-address">
                        "あなたの接続元アドレス："
                        <code>{yours}</code>
                    </p>
                    {empty
                        .then(|| {
                            view! {
                                <p
                                    class="notice warning"
                                    role="alert"
                                    data-testid="allow-all-warning"
                                >
                                    "許可するネットワークが登録されていないため、すべての接続元から管理画面に接続できます。"
                                    "本番運用では、庁内ネットワークの範囲を登録してください。"
                                </p>
                            }
                        })}
                    {move || {
                        remove
                            .value()
                            .get()
                            .and_then(Result::err)
                            .map(|error| view! { <ErrorNote error /> })
                    }}
                    <table class="data-table" data-testid="allowed-ips">
                        <thead>
                            <tr>
                                <th scope="col">"範囲"</th>
                                <th scope="col">"備考"</th>
                                <th scope="col">"登録元"</th>
                                <th scope="col">"登録日時"</th>
                                <th scope="col">
                                    <span class="visually-hidden">"操作"</span>
                                </th>
                            </tr>
                        </thead>
                        <tbody>
                            {view
                                .entries
                                .into_iter()
                                .map(|e| view! { <AllowedIpLine entry=e remove=remove /> })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </AsyncView>
        <section class="panel">
            <h2>"範囲を追加"</h2>
            <ActionForm action=add attr:class="stack">
                <div class="field">
                    <label for="allowed-network">
                        "IPアドレスまたは CIDR（例：192.0.2.0/24、2001:db8::/32）"
                    </label>
                    <input
                        id="allowed-network"
                        name="network"
                        required
                        maxlength="64"
                        autocomplete="off"
                    />
                </div>
                <div class="field">
                    <label for="allowed-note">"備考（任意、200文字まで）"</label>
                    <input id="allowed-note" name="note" maxlength="200" autocomplete="off" />
                </div>
                <button type="submit" class="button primary" disabled=move || add.pending().get()>
                    "追加"
                </button>
                <Outcome value=add.value() done="追加しました。" />
            </ActionForm>
        </section>
    }
}

#[component]
fn AllowedIpLine(entry: AllowedIpView, remove: ServerAction<RemoveAllowedIp>) -> impl IntoView {
    view! {
        <tr>
            <td>
                <code>{entry.network.clone()}</code>
            </td>
            <td>{entry.note}</td>
            <td>{entry.source.label_ja()}</td>
            <td>{entry.added_at}</td>
            <td>
                {match entry.id {
                    Some(id) => {
                        view! {
                            <ActionForm action=remove>
                                <input type="hidden" name="id" value=id.to_string() />
                                <button
                                    type="submit"
                                    class="button small ghost"
                                    aria-label=format!("{} を削除", entry.network)
                                >
                                    "削除"
                                </button>
                            </ActionForm>
                        }
                            .into_any()
                    }
                    None => {
                        view! {
                            <span class="hint">
                                "設定で指定（画面からは削除できません）"
                            </span>
                        }
                            .into_any()
                    }
                }}
            </td>
        </tr>
    }
}
