//! 画像: the media library. Staff upload images (JPEG, PNG, GIF) for their departments; the
//! server checks and resizes them once for LINE, and the composer picks them from here.
//!
//! The upload is a plain multipart form to `POST /admin/media` (works before the page
//! hydrates: the server answers with a redirect back here); once hydrated, the page sends the
//! same form with `fetch`, shows that it is uploading, and reloads the list.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{DeleteMedia, MediaItem, MediaLibrary, UpdateMediaAltText, media_library};
use crate::components::{AsyncView, ConfirmDelete, ErrorNote, Outcome, RedirectNotice};

/// What the upload last did, for the notice above the form (set only in the browser).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum UploadState {
    Idle,
    Sending,
    Done { duplicate: bool, file_name: String },
    Failed(crate::error::AppError),
}

#[component]
pub fn MediaPage() -> impl IntoView {
    let delete = ServerAction::<DeleteMedia>::new();
    let alt = ServerAction::<UpdateMediaAltText>::new();
    let uploads = RwSignal::new(0u32);
    // Kept here, above the list: the list (and the form in it) is redrawn when it reloads after
    // an upload, and the notice of that upload must survive it.
    let upload = RwSignal::new(UploadState::Idle);
    let library = Resource::new(
        move || (uploads.get(), delete.version().get(), alt.version().get()),
        |_| media_library(),
    );
    view! {
        <Title text="画像" />
        <h1>"画像"</h1>
        <p class="hint lead">
            "メッセージで使う画像を部署ごとに登録します。アップロードした画像は LINE の決まりに合わせたサイズ（プレビュー用・カード用・リッチメッセージ用）が自動で用意され、定型文などの作成画面から選べます。表示されるのは担当部署の画像だけです。"
        </p>
        <RedirectNotice param="uploaded" text="画像を登録しました。" />
        <RedirectNotice
            param="duplicate"
            text="同じ画像が既に登録されていたため、登録済みの画像を使います。"
        />
        <AsyncView resource=library let:library>
            {view! { <Library library uploads upload delete alt /> }.into_any()}
        </AsyncView>
    }
}

