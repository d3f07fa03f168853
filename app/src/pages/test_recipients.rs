//! テスト配信先: the friends (usually staff's own LINE accounts) each department registers to
//! receive test deliveries, with a name, a note and groups. The page lists the selected
//! channel's test recipients of the user's departments, filters them by group, and, with
//! テスト配信先 編集, registers a friend found by display name or LINE user id, edits an entry in
//! place and removes it after a confirmation.

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use wasm_bindgen::JsCast;

use super::friends::{reset_after, successes};
use crate::api::{
    DepartmentOption, FriendCandidate, RemoveTestRecipient, SaveTestRecipient,
    TestRecipientRegistry, TestRecipientRow, list_test_recipients, search_test_recipient_friends,
};
use crate::components::{AsyncView, ChannelBar, ConfirmDelete, DataTable, ErrorNote, Outcome};
use crate::layout::use_channel;

const HEADINGS: &[&str] = &["名前", "LINE の表示名", "部署", "グループ", "メモ", "状態"];
const HEADINGS_WITH_ACTIONS: &[&str] = &[
    "名前",
    "LINE の表示名",
    "部署",
    "グループ",
    "メモ",
    "状態",
    "操作",
];

/// The page's three actions (register, edit and remove; register and edit are separate actions
/// of the same server function so that each form shows only its own outcome), and what must
/// outlive a reload of the list: after a save the list is drawn again over the same elements,
/// which keep what was typed or chosen in them.
#[derive(Clone, Copy)]
struct Actions {
    add: ServerAction<SaveTestRecipient>,
    edit: ServerAction<SaveTestRecipient>,
    remove: ServerAction<RemoveTestRecipient>,
    /// The register form, emptied after each registration.
    add_form: NodeRef<leptos::html::Form>,
    /// The group the list is filtered by (empty: all).
    group: RwSignal<String>,
    /// The element to focus once the list is drawn again (the edited row's button, or the
    /// list's heading after a removal), so that keyboard users stay where they were.
    focus: RwSignal<Option<String>>,
}

#[component]
pub fn TestRecipientsPage() -> impl IntoView {
    let channel = use_channel();
    let actions = Actions {
        add: ServerAction::new(),
        edit: ServerAction::new(),
        remove: ServerAction::new(),
        add_form: NodeRef::new(),
        group: RwSignal::new(String::new()),
        focus: RwSignal::new(None),
    };
    // Read again after each success only: after a failure the form keeps what was typed.
    let added = successes(actions.add.value());
    let edited = successes(actions.edit.value());
    let removed = successes(actions.remove.value());
    reset_after(actions.add_form, added);
    after_success(edited, move || {
        if let Some(Ok(id)) = actions.edit.value().get_untracked() {
            actions.focus.set(Some(format!("tr-edit-button-{id}")));
        }
    });
    after_success(removed, move || {
        actions.focus.set(Some("tr-list-heading".into()))
    });
    let registry = Resource::new(
        move || (channel.key.get(), added.get(), edited.get(), removed.get()),
        |(ch, ..)| list_test_recipients(ch),
    );
    view! {
        <Title text="テスト配信先" />
        <h1>"テスト配信先"</h1>
        <ChannelBar />
        <p class="hint lead">
            "配信の前にテスト配信を受け取る友だち（ふだんは職員ご自身の LINE）を部署ごとに登録します。名前・メモ・グループ（例: 広報課、防災担当）を付けておくと、配信の画面の「テスト配信」で選びやすくなります。表示されるのは担当部署のテスト配信先のうち、選択中のチャネルの友だちです。"
        </p>
        <AsyncView resource=registry let:registry>
            {view! { <Registry registry actions /> }.into_any()}
        </AsyncView>
    }
}

/// Runs `then` after each new success counted by `count` (not when the page opens).
fn after_success(count: Memo<usize>, then: impl Fn() + 'static) {
    Effect::new(move |before: Option<usize>| {
        let now = count.get();
        if before.is_some_and(|b| b != now) {
            then();
        }
        now
    });
}

