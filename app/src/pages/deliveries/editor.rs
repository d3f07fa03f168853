//! `/admin/deliveries/new` and `/admin/deliveries/:id`: one delivery. Staff fill in the title,
//! department, channel, messages (the composer, or a 定型文 copied in), target and timing; save
//! a draft (配信 編集), send tests, and schedule or send (配信 送信) after a confirmation.
//! Every save carries the version the page loaded: a save based on an older one is refused and
//! the page says so, keeping what was typed. Once a delivery is no longer editable the form is
//! read-only; while it sends, the progress is polled every second.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use line::message::Message;
use model::delivery::Timing;
use model::status::DeliveryStatus;

use super::confirm::ConfirmDialog;
use super::dialog::Modal;
use super::links::LinkTracking;
use super::progress::{ProgressSection, TestHistory};
use super::results::ResultsSection;
use super::rich_menu::DeliveryMenuPicker;
use super::target::{TargetEditor, TargetState};
use super::test_send::TestSendDialog;
use super::timing::{Mode, TimingEditor, TimingState};
use super::{EnvBadge, StatusBadge};
use crate::api::{
    AppError, DeleteDelivery, DeliveryChannel, DeliveryDraft, DeliveryEditor, DeliveryMenuChoice,
    DeliveryRun, DeliveryState, DeliveryTest, cancel_delivery, copy_delivery, load_delivery,
    save_delivery,
};
use crate::components::{AsyncView, Composer, ConfirmDelete, Outcome, RedirectNotice};
use model::delivery::DeliveryMenu;

/// Whether a delivery in `status` can be scheduled or sent.
pub fn schedulable(status: DeliveryStatus) -> bool {
    matches!(status, DeliveryStatus::Draft | DeliveryStatus::Cancelled)
}

#[component]
pub fn DeliveryPage() -> AnyView {
    let params = use_params_map();
    // None: a new delivery (`/new`); Some(None): an address that names none.
    let id = move || params.read().get("id").map(|i| i.parse::<i64>().ok());
    let editor = Resource::new(id, |id| async move {
        match id {
            None => load_delivery(None).await,
            Some(Some(id)) => load_delivery(Some(id)).await,
            Some(None) => Err(AppError::NotFound("指定された配信はありません。".into())),
        }
    });
    view! {
        <p>
            <A href="/admin/deliveries">"← 配信一覧"</A>
        </p>
        <AsyncView resource=editor let:data>
            {view! { <DeliveryForm data /> }.into_any()}
        </AsyncView>
    }
    .into_any()
}

/// The page's state, shared with its parts (dialogs, progress).
#[derive(Clone, Copy)]
pub struct Page {
    pub id: RwSignal<Option<i64>>,
    pub version: RwSignal<Option<i32>>,
    pub status: RwSignal<DeliveryStatus>,
    pub next_at: RwSignal<Option<String>>,
    pub title: RwSignal<String>,
    pub department: RwSignal<Option<i64>>,
    pub channel: RwSignal<Option<i64>>,
    pub messages: RwSignal<Vec<Message>>,
    /// Links staff chose not to track.
    pub untracked: RwSignal<Vec<String>>,
    /// 「クリックした人を記録」.
    pub per_person: RwSignal<bool>,
    /// The rich menu its recipients see once sent, and until when (`datetime-local`).
    pub rich_menu: RwSignal<Option<i64>>,
    pub rich_menu_until: RwSignal<String>,
    /// The menus it can name (in the caller's scope).
    pub rich_menus: StoredValue<Vec<DeliveryMenuChoice>>,
    pub target: TargetState,
    pub timing: TimingState,
    /// What the server has (dirty when the form differs).
    pub saved: RwSignal<Option<DeliveryDraft>>,
    /// The channel the saved delivery goes out on (tests and sends use it).
    pub saved_channel: RwSignal<Option<i64>>,
    pub runs: RwSignal<Vec<DeliveryRun>>,
    pub tests: RwSignal<Vec<DeliveryTest>>,
    pub channels: StoredValue<Vec<DeliveryChannel>>,
    pub rule_choices: StoredValue<crate::api::RuleChoices>,
    pub can_edit: bool,
    pub can_send: bool,
    /// An operation is under way (buttons wait).
    pub busy: RwSignal<bool>,
    /// The page's last outcome: done (a notice) or the error why not.
    pub outcome: RwSignal<Option<Result<String, AppError>>>,
}

