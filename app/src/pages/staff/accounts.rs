//! 職員アカウント: every account with its role, departments and state.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::{AccountRow, list_accounts};
use crate::components::{AsyncView, DataTable, RedirectNotice};

#[component]
pub fn StaffPage() -> impl IntoView {
    let accounts = Resource::new(|| (), |_| list_accounts());
    view! {
        <Title text="管理者" />
        <h1>"職員アカウント"</h1>
        <p class="toolbar">
            <A href="/admin/staff/new" attr:class="button primary">
                "アカウントを追加"
            </A>
            <A href="/admin/staff/departments" attr:class="button ghost">
                "部署の管理"
            </A>
        </p>
        <RedirectNotice param="deleted" text="アカウントを削除しました。" />
        <AsyncView resource=accounts let:list>
            <DataTable
                test_id="accounts"
                headings=&[
                    "ユーザー名",
                    "表示名",
                    "権限",
                    "部署",
                    "状態",
                    "最終ログイン",
                ]
            >
                {list.into_iter().map(|a| view! { <AccountLine account=a /> }).collect_view()}
            </DataTable>
        </AsyncView>
    }
}

#[component]
fn AccountLine(account: AccountRow) -> impl IntoView {
    let (status, class) = if !account.active {
        ("無効", "status blocked")
    } else if account.must_change_password {
        ("パスワード変更待ち", "status")
    } else {
        ("有効", "status ok")
    };
    let href = format!("/admin/staff/{}", account.id);
    let username = account.username.clone();
    view! {
        <tr data-username=username>
            <td>
                <A href=href>{account.username}</A>
            </td>
            <td>{account.display_name}</td>
            <td>{account.role.label_ja()}</td>
            <td>{account.departments.join("、")}</td>
            <td>
                <span class=class>{status}</span>
            </td>
            <td>{account.last_login_at.unwrap_or_else(|| "—".into())}</td>
        </tr>
    }
}