#[component]
fn Registry(registry: TestRecipientRegistry, actions: Actions) -> impl IntoView {
    let TestRecipientRegistry {
        recipients,
        on_other_channels,
        departments,
        can_edit,
    } = registry;
    let editing = RwSignal::new(None::<i64>);
    let mut groups: Vec<String> = recipients
        .iter()
        .flat_map(|r| r.groups.iter().cloned())
        .collect();
    groups.sort();
    groups.dedup();
    // A group no entry has any more (after an edit or a removal) filters nothing.
    let group = Signal::derive({
        let groups = groups.clone();
        move || {
            let chosen = actions.group.get();
            if groups.contains(&chosen) {
                chosen
            } else {
                String::new()
            }
        }
    });
    if let Some(id) = actions.focus.get_untracked() {
        actions.focus.set(None);
        focus_later(id);
    }
    let total = recipients.len();
    let shown = {
        let groups: Vec<Vec<String>> = recipients.iter().map(|r| r.groups.clone()).collect();
        move || {
            let chosen = group.get();
            groups
                .iter()
                .filter(|g| chosen.is_empty() || g.contains(&chosen))
                .count()
        }
    };
    let headings = if can_edit {
        HEADINGS_WITH_ACTIONS
    } else {
        HEADINGS
    };
    view! {
        {(!can_edit)
            .then(|| {
                view! {
                    <p class="notice" role="note" data-testid="test-recipients-readonly">
                        "閲覧のみです。テスト配信先の登録・変更は、テスト配信先の編集権限がある職員が行えます。"
                    </p>
                }
            })}
        {can_edit
            .then(|| {
                view! {
                    <AddForm
                        departments=departments.clone()
                        action=actions.add
                        form=actions.add_form
                    />
                }
            })}
        <section aria-labelledby="tr-list-heading">
            <h2 id="tr-list-heading" tabindex="-1">
                {format!("登録済みのテスト配信先（{total}件）")}
            </h2>
            {move || {
                matches!(actions.edit.value().get(), Some(Ok(_)))
                    .then(|| {
                        view! {
                            <p class="notice" role="status">
                                "テスト配信先を変更しました。"
                            </p>
                        }
                    })
            }}
            {move || {
                matches!(actions.remove.value().get(), Some(Ok(_)))
                    .then(|| {
                        view! {
                            <p class="notice" role="status">
                                "テスト配信先から外しました。"
                            </p>
                        }
                    })
            }}
            {if total == 0 {
                view! { <EmptyState can_edit /> }.into_any()
            } else {
                view! {
                    {(!groups.is_empty())
                        .then(|| {
                            view! {
                                <div class="filters">
                                    <div class="field">
                                        <label for="tr-group">"グループで絞り込み"</label>
                                        <select
                                            id="tr-group"
                                            prop:value=move || group.get()
                                            on:change=move |ev| {
                                                actions.group.set(event_target_value(&ev))
                                            }
                                        >
                                            <option value="">"すべて"</option>
                                            {groups
                                                .iter()
                                                .map(|g| {
                                                    view! { <option value=g.clone()>{g.clone()}</option> }
                                                })
                                                .collect_view()}
                                        </select>
                                    </div>
                                    <p
                                        class="hint"
                                        aria-live="polite"
                                        data-testid="test-recipients-shown"
                                    >
                                        {move || format!("{} 件を表示", shown())}
                                    </p>
                                </div>
                            }
                        })}
                    <DataTable test_id="test-recipients" headings>
                        {recipients
                            .into_iter()
                            .map(|recipient| {
                                view! {
                                    <RecipientRows
                                        recipient
                                        group
                                        editing
                                        actions
                                        departments=departments.clone()
                                        can_edit
                                    />
                                }
                            })
                            .collect_view()}
                    </DataTable>
                }
                    .into_any()
            }}
            {(on_other_channels > 0)
                .then(|| {
                    view! {
                        <p class="hint test-recipient-other-channels">
                            {format!(
                                "ほかのチャネルの友だちが {on_other_channels} 件登録されています。画面上部のチャネル切り替えで表示できます。",
                            )}
                        </p>
                    }
                })}
        </section>
    }
}

