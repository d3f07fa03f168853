//! Sending a file form with `fetch` and reading the JSON answer: the media library's upload
//! and the rich menu image's. The page shows progress meanwhile; before hydration the same
//! forms post as plain forms.

/// Posts `form` as multipart to `url`, asking for JSON: the answer as `T`, or the server's
/// error (`AppError` as JSON); `too_large` is said for a 413.
#[cfg(feature = "hydrate")]
pub async fn post_form<T: serde::de::DeserializeOwned>(
    url: &str,
    form: &web_sys::HtmlFormElement,
    too_large: &str,
) -> Result<T, crate::error::AppError> {
    use crate::error::AppError;
    use leptos::web_sys::FormData;

    let data = FormData::new_with_form(form)
        .map_err(|_| AppError::Transport("フォームを読み取れませんでした。".into()))?;
    post_form_data(url, data, too_large).await
}

/// Posts `data` as multipart to `url`, asking for JSON (as [`post_form`]); for files made in
/// the page, e.g. the rich menu composer's PNG.
#[cfg(feature = "hydrate")]
pub async fn post_form_data<T: serde::de::DeserializeOwned>(
    url: &str,
    data: web_sys::FormData,
    too_large: &str,
) -> Result<T, crate::error::AppError> {
    use crate::error::AppError;
    use leptos::server_fn::client::Client;
    use leptos::server_fn::client::browser::BrowserClient;
    use leptos::server_fn::request::ClientReq;
    use leptos::server_fn::request::browser::BrowserRequest;
    use leptos::server_fn::response::ClientRes;

    let request = <BrowserRequest as ClientReq<AppError>>::try_new_post_multipart(
        url,
        "application/json",
        data.into(),
    )?;
    let response = <BrowserClient as Client<AppError>>::send(request).await?;
    let status = ClientRes::<AppError>::status(&response);
    let body = ClientRes::<AppError>::try_into_string(response).await?;
    if status == 413 {
        return Err(AppError::Invalid(too_large.to_owned()));
    }
    if (200..300).contains(&status) {
        serde_json::from_str(&body).map_err(|_| {
            AppError::Transport(
                "サーバーの応答を読み取れませんでした。ページを再読み込みしてください。".into(),
            )
        })
    } else {
        Err(serde_json::from_str::<AppError>(&body).unwrap_or(AppError::Transport(body)))
    }
}

/// A size in bytes as staff read it (`850 KB`, `4.2 MB`).
pub fn human_bytes(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}
