//! The component tree: every node of the message in reading order, selectable by mouse and
//! keyboard, with a toolbar for the structural edits. Keys on the tree: ↑/↓ select, Alt+↑/↓
//! move, Delete removes, Ctrl+D duplicates, Ctrl+C / Ctrl+V copy and paste (also between
//! messages and pages: the copy is kept in the browser's storage).

use leptos::prelude::*;
use line::flex_spec::NodeKind;
use serde_json::Value;

use super::FlexDoc;
use super::ops::{self, OutlineRow};

const CLIPBOARD_KEY: &str = "machidayori.flex.clipboard";

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn copy(node: &Value) {
    if let (Some(s), Ok(text)) = (storage(), serde_json::to_string(node)) {
        let _ = s.set_item(CLIPBOARD_KEY, &text);
    }
}

fn copied() -> Option<Value> {
    let text = storage()?.get_item(CLIPBOARD_KEY).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

#[derive(Clone, Copy)]
enum Edit {
    Remove,
    Duplicate,
    Up,
    Down,
    Out,
    Into,
    Copy,
    Paste,
    Carousel,
}

/// Runs a structural edit on the selected node and selects where the node went.
fn run(doc: FlexDoc, edit: Edit, status: RwSignal<String>) {
    let selected = doc.selected();
    doc.new_step();
    let done = match edit {
        Edit::Copy => {
            let node = doc.value.with_untracked(|v| v.pointer(&selected).cloned());
            if let Some(node) = node {
                copy(&node);
                status.set(
                    "コピーしました。貼り付ける場所を選んで「貼り付け」を押してください。".into(),
                );
            }
            return;
        }
        Edit::Remove => doc.edit(|v| ops::remove(v, &selected)),
        Edit::Duplicate => doc.edit(|v| ops::duplicate(v, &selected)),
        Edit::Up => doc.edit(|v| ops::move_by(v, &selected, -1)),
        Edit::Down => doc.edit(|v| ops::move_by(v, &selected, 1)),
        Edit::Out => doc.edit(|v| ops::move_out(v, &selected)),
        Edit::Into => doc.edit(|v| ops::move_into_previous(v, &selected)),
        Edit::Paste => match copied() {
            Some(node) => doc.edit(|v| ops::paste(v, &selected, node)),
            None => {
                status.set("コピーした部品がありません。".into());
                return;
            }
        },
        Edit::Carousel => doc.edit(|v| ops::toggle_carousel(v).then(String::new)),
    };
    match done {
        Some(pointer) => {
            status.set(String::new());
            doc.select(pointer);
        }
        None => status.set(
            match edit {
                Edit::Paste => "ここには貼り付けられません（LINE の決まりで置けない部品です）。",
                Edit::Out | Edit::Into => "この部品はそこへは移せません。",
                Edit::Carousel => "カルーセルをバブルに戻すには、バブルを1つにしてください。",
                _ => "この部品にはその操作はできません。",
            }
            .into(),
        ),
    }
}

/// The tree and its toolbar.
#[component]
pub fn Tree() -> impl IntoView {
    let doc = FlexDoc::use_context();
    let rows = Memo::new(move |_| doc.value.with(ops::outline));
    let status = RwSignal::new(String::new());
    let selected = Memo::new(move |_| doc.selected());
    let tree_id = format!("flex-tree-{}", doc.index);
    let select_by = move |delta: isize| {
        let all = rows.get_untracked();
        let at = all
            .iter()
            .position(|r| r.pointer == selected.get_untracked())
            .unwrap_or(0);
        if let Some(row) = at.checked_add_signed(delta).and_then(|i| all.get(i)) {
            doc.select(row.pointer.clone());
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let ctrl = ev.ctrl_key() || ev.meta_key();
        let key = ev.key();
        let edit = match (key.as_str(), ev.alt_key(), ctrl) {
            ("ArrowUp", false, false) => {
                select_by(-1);
                None
            }
            ("ArrowDown", false, false) => {
                select_by(1);
                None
            }
            ("ArrowUp", true, _) => Some(Edit::Up),
            ("ArrowDown", true, _) => Some(Edit::Down),
            ("ArrowLeft", true, _) => Some(Edit::Out),
            ("ArrowRight", true, _) => Some(Edit::Into),
            ("Delete", _, _) => Some(Edit::Remove),
            ("d" | "D", _, true) => Some(Edit::Duplicate),
            ("c" | "C", _, true) => Some(Edit::Copy),
            ("v" | "V", _, true) => Some(Edit::Paste),
            _ => return,
        };
        ev.prevent_default();
        if let Some(edit) = edit
            && !doc.draft.readonly
        {
            run(doc, edit, status);
        }
    };
    // Keep the selected row in view and focused while the tree has the focus.
    Effect::new(move || {
        let pointer = selected.get();
        rows.track();
        let Some(document) = window().document() else {
            return;
        };
        let tree_has_focus = document
            .active_element()
            .is_some_and(|a| a.closest(".flex-tree").ok().flatten().is_some());
        if tree_has_focus
            && let Some(row) = document
                .query_selector(&format!(
                    "#flex-tree-{} [data-pointer=\"{}\"]",
                    doc.index,
                    pointer.replace('"', "")
                ))
                .ok()
                .flatten()
            && let Ok(row) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(row)
        {
            let _ = row.focus();
        }
    });
    let button =
        move |edit: Edit, label: &'static str, testid: &'static str, keys: &'static str| {
            view! {
                <button
                    type="button"
                    class="button ghost small"
                    data-testid=testid
                    title=keys
                    on:click=move |_| run(doc, edit, status)
                >
                    {label}
                </button>
            }
        };
    let is_root_bubble = move || {
        doc.value
            .with(|v| ops::kind_at(v, "") == Some(NodeKind::Bubble))
    };
    view! {
        <div class="flex-tree-area">
            {(!doc.draft.readonly)
                .then(|| {
                    view! {
                        <AddMenu status />
                        <div
                            class="toolbar small flex-tree-tools"
                            role="group"
                            aria-label="部品の操作"
                        >
                            {button(Edit::Up, "上へ", "flex-up", "Alt+↑")}
                            {button(Edit::Down, "下へ", "flex-down", "Alt+↓")}
                            {button(Edit::Out, "ボックスの外へ", "flex-out", "Alt+←")}
                            {button(Edit::Into, "前のボックスへ", "flex-into", "Alt+→")}
                            {button(Edit::Duplicate, "複製", "flex-duplicate", "Ctrl+D")}
                            {button(Edit::Copy, "コピー", "flex-copy", "Ctrl+C")}
                            {button(Edit::Paste, "貼り付け", "flex-paste", "Ctrl+V")}
                            {button(Edit::Remove, "削除", "flex-remove", "Delete")}
                            <button
                                type="button"
                                class="button ghost small"
                                data-testid="flex-carousel"
                                on:click=move |_| run(doc, Edit::Carousel, status)
                            >
                                {move || {
                                    if is_root_bubble() {
                                        "カルーセルにする"
                                    } else {
                                        "1つのバブルに戻す"
                                    }
                                }}
                            </button>
                        </div>
                    }
                })} <p class="hint" role="status" data-testid="flex-tree-status">
                {move || status.get()}
            </p>
            <ul
                class="flex-tree"
                id=tree_id
                role="tree"
                aria-label="メッセージの構成"
                data-testid="flex-tree"
                on:keydown=on_keydown
            >
                <For
                    each=move || rows.get()
                    key=|r: &OutlineRow| (r.pointer.clone(), r.label.clone(), r.depth)
                    children=move |row: OutlineRow| {
                        let pointer = row.pointer.clone();
                        let is_selected = {
                            let pointer = pointer.clone();
                            Memo::new(move |_| selected.get() == pointer)
                        };
                        let click = pointer.clone();
                        let level = (row.depth + 1).to_string();
                        view! {
                            <li
                                role="treeitem"
                                attr:aria-level=level
                                aria-selected=move || is_selected.get().to_string()
                                tabindex=move || if is_selected.get() { "0" } else { "-1" }
                                class="flex-tree-row"
                                data-pointer=pointer
                                data-kind=row.kind.type_name()
                                style=format!(
                                    "padding-inline-start: {}rem",
                                    0.5 + row.depth as f32 * 1.1,
                                )
                                on:click=move |_| doc.select(click.clone())
                            >
                                {row.label}
                            </li>
                        }
                    }
                />
            </ul>
        </div>
    }
}

/// 「追加」: the children that may go into the selected node, by where they go.
#[component]
fn AddMenu(status: RwSignal<String>) -> impl IntoView {
    let doc = FlexDoc::use_context();
    let choices = Memo::new(move |_| {
        let selected = doc.selected();
        doc.value.with(|v| {
            ops::slots(v, &selected)
                .into_iter()
                .flat_map(|slot| {
                    let slot_name = match slot.key {
                        "header" => "ヘッダー",
                        "hero" => "ヒーロー",
                        "body" => "ボディ",
                        "footer" => "フッター",
                        _ => "",
                    };
                    slot.allowed
                        .iter()
                        .map(|kind| {
                            let label = if slot_name.is_empty() {
                                kind.name_ja().to_owned()
                            } else {
                                format!("{slot_name}（{}）", kind.name_ja())
                            };
                            (label, slot.clone(), *kind)
                        })
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
    });
    let chosen = RwSignal::new(0usize);
    let id = format!("flex-add-{}", doc.index);
    view! {
        <div class="toolbar small flex-add">
            <label for=id.clone()>"選んだ部品に追加"</label>
            <select
                id=id
                data-testid="flex-add-kind"
                prop:value=move || chosen.get().to_string()
                on:change=move |ev| chosen.set(event_target_value(&ev).parse().unwrap_or(0))
                disabled=move || choices.with(Vec::is_empty)
            >
                {move || {
                    let all = choices.get();
                    if all.is_empty() {
                        return view! {
                            <option value="0">"（ここには追加できません）"</option>
                        }
                            .into_any();
                    }
                    all.into_iter()
                        .enumerate()
                        .map(|(i, (label, _, _))| {
                            view! { <option value=i.to_string()>{label}</option> }
                        })
                        .collect_view()
                        .into_any()
                }}
            </select>
            <button
                type="button"
                class="button small"
                data-testid="flex-add"
                disabled=move || choices.with(Vec::is_empty)
                on:click=move |_| {
                    let choice = choices.with_untracked(|c| c.get(chosen.get_untracked()).cloned());
                    if let Some((_, slot, kind)) = choice {
                        doc.new_step();
                        match doc.edit(|v| ops::insert(v, &slot, kind.template())) {
                            Some(pointer) => {
                                status.set(String::new());
                                chosen.set(0);
                                doc.select(pointer);
                            }
                            None => status.set("追加できませんでした。".into()),
                        }
                    }
                }
            >
                "追加"
            </button>
        </div>
    }
}