impl Page {
    /// What the form says now (tracked).
    pub fn draft(&self) -> DeliveryDraft {
        DeliveryDraft {
            department_id: self.department.get(),
            channel_id: self.channel.get(),
            title: self.title.get(),
            messages: self.messages.get(),
            target: self.target.target(),
            timing: self.timing.timing(),
            // Only the links the messages still hold.
            untracked_links: {
                let links = self.messages.with(|m| line::links::links_in(m));
                self.untracked
                    .get()
                    .into_iter()
                    .filter(|u| links.iter().any(|l| &l.url == u))
                    .collect()
            },
            per_person_clicks: self.per_person.get(),
            rich_menu: self.rich_menu.get().map(|menu_id| DeliveryMenu {
                menu_id,
                until: self.rich_menu_until.get(),
            }),
        }
    }

    /// The form differs from what is saved, or nothing is saved yet.
    pub fn dirty(&self) -> bool {
        let draft = self.draft();
        self.saved.with(|s| s.as_ref() != Some(&draft))
    }

    pub fn editable(&self) -> bool {
        self.can_edit && self.status.get().is_editable()
    }

    pub fn channel_choice(&self, id: Option<i64>) -> Option<DeliveryChannel> {
        let id = id?;
        self.channels
            .with_value(|list| list.iter().find(|c| c.id == id).cloned())
    }

    /// Takes a delivery's new state after a change.
    pub fn apply(&self, state: &DeliveryState) {
        self.id.set(Some(state.id));
        self.version.set(Some(state.version));
        self.status.set(state.status);
        self.next_at.set(state.next_at.clone());
    }

    /// Saves the form when it differs from what is saved (so that what is tested, scheduled or
    /// sent is what staff see); answers with the delivery's state. A stale version or a
    /// delivery no longer editable is refused by the server, with its message.
    pub async fn ensure_saved(self) -> Result<DeliveryState, AppError> {
        let dirty = self.dirty_untracked();
        match (self.id.get_untracked(), self.version.get_untracked()) {
            (Some(id), Some(version)) if !dirty => Ok(DeliveryState {
                id,
                version,
                status: self.status.get_untracked(),
                next_at: self.next_at.get_untracked(),
            }),
            (id, version) => {
                let draft = self.draft_untracked();
                let state = save_delivery(id, version, draft.clone()).await?;
                self.saved.set(Some(draft.clone()));
                self.saved_channel.set(draft.channel_id);
                self.apply(&state);
                Ok(state)
            }
        }
    }

    pub fn draft_untracked(&self) -> DeliveryDraft {
        untrack(|| self.draft())
    }

    pub fn dirty_untracked(&self) -> bool {
        untrack(|| self.dirty())
    }
}