/// What test recipients are and how to add one, while there are none.
#[component]
fn EmptyState(can_edit: bool) -> impl IntoView {
    let how = if can_edit {
        "上の「テスト配信先を登録」で、ご自身の LINE の表示名を検索して選び、名前とグループ（例: 広報課、防災担当）を入れて登録します。"
    } else {
        "登録は、テスト配信先の編集権限がある職員が行えます。"
    };
    view! {
        <div class="panel test-recipient-empty" data-testid="test-recipients-empty">
            <p>
                "テスト配信先はまだありません。テスト配信先は、配信の前に内容や届き方を確かめるための受け取り手です。テスト配信は「テスト配信」と分かる形で届き、本番の配信数や統計には数えません。"
            </p>
            <ol class="plain-steps">
                <li>
                    "職員ご自身の LINE で公式アカウントを友だち追加してから、ここで登録します。"
                </li>
                <li>{how}</li>
                <li>
                    "配信の画面で「テスト配信」を押し、登録した人やグループを選んで送ります。"
                </li>
            </ol>
        </div>
    }
}

/// A test recipient's row and, while it is being edited, the row of its edit form below it.
#[component]
fn RecipientRows(
    recipient: TestRecipientRow,
    group: Signal<String>,
    editing: RwSignal<Option<i64>>,
    actions: Actions,
    departments: Vec<DepartmentOption>,
    can_edit: bool,
) -> impl IntoView {
    let id = recipient.id;
    let hidden = {
        let groups = recipient.groups.clone();
        move || {
            let chosen = group.get();
            !chosen.is_empty() && !groups.contains(&chosen)
        }
    };
    let open = move || editing.get() == Some(id);
    let button_id = format!("tr-edit-button-{id}");
    let toggle = move |_| {
        if editing.get_untracked() == Some(id) {
            editing.set(None);
        } else {
            // An earlier row's error is not this one's.
            actions.edit.value().set(None);
            actions.remove.value().set(None);
            editing.set(Some(id));
            focus_later(format!("tr-{id}-name"));
        }
    };
    let close = Callback::new({
        let button_id = button_id.clone();
        move |()| {
            editing.set(None);
            focus_later(button_id.clone());
        }
    });
    let (status_class, status) = if recipient.following {
        ("status ok", "友だち")
    } else {
        ("status blocked", "ブロック中")
    };
    let edit_row = {
        let hidden = hidden.clone();
        let recipient = recipient.clone();
        move || {
            (can_edit && open() && !hidden()).then(|| {
                view! {
                    <tr class="test-recipient-edit">
                        <td colspan="7">
                            <EditForm
                                recipient=recipient.clone()
                                departments=departments.clone()
                                actions
                                close
                            />
                        </td>
                    </tr>
                }
            })
        }
    };
    view! {
        <tr data-test-recipient=recipient.name.clone() hidden=hidden>
            <td>{recipient.name.clone()}</td>
            <td>
                {recipient.display_name}
                <span class="test-recipient-id">{recipient.line_user_id}</span>
            </td>
            <td>{recipient.department}</td>
            <td>
                <GroupChips groups=recipient.groups />
            </td>
            <td class="test-recipient-note">{recipient.note}</td>
            <td>
                <span class=status_class>{status}</span>
            </td>
            {can_edit
                .then(|| {
                    view! {
                        <td>
                            <button
                                type="button"
                                class="button small"
                                id=button_id
                                aria-expanded=move || open().to_string()
                                on:click=toggle
                            >
                                {move || if open() { "閉じる" } else { "編集" }}
                                <span class="visually-hidden">
                                    {format!("：{}", recipient.name)}
                                </span>
                            </button>
                        </td>
                    }
                })}
        </tr>
        {edit_row}
    }
}

#[component]
fn GroupChips(groups: Vec<String>) -> impl IntoView {
    (!groups.is_empty()).then(|| {
        view! {
            <ul class="test-recipient-groups">
                {groups.into_iter().map(|g| view! { <li>{g}</li> }).collect_view()}
            </ul>
        }
    })
}

/// Moves keyboard focus to the element `id` once the DOM has settled (an opened edit form's
/// first field, or back to its button when it closes).
fn focus_later(id: String) {
    request_animation_frame(move || {
        if let Some(element) = document().get_element_by_id(&id)
            && let Ok(element) = element.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = element.focus();
        }
    });
}