#[component]
fn Library(
    library: MediaLibrary,
    uploads: RwSignal<u32>,
    upload: RwSignal<UploadState>,
    delete: ServerAction<DeleteMedia>,
    alt: ServerAction<UpdateMediaAltText>,
) -> impl IntoView {
    let can_edit = library.can_edit;
    view! {
        {(!library.https)
            .then(|| {
                view! {
                    <p class="notice warning" role="note" data-testid="media-https-warning">
                        "LINE は https の URL からしか画像を取得できません。PUBLIC_URL を https で設定してください。サンドボックスでは http のままで動作します。"
                    </p>
                }
            })}
        {can_edit.then(|| view! { <UploadForm library=library.clone() uploads state=upload /> })}
        <Outcome value=delete.value() done="画像を削除しました。" />
        <Outcome value=alt.value() done="代替テキストを変更しました。" />
        <h2>{format!("登録済みの画像（{}件）", library.items.len())}</h2>
        {if library.items.is_empty() {
            view! {
                <p class="hint media-empty" data-testid="media-empty">
                    {if can_edit {
                        "画像はまだありません。上の「画像をアップロード」で JPEG・PNG・GIF の画像を登録すると、定型文などのメッセージで使えるようになります。"
                    } else {
                        "画像はまだありません。画像の登録は、定型文の編集権限がある職員が行えます。"
                    }}
                </p>
            }
                .into_any()
        } else {
            view! {
                <ul class="media-grid" data-testid="media-grid">
                    {library
                        .items
                        .into_iter()
                        .map(|item| view! { <MediaCard item can_edit delete alt /> })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
    }
}

#[component]
fn UploadForm(
    library: MediaLibrary,
    uploads: RwSignal<u32>,
    state: RwSignal<UploadState>,
) -> impl IntoView {
    let single = (library.departments.len() == 1).then(|| library.departments[0].id);
    let sending = move || state.get() == UploadState::Sending;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            ev.prevent_default();
            let form = event_target::<web_sys::HtmlFormElement>(&ev);
            state.set(UploadState::Sending);
            leptos::task::spawn_local(async move {
                match crate::components::upload::post_form::<crate::api::MediaUploaded>(
                    "/admin/media",
                    &form,
                    "ファイルが大きすぎます。画像は 1 枚 10 MB までです。",
                )
                .await
                {
                    Ok(uploaded) => {
                        form.reset();
                        state.set(UploadState::Done {
                            duplicate: uploaded.duplicate,
                            file_name: uploaded.item.file_name,
                        });
                        uploads.update(|n| *n += 1);
                    }
                    Err(error) => state.set(UploadState::Failed(error)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, uploads);
    };
    view! {
        <section class="panel media-upload" aria-labelledby="media-upload-heading">
            <h2 id="media-upload-heading">"画像をアップロード"</h2>
            <form
                method="post"
                action="/admin/media"
                enctype="multipart/form-data"
                class="stack"
                data-testid="media-upload-form"
                on:submit=on_submit
            >
                <div class="field">
                    <label for="media-department">"所属部署"</label>
                    <select id="media-department" name="department_id" required>
                        {single
                            .is_none()
                            .then(|| {
                                view! {
                                    <option value="" disabled selected>
                                        "選んでください"
                                    </option>
                                }
                            })}
                        {library
                            .departments
                            .iter()
                            .map(|d| {
                                view! {
                                    <option value=d.id.to_string() selected=single == Some(d.id)>
                                        {d.name.clone()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    {library
                        .departments
                        .is_empty()
                        .then(|| {
                            view! {
                                <p class="form-error">
                                    "選べる部署がないため登録できません。部署がまだなければ作成を、担当部署が未設定なら設定を管理者に依頼してください。"
                                </p>
                            }
                        })}
                </div>
                <div class="field">
                    <label for="media-file">"画像ファイル"</label>
                    <input
                        id="media-file"
                        name="file"
                        type="file"
                        accept="image/jpeg,image/png,image/gif"
                        required
                        aria-describedby="media-file-hint"
                    />
                    <p id="media-file-hint" class="hint">
                        "JPEG・PNG・GIF、1 枚 10 MB まで。位置情報などの撮影データは取り除いて保存します。GIF は最初のコマの PNG になります（アニメーションは残りません）。"
                    </p>
                </div>
                <div class="field">
                    <label for="media-alt">"代替テキスト（画像の説明）"</label>
                    <input
                        id="media-alt"
                        name="alt_text"
                        required
                        maxlength="400"
                        aria-describedby="media-alt-hint"
                    />
                    <p id="media-alt-hint" class="hint">
                        "何が写っているかを短く書きます（例: 桜まつり会場の地図）。読み上げやリッチメッセージの通知文に使われます。"
                    </p>
                </div>
                <div class="toolbar">
                    <button type="submit" class="button primary" disabled=sending>
                        {move || {
                            if sending() {
                                "アップロード中…"
                            } else {
                                "アップロード"
                            }
                        }}
                    </button>
                </div>
                <div aria-live="polite">
                    {move || match state.get() {
                        UploadState::Idle => ().into_any(),
                        UploadState::Sending => {
                            view! {
                                <p class="hint media-progress" role="status">
                                    <span class="media-spinner" aria-hidden="true"></span>
                                    "アップロードしています。大きな写真は LINE 用のサイズを作るのに少し時間がかかります…"
                                </p>
                            }
                                .into_any()
                        }
                        UploadState::Done { duplicate: false, file_name } => {
                            view! {
                                <p class="notice" role="status">
                                    {format!("「{file_name}」を登録しました。")}
                                </p>
                            }
                                .into_any()
                        }
                        UploadState::Done { duplicate: true, .. } => {
                            view! {
                                <p class="notice" role="status">
                                    "同じ画像が既に登録されていたため、登録済みの画像を使います。"
                                </p>
                            }
                                .into_any()
                        }
                        UploadState::Failed(error) => view! { <ErrorNote error /> }.into_any(),
                    }}
                </div>
            </form>
        </section>
    }
}

#[component]
fn MediaCard(
    item: MediaItem,
    can_edit: bool,
    delete: ServerAction<DeleteMedia>,
    alt: ServerAction<UpdateMediaAltText>,
) -> impl IntoView {
    let size = format!(
        "{}×{} px・{}",
        item.width,
        item.height,
        crate::components::upload::human_bytes(item.bytes)
    );
    let used = if item.used_by.is_empty() {
        "未使用".to_owned()
    } else {
        format!("使用中: {}", item.used_by.join("、"))
    };
    let in_use = !item.used_by.is_empty();
    let alt_id = format!("media-alt-{}", item.id);
    view! {
        <li class="media-card" data-media=item.file_name.clone()>
            <a
                class="media-thumb"
                href=format!("/media/{}/original", item.token)
                rel="external noopener"
                target="_blank"
            >
                <img src=item.preview_path() alt=item.alt_text.clone() loading="lazy" />
            </a>
            <div class="media-meta">
                <p class="media-name">{item.file_name.clone()}</p>
                <p class="media-alt">{item.alt_text.clone()}</p>
                <p class="hint">{size}</p>
                <p class="hint">
                    {format!("{}・{}（{}）", item.department, item.created_at, item.created_by)}
                </p>
                <p class=if in_use { "media-used in-use" } else { "media-used" }>{used}</p>
            </div>
            {can_edit
                .then(|| {
                    view! {
                        <details class="media-actions">
                            <summary>"変更・削除"</summary>
                            <ActionForm action=alt attr:class="stack">
                                <input type="hidden" name="id" value=item.id />
                                <div class="field">
                                    <label for=alt_id.clone()>"代替テキスト"</label>
                                    <input
                                        id=alt_id.clone()
                                        name="alt_text"
                                        required
                                        maxlength="400"
                                        value=item.alt_text.clone()
                                    />
                                </div>
                                <button type="submit" class="button small">
                                    "代替テキストを変更"
                                </button>
                            </ActionForm>
                            {if in_use {
                                view! {
                                    <p class="hint">
                                        "使われている画像は削除できません。先に定型文などから外してください。"
                                    </p>
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <ActionForm
                                        action=delete
                                        attr:class="stack"
                                        attr:data-testid="delete-media"
                                    >
                                        <input type="hidden" name="id" value=item.id />
                                        <ConfirmDelete
                                            statement="削除すると元に戻せないことを確認しました"
                                            button="この画像を削除"
                                        />
                                    </ActionForm>
                                }
                                    .into_any()
                            }}
                        </details>
                    }
                })}
        </li>
    }
}