#[component]
fn DeliveryForm(data: DeliveryEditor) -> AnyView {
    let DeliveryEditor {
        delivery,
        departments,
        channels,
        templates,
        can_use_templates,
        segments,
        rich_menus,
        can_use_rich_menus,
        rule_choices,
        can_edit,
        can_send,
        default_date,
        default_time,
        messages: fresh_messages,
    } = data;
    let navigate = use_navigate();
    // One department: it is the owner. Several: staff pick (no silent default). The same for
    // channels.
    let single_department = (departments.len() == 1).then(|| departments[0].id);
    let single_channel = (channels.len() == 1).then(|| channels[0].id);
    let (department, channel) = delivery
        .as_ref()
        .map_or((single_department, single_channel), |d| {
            (Some(d.department_id), Some(d.channel.id))
        });
    let timing = delivery
        .as_ref()
        .map(|d| d.timing.clone())
        .unwrap_or_default();
    let target = delivery
        .as_ref()
        .map(|d| d.target.clone())
        .unwrap_or_default();
    let page = Page {
        id: RwSignal::new(delivery.as_ref().map(|d| d.id)),
        version: RwSignal::new(delivery.as_ref().map(|d| d.version)),
        status: RwSignal::new(
            delivery
                .as_ref()
                .map_or(DeliveryStatus::Draft, |d| d.status),
        ),
        next_at: RwSignal::new(delivery.as_ref().and_then(|d| d.next_at.clone())),
        title: RwSignal::new(
            delivery
                .as_ref()
                .map(|d| d.title.clone())
                .unwrap_or_default(),
        ),
        department: RwSignal::new(department),
        channel: RwSignal::new(channel),
        messages: RwSignal::new(delivery.as_ref().map_or_else(
            || crate::components::messages_from_query(fresh_messages),
            |d| d.messages.clone(),
        )),
        untracked: RwSignal::new(
            delivery
                .as_ref()
                .map(|d| d.untracked_links.clone())
                .unwrap_or_default(),
        ),
        per_person: RwSignal::new(delivery.as_ref().is_some_and(|d| d.per_person_clicks)),
        rich_menu: RwSignal::new(
            delivery
                .as_ref()
                .and_then(|d| d.rich_menu.as_ref())
                .map(|m| m.menu_id),
        ),
        rich_menu_until: RwSignal::new(
            delivery
                .as_ref()
                .and_then(|d| d.rich_menu.as_ref())
                .map(|m| m.until.clone())
                .unwrap_or_default(),
        ),
        target: TargetState::new(&target),
        timing: TimingState::new(&timing, &default_date, &default_time),
        saved: RwSignal::new(None),
        saved_channel: RwSignal::new(delivery.as_ref().map(|d| d.channel.id)),
        runs: RwSignal::new(
            delivery
                .as_ref()
                .map(|d| d.runs.clone())
                .unwrap_or_default(),
        ),
        tests: RwSignal::new(
            delivery
                .as_ref()
                .map(|d| d.tests.clone())
                .unwrap_or_default(),
        ),
        channels: StoredValue::new(channels.clone()),
        rule_choices: StoredValue::new(rule_choices),
        rich_menus: StoredValue::new(rich_menus),
        can_edit,
        can_send,
        busy: RwSignal::new(false),
        outcome: RwSignal::new(None),
    };
    // What the server has: the form as loaded (a new delivery has nothing saved).
    if delivery.is_some() {
        page.saved.set(Some(page.draft_untracked()));
    }
    provide_context(page);

    let heading = move || {
        let title = page.title.get();
        match (page.id.get(), title.trim().is_empty()) {
            (None, _) => "配信の作成".to_owned(),
            (Some(_), true) => "配信".to_owned(),
            (Some(_), false) => format!("配信：{title}"),
        }
    };
    let owner = delivery.as_ref().map(|d| {
        format!(
            "所属部署：{}　作成：{}　最終更新：{}",
            d.department, d.created, d.updated
        )
    });
    let editable_now = Memo::new(move |_| page.editable());
    let dirty = Memo::new(move |_| page.dirty());
    let readonly = Signal::derive(move || !editable_now.get());
    let account_name = Signal::derive(move || {
        page.channel_choice(page.channel.get())
            .map(|c| c.name)
            .unwrap_or_else(|| "公式アカウント".into())
    });
    let confirm_open = RwSignal::new(false);
    let test_open = RwSignal::new(false);

    let save = move |_| {
        page.busy.set(true);
        page.outcome.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let was_new = page.id.get_untracked().is_none();
            let draft = page.draft_untracked();
            let result = save_delivery(
                page.id.get_untracked(),
                page.version.get_untracked(),
                draft.clone(),
            )
            .await;
            page.busy.set(false);
            match result {
                Ok(state) => {
                    page.saved.set(Some(draft.clone()));
                    page.saved_channel.set(draft.channel_id);
                    page.apply(&state);
                    if was_new {
                        navigate(
                            &format!("/admin/deliveries/{}?saved=1", state.id),
                            NavigateOptions::default(),
                        );
                    } else {
                        page.outcome.set(Some(Ok("保存しました。".into())));
                    }
                }
                Err(e) => page.outcome.set(Some(Err(e))),
            }
        });
    };
    let navigate_copy = use_navigate();
    let copy = move |_| {
        let Some(id) = page.id.get_untracked() else {
            return;
        };
        page.busy.set(true);
        page.outcome.set(None);
        let navigate = navigate_copy.clone();
        leptos::task::spawn_local(async move {
            let result = copy_delivery(id).await;
            page.busy.set(false);
            match result {
                Ok(new_id) => navigate(
                    &format!("/admin/deliveries/{new_id}?copied=1"),
                    NavigateOptions::default(),
                ),
                Err(e) => page.outcome.set(Some(Err(e))),
            }
        });
    };
    let cancel = move |_| {
        let (Some(id), Some(version)) = (page.id.get_untracked(), page.version.get_untracked())
        else {
            return;
        };
        page.busy.set(true);
        page.outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = cancel_delivery(id, version).await;
            page.busy.set(false);
            match result {
                Ok(state) => {
                    page.apply(&state);
                    page.outcome.set(Some(Ok(
                        "予約を解除しました。内容を直して、もう一度予約できます。".into(),
                    )));
                }
                Err(e) => page.outcome.set(Some(Err(e))),
            }
        });
    };

    let send_label = move || match page.timing.mode.get() {
        Mode::Now => "今すぐ送信…",
        Mode::At | Mode::Repeat => "予約する…",
    };
    let delete = ServerAction::<DeleteDelivery>::new();

    view! {
        <Title text=heading />
        <h1>{heading}</h1>
        <RedirectNotice param="saved" text="保存しました。" />
        <RedirectNotice
            param="copied"
            text="複製しました。下書きとして保存されています。"
        />
        {view! {
            <div class="delivery-head" data-testid="delivery-head">
                {move || view! { <StatusBadge status=page.status.get() /> }}
                {move || {
                    page.channel_choice(page.channel.get())
                        .map(|c| {
                            view! {
                                <span class="delivery-head-channel">
                                    <EnvBadge environment=c.environment sandbox=c.sandbox />
                                    " "
                                    {c.name}
                                </span>
                            }
                        })
                }}
                {move || {
                    page.next_at
                        .get()
                        .map(|n| {
                            view! {
                                <span class="delivery-head-next" data-testid="next-at">
                                    {format!("次回 {n}")}
                                </span>
                            }
                        })
                }}
            </div>
        }
            .into_any()}
        {owner.map(|o| view! { <p class="hint">{o}</p> })}
        {move || {
            (!editable_now.get() && page.id.get().is_some())
                .then(|| {
                    let status = page.status.get();
                    let text = if !can_edit {
                        "閲覧のみです（配信の編集には 配信 編集 の権限が必要です）。"
                    } else if status == DeliveryStatus::Sending {
                        "送信中のため編集できません。下の「送信状況」で進み具合を確認できます。"
                    } else {
                        "送信を始めた配信は編集できません。同じ内容で送るには「複製」して新しい下書きを作成してください。"
                    };
                    view! {
                        <p class="notice" role="note" data-testid="readonly-note">
                            {text}
                        </p>
                    }
                })
        }}
        <ProgressSection />
        <ResultsSection />
        <form
            class="stack delivery-form"
            data-testid="delivery-form"
            on:submit=move |ev| ev.prevent_default()
        >
            {view! {
                <div class="panel stack">
                    <div class="composer-row">
                        <div class="field">
                            <label for="delivery-title">"件名（管理用）"</label>
                            <input
                                id="delivery-title"
                                required
                                maxlength=model::delivery::TITLE_MAX_CHARS.to_string()
                                aria-describedby="delivery-title-hint"
                                readonly=readonly
                                prop:value=move || page.title.get()
                                on:input=move |ev| page.title.set(event_target_value(&ev))
                            />
                            <p class="hint" id="delivery-title-hint">
                                "友だちには表示されません。"
                            </p>
                        </div>
                        <div class="field">
                            <label for="delivery-department">"所属部署"</label>
                            <select
                                id="delivery-department"
                                required
                                disabled=readonly
                                on:change=move |ev| {
                                    page.department.set(event_target_value(&ev).parse().ok())
                                }
                            >
                                {department
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
                                            <option
                                                value=d.id.to_string()
                                                selected=department == Some(d.id)
                                            >
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
                                            "選べる部署がないため保存できません。担当部署の設定を管理者に依頼してください。"
                                        </p>
                                    }
                                })}
                        </div>
                        <div class="field">
                            <label for="delivery-channel">"チャネル"</label>
                            <div class="delivery-channel-select">
                                <select
                                    id="delivery-channel"
                                    required
                                    aria-describedby="delivery-channel-env"
                                    disabled=readonly
                                    on:change=move |ev| {
                                        page.channel.set(event_target_value(&ev).parse().ok())
                                    }
                                >
                                    {channel
                                        .is_none()
                                        .then(|| {
                                            view! {
                                                <option value="" disabled selected>
                                                    "選んでください"
                                                </option>
                                            }
                                        })}
                                    {channels
                                        .iter()
                                        .map(|c| {
                                            view! {
                                                <option
                                                    value=c.id.to_string()
                                                    selected=channel == Some(c.id)
                                                >
                                                    {format!("{}（{}）", c.name, c.env_label())}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </select>
                                <span id="delivery-channel-env">
                                    {move || {
                                        page.channel_choice(page.channel.get())
                                            .map(|c| {
                                                view! {
                                                    <EnvBadge environment=c.environment sandbox=c.sandbox />
                                                }
                                            })
                                    }}
                                </span>
                            </div>
                        </div>
                    </div>
                </div>
            }
                .into_any()}
            <section class="panel stack" aria-labelledby="delivery-messages-title">
                <h2 id="delivery-messages-title">"メッセージ"</h2>
                {move || {
                    editable_now
                        .get()
                        .then(|| {
                            view! {
                                <TemplatePicker
                                    templates=templates.clone()
                                    can_use=can_use_templates
                                />
                            }
                        })
                }}
                {move || {
                    let readonly = !editable_now.get();
                    view! {
                        <Composer
                            messages=page.messages
                            readonly
                            account_name
                            autosave=Signal::derive(move || crate::api::editor_draft_key(
                                "delivery",
                                page.id.get(),
                            ))
                        />
                    }
                }}
                <LinkTracking readonly />
            </section>
            <section class="panel stack" aria-labelledby="delivery-target-title">
                <h2 id="delivery-target-title">"配信対象"</h2>
                <TargetEditor segments=segments.clone() readonly />
            </section>
            <section class="panel stack" aria-labelledby="delivery-timing-title">
                <h2 id="delivery-timing-title">"配信日時"</h2>
                <TimingEditor state=page.timing readonly />
            </section>
            <DeliveryMenuPicker can_use=can_use_rich_menus readonly />
            {view! {
                <div class="toolbar sticky-actions delivery-actions" data-testid="delivery-actions">
                    {move || {
                        editable_now
                            .get()
                            .then(|| {
                                let label = if page.status.get() == DeliveryStatus::Scheduled {
                                    "変更を保存"
                                } else {
                                    "下書き保存"
                                };
                                view! {
                                    <button
                                        type="button"
                                        class="button"
                                        data-testid="save-delivery"
                                        disabled=move || page.busy.get()
                                        on:click=save.clone()
                                    >
                                        {label}
                                    </button>
                                }
                            })
                    }}
                    {move || {
                        (can_edit && page.id.get().is_some())
                            .then(|| {
                                view! {
                                    <button
                                        type="button"
                                        class="button ghost"
                                        data-testid="open-test-send"
                                        aria-haspopup="dialog"
                                        disabled=move || page.busy.get()
                                        on:click=move |_| test_open.set(true)
                                    >
                                        "テスト配信…"
                                    </button>
                                }
                            })
                    }}
                    {move || {
                        let status = page.status.get();
                        if status == DeliveryStatus::Scheduled {
                            view! {
                                <button
                                    type="button"
                                    class="button danger"
                                    data-testid="cancel-delivery"
                                    disabled=move || page.busy.get() || !can_send
                                    on:click=cancel
                                >
                                    "予約を解除"
                                </button>
                            }
                                .into_any()
                        } else if schedulable(status) {
                            view! {
                                <button
                                    type="button"
                                    class="button primary"
                                    data-testid="open-confirm"
                                    aria-haspopup="dialog"
                                    disabled=move || page.busy.get() || !can_send
                                    on:click=move |_| confirm_open.set(true)
                                >
                                    {send_label}
                                </button>
                            }
                                .into_any()
                        } else {
                            ().into_any()
                        }
                    }}
                    {move || {
                        (can_edit && page.id.get().is_some())
                            .then(|| {
                                view! {
                                    <button
                                        type="button"
                                        class="button ghost"
                                        data-testid="copy-delivery"
                                        disabled=move || page.busy.get()
                                        on:click=copy.clone()
                                    >
                                        "複製"
                                    </button>
                                }
                            })
                    }}
                    {move || {
                        let status = page.status.get();
                        (!can_send && (schedulable(status) || status == DeliveryStatus::Scheduled))
                            .then(|| {
                                view! {
                                    <p class="hint" data-testid="send-permission-note">
                                        "予約・送信・予約の解除には 配信 送信 の権限が必要です。権限のある職員に依頼してください。"
                                    </p>
                                }
                            })
                    }}
                    {move || {
                        (editable_now.get() && dirty.get())
                            .then(|| {
                                view! {
                                    <span class="hint" data-testid="unsaved">
                                        "保存していない変更があります。"
                                    </span>
                                }
                            })
                    }}
                    {move || {
                        (page.busy.get())
                            .then(|| {
                                view! {
                                    <span class="hint" role="status">
                                        "処理中…"
                                    </span>
                                }
                            })
                    }}
                    <PageOutcome />
                </div>
            }
                .into_any()}
        </form>
        <TestHistory />
        {move || {
            let status = page.status.get();
            (can_edit && page.id.get().is_some()
                && matches!(status, DeliveryStatus::Draft | DeliveryStatus::Cancelled))
                .then(|| {
                    view! {
                        <ActionForm
                            action=delete
                            attr:class="panel inline-form"
                            attr:data-testid="delete-delivery"
                        >
                            <input type="hidden" name="id" value=page.id.get() />
                            <ConfirmDelete
                                statement="削除すると元に戻せないことを確認しました"
                                button="この配信を削除"
                            />
                        </ActionForm>
                        <Outcome value=delete.value() done="削除しました。" />
                    }
                })
        }}
        <Modal
            open=confirm_open
            labelled_by="confirm-title"
            test_id="confirm-dialog"
            focus_after="delivery-outcome"
        >
            <ConfirmDialog open=confirm_open />
        </Modal>
        <Modal open=test_open labelled_by="test-send-title" test_id="test-send-dialog">
            <TestSendDialog open=test_open />
        </Modal>
    }
    .into_any()
}