/// The edit form of one test recipient, with its removal (Escape closes it).
#[component]
fn EditForm(
    recipient: TestRecipientRow,
    departments: Vec<DepartmentOption>,
    actions: Actions,
    close: Callback<()>,
) -> impl IntoView {
    let id = recipient.id;
    let heading_id = format!("tr-{id}-heading");
    let name = RwSignal::new(recipient.name.clone());
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            close.run(());
        }
    };
    view! {
        <div class="test-recipient-edit-panel" on:keydown=on_keydown>
            <h3 id=heading_id.clone()>{format!("「{}」を編集", recipient.name)}</h3>
            <p class="hint">
                {format!(
                    "LINE の表示名：{}（{}）　登録：{}（{}）",
                    recipient.display_name,
                    recipient.line_user_id,
                    recipient.created_at,
                    recipient.created_by,
                )}
            </p>
            <ActionForm
                action=actions.edit
                attr:class="stack"
                attr:aria-labelledby=heading_id
                attr:data-testid="test-recipient-edit"
            >
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="friend_id" value=recipient.friend_id />
                <RecipientFields
                    prefix=format!("tr-{id}")
                    departments
                    department=Some(recipient.department_id)
                    name
                    note=recipient.note.clone()
                    groups=recipient.groups.join("、")
                />
                <div class="toolbar">
                    <button
                        type="submit"
                        class="button primary"
                        disabled=move || actions.edit.pending().get()
                    >
                        "保存"
                    </button>
                    <button type="button" class="button ghost" on:click=move |_| close.run(())>
                        "キャンセル"
                    </button>
                </div>
            </ActionForm>
            {move || {
                actions
                    .edit
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <ErrorNote error /> })
            }}
            <ActionForm
                action=actions.remove
                attr:class="inline-form test-recipient-remove"
                attr:data-testid="test-recipient-remove"
            >
                <input type="hidden" name="id" value=id />
                <ConfirmDelete
                    statement="テスト配信先から外すことを確認しました（友だちのままです）"
                    button="テスト配信先から外す"
                />
            </ActionForm>
            {move || {
                actions
                    .remove
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <ErrorNote error /> })
            }}
        </div>
    }
}

/// Registers a friend: search the channel's friends (a GET form, `?q=`), pick one, name it.
#[component]
fn AddForm(
    departments: Vec<DepartmentOption>,
    action: ServerAction<SaveTestRecipient>,
    form: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    let channel = use_channel();
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    // With the query it answers, so that the caption never describes newer results than shown.
    let candidates = Resource::new(
        move || (channel.key.get(), q()),
        |(ch, q)| async move {
            let found = search_test_recipient_friends(ch, q.clone()).await;
            (q, found)
        },
    );
    let name = RwSignal::new(String::new());
    view! {
        <section
            class="panel stack"
            aria-labelledby="tr-add-heading"
            data-testid="test-recipient-add-panel"
        >
            <h2 id="tr-add-heading">"テスト配信先を登録"</h2>
            <p class="hint">
                "職員ご自身の LINE で公式アカウントを友だち追加してから、ここで登録します。表示名または LINE ユーザー ID で友だちを検索し、一覧から選んでください。"
            </p>
            <Form method="GET" action="" attr:class="filters" attr:role="search">
                <input type="hidden" name="ch" value=move || channel.key.get() />
                <div class="field">
                    <label for="tr-search">"友だちを検索（表示名または ID）"</label>
                    <input id="tr-search" name="q" type="search" maxlength="100" value=q />
                </div>
                <button type="submit" class="button">
                    "検索"
                </button>
            </Form>
            <ActionForm
                action
                node_ref=form
                attr:class="stack"
                attr:data-testid="test-recipient-add"
            >
                <Transition fallback=|| {
                    view! { <p class="hint">"友だちを読み込み中…"</p> }
                }>
                    {move || {
                        candidates
                            .get()
                            .map(|(searched, result)| match result {
                                Ok(list) => view! { <Candidates list searched name /> }.into_any(),
                                Err(error) => view! { <ErrorNote error /> }.into_any(),
                            })
                    }}
                </Transition>
                <RecipientFields
                    prefix="tr-new".to_owned()
                    departments
                    department=None
                    name
                    note=String::new()
                    groups=String::new()
                />
                <div class="toolbar">
                    <button
                        type="submit"
                        class="button primary"
                        data-testid="add-test-recipient"
                        disabled=move || action.pending().get()
                    >
                        "登録"
                    </button>
                </div>
            </ActionForm>
            <Outcome value=action.value() done="テスト配信先に登録しました。" />
        </section>
    }
}

