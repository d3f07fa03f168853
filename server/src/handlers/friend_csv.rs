//! Friend attribute CSV files: the export and the template (GET downloads) and the import's
//! upload (a multipart POST from a plain HTML form, so it works before the page hydrates). The
//! access middleware applies the `friends` area's rule first; each handler then checks the
//! permission it needs (出力 or 取込) and answers errors as `AppError`s.

use axum::Extension;
use axum::body::Body;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::audience::attribute_csv::{self, ExportSink};
use domain::audience::friends::FriendQuery;
use domain::security::audit::Actor;
use domain::staff::accounts::Staff;
use model::access::{Action, Feature, Need};

use app::api::AppError;
use app::ssr::http::ClientAddr;

use crate::AppState;

type Pairs = Query<Vec<(String, String)>>;

/// `GET /admin/friends/export.csv?channel=main&encoding=utf8|sjis` and the friends list's
/// filter (`name`, `status`, `followed_from`, `followed_to`, `attributes` repeated): every
/// matching friend with every attribute, streamed as it is read.
pub async fn export(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    client: Option<Extension<ClientAddr>>,
    Query(params): Pairs,
) -> Response {
    let started = async {
        let staff = allowed(staff.as_deref(), Action::Export)?;
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let encoding = super::csv_encoding(param("encoding").as_deref())?;
        let channel_id = channel(&state, param("channel")).await?;
        let query = FriendQuery {
            name: param("name"),
            status: param("status"),
            followed_from: param("followed_from"),
            followed_to: param("followed_to"),
            attributes: params
                .iter()
                .filter(|(k, _)| k == "attributes")
                .map(|(_, v)| v.clone())
                .collect(),
            page: 0,
        };
        // A bad filter is refused before the download starts.
        domain::audience::friends::filter(channel_id, &query, domain::time::now())?;
        let actor = Actor::staff(staff, client.map(|c| c.0.0));
        // Survey answers only of the surveys whose answers the caller may export (アンケート
        // 出力, their departments).
        let options = attribute_csv::ExportOptions {
            encoding,
            now: domain::time::now(),
            survey_answers: staff
                .grants
                .can(Feature::Surveys, Action::Export)
                .then(|| staff.grants.scope()),
        };
        Ok::<_, AppError>((actor, channel_id, query, options))
    };
    let (actor, channel_id, query, options) = match started.await {
        Ok(started) => started,
        Err(error) => return error.into_text_response(),
    };
    let encoding = options.encoding;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let db = state.db().clone();
    tokio::spawn(async move {
        let mut sink = ChannelSink(sender.clone());
        if let Err(error) =
            attribute_csv::export(&db, &actor, channel_id, &query, &options, &mut sink).await
        {
            tracing::warn!(%error, "friend attribute export stopped");
            // The body ends in an error, so the browser reports a failed download rather than
            // saving a file that silently lacks rows.
            let _ = sender
                .send(Err(std::io::Error::other("export stopped")))
                .await;
        }
    });
    let mut receiver = receiver;
    // `poll_recv` keeps answering "ended" once the export is done, however often it is asked.
    let stream = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    super::csv_download(
        Body::from_stream(stream),
        encoding,
        &format!(
            "friends-{}.csv",
            domain::time::format(domain::time::now(), "%Y%m%d-%H%M")
        ),
    )
}

struct ChannelSink(tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>);

impl ExportSink for ChannelSink {
    async fn send(&mut self, bytes: Vec<u8>) -> domain::DomainResult<()> {
        self.0.send(Ok(bytes)).await.map_err(|_| {
            domain::DomainError::Internal("the download was closed by the browser".into())
        })
    }
}

/// `GET /admin/friends/template.csv?encoding=utf8|sjis`: the header row to fill in.
pub async fn template(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    Query(params): Pairs,
) -> Response {
    let file = async {
        allowed(staff.as_deref(), Action::Import)?;
        let encoding = super::csv_encoding(
            params
                .iter()
                .find(|(k, _)| k == "encoding")
                .map(|(_, v)| v.as_str()),
        )?;
        Ok::<_, AppError>((
            attribute_csv::template(state.db(), encoding).await?,
            encoding,
        ))
    };
    match file.await {
        Ok((bytes, encoding)) => {
            super::csv_download(Body::from(bytes), encoding, "friend-attributes.csv")
        }
        Err(error) => error.into_text_response(),
    }
}

/// `POST /admin/friends/imports` (multipart: `channel`, `file`): checks the file, keeps it with
/// its report, and sends the browser to the report (`/admin/friends/imports/{id}`).
pub async fn upload(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    multipart: Multipart,
) -> Response {
    let stored = async {
        let staff = allowed(staff.as_deref(), Action::Import)?;
        let (channel_key, file_name, bytes) = read_upload(multipart).await?;
        let channel_id = channel(&state, channel_key).await?;
        Ok::<_, AppError>(
            attribute_csv::store_upload(
                state.db(),
                staff.id,
                channel_id,
                &file_name,
                bytes,
                domain::time::now(),
            )
            .await?,
        )
    };
    match stored.await {
        Ok(id) => Redirect::to(&format!("/admin/friends/imports/{id}")).into_response(),
        Err(error) => error.into_text_response(),
    }
}

async fn read_upload(
    mut multipart: Multipart,
) -> Result<(Option<String>, String, Vec<u8>), AppError> {
    let unreadable = |_| AppError::Invalid("送信されたファイルを読み取れませんでした。".into());
    let mut channel = None;
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("channel") => channel = Some(field.text().await.map_err(unreadable)?),
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.csv").to_owned();
                let bytes = field.bytes().await.map_err(unreadable)?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    match file {
        Some((name, bytes)) if !bytes.is_empty() => Ok((channel, name, bytes)),
        _ => Err(AppError::Invalid(
            "CSV ファイルを選んでから「確認する」を押してください。".into(),
        )),
    }
}

fn allowed(staff: Option<&Staff>, action: Action) -> Result<&Staff, AppError> {
    let staff = staff.ok_or(AppError::Unauthorized)?;
    model::access::authorize(
        Some(&staff.grants),
        Need::Can(Feature::FriendAttributes, action),
    )
    .map_err(|_| AppError::Forbidden)?;
    Ok(staff)
}

/// The channel a request names (the default channel when none).
async fn channel(state: &AppState, key: Option<String>) -> Result<i64, AppError> {
    let key = key.filter(|k| !k.is_empty());
    let key = match key {
        Some(key) => key,
        None => domain::platform::channels::default_key(state.db()).await?,
    };
    Ok(domain::platform::channels::id_of(state.db(), &key).await?)
}