/// The page's last outcome, announced.
#[component]
fn PageOutcome() -> AnyView {
    let page = expect_context::<Page>();
    (move || {
        page.outcome.get().map(|r| match r {
            Ok(text) => view! {
                <p
                    class="notice"
                    role="status"
                    id="delivery-outcome"
                    tabindex="-1"
                    data-testid="delivery-outcome"
                >
                    {text}
                </p>
            }
            .into_any(),
            Err(error) => {
                let conflict = matches!(error, AppError::Conflict(_));
                view! {
                    <div class="form-error" role="alert" data-testid="delivery-error">
                        <p>{error.to_string()}</p>
                        {conflict
                            .then(|| {
                                view! {
                                    <p class="hint">
                                        "この画面の内容はまだ残っています。必要な部分を控えてから、"
                                        <a href="" rel="external">
                                            "最新の内容を読み込み直して"
                                        </a>
                                        "ください（読み込むとこの画面の変更は消えます）。"
                                    </p>
                                }
                            })}
                    </div>
                }
                .into_any()
            }
        })
    })
    .into_any()
}

/// 「定型文から作成」: copies a 定型文's messages into the composer.
#[component]
fn TemplatePicker(templates: Vec<crate::api::DeliveryTemplate>, can_use: bool) -> impl IntoView {
    let page = expect_context::<Page>();
    let chosen = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<String>);
    if !can_use {
        return view! {
            <p class="hint">
                "定型文を使うには 定型文 閲覧 の権限が必要です。"
            </p>
        }
        .into_any();
    }
    if templates.is_empty() {
        return view! {
            <p class="hint">
                "定型文はまだありません。よく使うメッセージは「定型文」に保存しておくと、ここから読み込めます。"
            </p>
        }
        .into_any();
    }
    let stored = StoredValue::new(templates.clone());
    let apply = move |_| {
        let Ok(id) = chosen.get_untracked().parse::<i64>() else {
            return;
        };
        if let Some(t) = stored.with_value(|list| list.iter().find(|t| t.id == id).cloned()) {
            page.messages.set(t.messages);
            notice.set(Some(format!(
                "定型文「{}」のメッセージを読み込みました。ここで直しても定型文は変わりません。",
                t.title
            )));
        }
    };
    view! {
        <div class="inline-form delivery-template-picker">
            <label for="delivery-template">"定型文から作成"</label>
            <select id="delivery-template" on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="">"選んでください"</option>
                {templates
                    .into_iter()
                    .map(|t| {
                        view! {
                            <option value=t
                                .id
                                .to_string()>{format!("{}（{}）", t.title, t.department)}</option>
                        }
                    })
                    .collect_view()}
            </select>
            <button
                type="button"
                class="button ghost small"
                data-testid="use-template"
                disabled=move || chosen.get().is_empty()
                on:click=apply
            >
                "読み込む（今のメッセージは置き換わります）"
            </button>
        </div>
        {move || {
            notice
                .get()
                .map(|n| {
                    view! {
                        <p class="notice" role="status">
                            {n}
                        </p>
                    }
                })
        }}
    }
    .into_any()
}

/// The timing the confirmation states.
pub fn timing_line(timing: &Timing) -> String {
    super::timing::summary(timing)
}