/// The friends to pick from: the search's matches, or the latest followers.
#[component]
fn Candidates(
    list: Vec<FriendCandidate>,
    searched: String,
    name: RwSignal<String>,
) -> impl IntoView {
    let caption = if searched.trim().is_empty() {
        "最近友だち追加した順に表示しています（最大20人）。見つからないときは検索してください。"
            .to_owned()
    } else {
        format!(
            "「{}」の検索結果（最大20人、友だちを先に表示）",
            searched.trim()
        )
    };
    view! {
        <fieldset class="choices test-recipient-candidates">
            <legend>"登録する友だち"</legend>
            <p class="hint">{caption}</p>
            {if list.is_empty() {
                view! {
                    <p class="hint" data-testid="test-recipient-no-friends">
                        "該当する友だちはいません。職員ご自身の LINE で公式アカウントを友だち追加してから、表示名で検索してください。"
                    </p>
                }
                    .into_any()
            } else {
                list.into_iter()
                    .map(|c| {
                        let display = c.display_name.clone();
                        let user = c.line_user_id.clone();
                        let pick = move |_| {
                            if name.get_untracked().trim().is_empty() {
                                name.set(display.clone());
                            }
                        };
                        view! {
                            <label class="test-recipient-candidate" data-friend=user>
                                <input
                                    type="radio"
                                    name="friend_id"
                                    value=c.id
                                    required
                                    on:change=pick
                                />
                                <span class="test-recipient-candidate-name">{c.display_name}</span>
                                <span class="test-recipient-id">{c.line_user_id}</span>
                                {(!c.following)
                                    .then(|| {
                                        view! {
                                            <span class="status blocked">"ブロック中"</span>
                                        }
                                    })}
                                {(!c.registered.is_empty())
                                    .then(|| {
                                        view! {
                                            <span class="hint">
                                                {format!("登録済み: {}", c.registered.join("、"))}
                                            </span>
                                        }
                                    })}
                            </label>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </fieldset>
    }
}

/// Department, name, note and groups: the fields the add and edit forms share. `prefix` keeps
/// the ids of several forms apart.
#[component]
fn RecipientFields(
    prefix: String,
    departments: Vec<DepartmentOption>,
    department: Option<i64>,
    name: RwSignal<String>,
    note: String,
    groups: String,
) -> impl IntoView {
    // One department: it is the owner. Several: the user picks (no silent default).
    let single = (departments.len() == 1).then(|| departments[0].id);
    let chosen = department.or(single);
    let id = |field: &str| format!("{prefix}-{field}");
    let groups_hint = id("groups-hint");
    view! {
        <div class="test-recipient-fields">
            <div class="field">
                <label for=id("department")>"部署"</label>
                <select id=id("department") name="department_id" required>
                    {chosen
                        .is_none()
                        .then(|| {
                            view! {
                                <option value="" disabled selected>
                                    "選んでください"
                                </option>
                            }
                        })}
                    {departments
                        .iter()
                        .map(|d| {
                            view! {
                                <option value=d.id.to_string() selected=chosen == Some(d.id)>
                                    {d.name.clone()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                {departments
                    .is_empty()
                    .then(|| {
                        view! {
                            <p class="form-error">
                                "選べる部署がないため登録できません。担当部署の設定を管理者に依頼してください。"
                            </p>
                        }
                    })}
            </div>
            <div class="field">
                <label for=id("name")>"名前"</label>
                <input
                    id=id("name")
                    name="name"
                    required
                    maxlength="50"
                    placeholder="例: 広報課 佐藤"
                    value=name.get_untracked()
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
            </div>
            <div class="field">
                <label for=id("note")>"メモ（任意）"</label>
                <input id=id("note") name="note" maxlength="200" value=note />
            </div>
            <div class="field">
                <label for=id("groups")>"グループ（任意）"</label>
                <input
                    id=id("groups")
                    name="groups"
                    value=groups
                    placeholder="例: 広報課、防災担当"
                    aria-describedby=groups_hint.clone()
                />
                <p id=groups_hint class="hint">
                    "「、」かカンマで区切ります。10個まで、1つ20文字まで。"
                </p>
            </div>
        </div>
    }
}
