//! アンケート: surveys in LIFF, scoped to the caller's departments. The builder edits a
//! `model::survey::Survey` and saves it as a new version; the answers page reads respondents,
//! the aggregate and each friend's history. Downloads (CSV, files) are server routes with the
//! same rules (`server::handlers::survey_exports`).

use leptos::prelude::*;
use model::status::SurveyState;
use model::survey::Survey;
use serde::{Deserialize, Serialize};

use super::{AttributeChoice, DepartmentOption};
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyRow {
    pub id: i64,
    pub title: String,
    pub department_id: i64,
    pub department: String,
    pub state: SurveyState,
    /// 受付中（12/31 23:59 まで）, 受付開始前（...から）...
    pub state_label: String,
    pub accepting: bool,
    pub respondents: u64,
    pub latest_version: i64,
    pub updated: String,
    /// The period as `datetime-local` values (empty: none).
    pub opens_at: String,
    pub closes_at: String,
}

/// Where citizens open a survey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyLink {
    /// `https://liff.line.me/{LIFF_ID}/surveys/{id}`.
    pub url: String,
    /// A QR code of `url`, as SVG (made on the server).
    pub qr_svg: String,
    /// The channel's LIFF app is made up (a sandbox channel): only the simulator opens it.
    pub sandbox: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRow {
    pub number: i64,
    pub created: String,
    pub questions: usize,
}

/// The builder: the survey (none for a new one) and what its controls offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurveyEditor {
    pub survey: Option<SurveyRow>,
    pub definition: Survey,
    pub departments: Vec<DepartmentOption>,
    pub attributes: Vec<AttributeChoice>,
    pub can_edit: bool,
    pub link: Option<SurveyLink>,
    /// Why there is no link (no LIFF app for the channel).
    pub link_missing: Option<String>,
    pub versions: Vec<VersionRow>,
    pub this_year: i32,
}

/// One question's aggregate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionResult {
    pub id: String,
    pub label: String,
    pub kind: String,
    pub removed: bool,
    pub answered: u64,
    pub options: Vec<(String, u64)>,
    pub texts: Vec<String>,
    pub is_upload: bool,
    /// The choices' ids, in the order of `options` (for the respondents' filter).
    pub option_ids: Vec<String>,
}

/// A respondent's answer as the tables show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerRow {
    pub friend_id: i64,
    pub name: String,
    pub following: bool,
    pub submitted: String,
    pub version: i64,
    pub revision: i64,
    /// One cell per question of `SurveyResults::questions`.
    pub cells: Vec<AnswerCell>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerCell {
    pub text: String,
    /// Uploaded files: (id, name, is image).
    pub files: Vec<(i64, String, bool)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurveyResults {
    pub survey: SurveyRow,
    pub questions: Vec<QuestionResult>,
    pub respondents: u64,
    pub rows: Vec<AnswerRow>,
    pub total_rows: u64,
    pub page: u64,
    pub page_size: u64,
    /// The respondents' filter (`question:choice`), empty for all.
    pub filter: String,
    pub can_export: bool,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    // The department scope is applied inside, by the domain.
    &[
        rule::<ListSurveys>(Need::Can(Feature::Surveys, Action::View)),
        rule::<SurveyEditorData>(Need::Can(Feature::Surveys, Action::View)),
        rule::<SaveSurvey>(Need::Can(Feature::Surveys, Action::Edit)),
        rule::<SetSurveyState>(Need::Can(Feature::Surveys, Action::Edit)),
        rule::<CopySurvey>(Need::Can(Feature::Surveys, Action::Edit)),
        rule::<DeleteSurvey>(Need::Can(Feature::Surveys, Action::Edit)),
        rule::<SurveyAnswers>(Need::Can(Feature::Surveys, Action::View)),
        rule::<SurveyAnswerHistory>(Need::Can(Feature::Surveys, Action::View)),
    ]
};

#[cfg(feature = "ssr")]
fn survey_row(s: domain::audience::surveys::SurveySummary) -> SurveyRow {
    use domain::time::{local_minute_input, minutes};
    let period = match (s.opens_at, s.closes_at) {
        (None, None) => String::new(),
        (Some(from), None) => format!("{} から", minutes(from)),
        (None, Some(until)) => format!("{} まで", minutes(until)),
        (Some(from), Some(until)) => format!("{} 〜 {}", minutes(from), minutes(until)),
    };
    let now = domain::time::now();
    let state_label = match s.state {
        SurveyState::Open if s.accepting => "受付中".to_owned(),
        SurveyState::Open if s.opens_at.is_some_and(|at| at > now) => "受付開始前".to_owned(),
        SurveyState::Open => "期間終了".to_owned(),
        other => other.label_ja().to_owned(),
    };
    let state_label = if period.is_empty() {
        state_label
    } else {
        format!("{state_label}（{period}）")
    };
    SurveyRow {
        id: s.id,
        title: s.title,
        department_id: s.department_id,
        department: s.department,
        state: s.state,
        state_label,
        accepting: s.accepting,
        respondents: s.respondents,
        latest_version: s.latest_version,
        updated: format!("{}（{}）", minutes(s.updated_at), s.updated_by),
        opens_at: s.opens_at.map(local_minute_input).unwrap_or_default(),
        closes_at: s.closes_at.map(local_minute_input).unwrap_or_default(),
    }
}

#[server(endpoint = "surveys/list")]
pub async fn list_surveys() -> Result<Vec<SurveyRow>, AppError> {
    let (me, ctx) = crate::ssr::context::call::<ListSurveys>()?;
    let list = domain::audience::surveys::list(ctx.db(), &me.grants.scope()).await?;
    Ok(list.into_iter().map(survey_row).collect())
}

/// The link and QR code of survey `id` for the channel `channel` (its LIFF app).
#[cfg(feature = "ssr")]
fn link(
    ctx: &crate::ssr::context::CallContext,
    channel: &str,
    id: i64,
) -> Result<SurveyLink, String> {
    let Some(client) = (ctx.server().line_clients)(channel) else {
        return Err("LINE チャネルが見つかりません。".into());
    };
    let Some(liff_id) = client.liff_id.filter(|l| !l.is_empty()) else {
        return Err(
            "このチャネルには LIFF アプリが設定されていません。LINE Developers で LIFF アプリ（エンドポイント URL は PUBLIC_URL/liff、サイズは Full、スコープは openid）を作り、LIFF_ID を設定してください。"
                .into(),
        );
    };
    let query = if channel == domain::platform::channels::MAIN {
        String::new()
    } else {
        format!("?ch={channel}")
    };
    let url = format!("https://liff.line.me/{liff_id}/surveys/{id}{query}");
    let qr_svg = qrcode::QrCode::new(url.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    Ok(SurveyLink {
        url,
        qr_svg,
        sandbox: client.sandbox,
    })
}

#[server(endpoint = "surveys/editor")]
pub async fn survey_editor_data(
    id: Option<i64>,
    channel: String,
) -> Result<SurveyEditor, AppError> {
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<SurveyEditorData>()?;
    let scope = me.grants.scope();
    let detail = match id {
        Some(id) => Some(domain::audience::surveys::for_editing(ctx.db(), &scope, id).await?),
        None => None,
    };
    let versions = match id {
        Some(id) => domain::audience::surveys::versions(ctx.db(), &scope, id)
            .await?
            .into_iter()
            .map(|v| VersionRow {
                number: v.number,
                created: format!(
                    "{}（{}）",
                    domain::time::minutes(v.created_at),
                    v.created_by
                ),
                questions: v.questions,
            })
            .collect(),
        None => Vec::new(),
    };
    let departments = domain::staff::departments::list(ctx.db())
        .await?
        .into_iter()
        .filter(|d| scope.includes(d.id))
        .map(|d| DepartmentOption {
            id: d.id,
            name: d.name,
        })
        .collect();
    let attributes = domain::audience::attributes::list(ctx.db())
        .await?
        .into_iter()
        .map(|a| AttributeChoice {
            options: a
                .options
                .iter()
                .filter(|o| !o.retired)
                .map(|o| (o.id, o.label.clone()))
                .collect(),
            id: a.id,
            label: a.label,
            kind: a.kind,
        })
        .collect();
    let (link, link_missing) = match &detail {
        Some(d) => match link(&ctx, &channel, d.summary.id) {
            Ok(l) => (Some(l), None),
            Err(why) => (None, Some(why)),
        },
        None => (None, None),
    };
    let definition = detail.as_ref().map_or_else(
        || Survey {
            title: String::new(),
            ..Survey::default()
        },
        |d| d.definition.clone(),
    );
    Ok(SurveyEditor {
        survey: detail.map(|d| survey_row(d.summary)),
        definition,
        departments,
        attributes,
        can_edit: me.grants.can(Feature::Surveys, Action::Edit),
        link,
        link_missing,
        versions,
        this_year: domain::time::this_year(),
    })
}

/// Creates (`id` empty) or saves a new version of a survey; answers with its id, version and the
/// version as saved (new items whose ids an earlier version used get fresh ones).
/// `definition` is the builder's `Survey` as JSON; `based_on` the version the builder loaded.
#[server(endpoint = "surveys/save")]
pub async fn save_survey(
    id: Option<i64>,
    department_id: Option<i64>,
    based_on: i64,
    definition: String,
) -> Result<(i64, i64, Survey), AppError> {
    let (me, ctx) = crate::ssr::context::call::<SaveSurvey>()?;
    let Some(department_id) = department_id else {
        return Err(AppError::Invalid("所属部署を選んでください。".into()));
    };
    let definition: Survey = serde_json::from_str(&definition).map_err(|_| {
        AppError::Invalid(
            "アンケートの内容を読み取れませんでした。ページを読み込み直してください。".into(),
        )
    })?;
    let scope = me.grants.scope();
    let actor = ctx.actor(&me);
    let saved = match id {
        Some(id) => {
            domain::audience::surveys::save(
                ctx.db(),
                &actor,
                &scope,
                id,
                department_id,
                based_on,
                &definition,
            )
            .await?
        }
        None => {
            domain::audience::surveys::create(ctx.db(), &actor, &scope, department_id, &definition)
                .await?
        }
    };
    Ok((
        saved.summary.id,
        saved.summary.latest_version,
        saved.definition,
    ))
}

/// Opens (`open`) or closes (`closed`) a survey, with an optional period (`datetime-local`
/// values, Japan time).
#[server(endpoint = "surveys/state")]
pub async fn set_survey_state(
    id: i64,
    state: String,
    opens_at: String,
    closes_at: String,
) -> Result<SurveyRow, AppError> {
    let (me, ctx) = crate::ssr::context::call::<SetSurveyState>()?;
    let state = SurveyState::from_key(&state)
        .ok_or_else(|| AppError::Invalid("状態の指定が正しくありません。".into()))?;
    let opens_at = domain::time::parse_local_minute(&opens_at, "受付開始")?;
    let closes_at = domain::time::parse_local_minute(&closes_at, "受付終了")?;
    let detail = domain::audience::surveys::set_state(
        ctx.db(),
        &ctx.actor(&me),
        &me.grants.scope(),
        id,
        state,
        opens_at,
        closes_at,
    )
    .await?;
    Ok(survey_row(detail.summary))
}

#[server(endpoint = "surveys/copy")]
pub async fn copy_survey(id: i64) -> Result<i64, AppError> {
    let (me, ctx) = crate::ssr::context::call::<CopySurvey>()?;
    let copy =
        domain::audience::surveys::copy(ctx.db(), &ctx.actor(&me), &me.grants.scope(), id).await?;
    leptos_axum::redirect(&format!("/admin/surveys/{}?copied=1", copy.summary.id));
    Ok(copy.summary.id)
}

#[server(endpoint = "surveys/delete")]
pub async fn delete_survey(id: i64) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeleteSurvey>()?;
    domain::audience::surveys::delete(ctx.db(), &ctx.actor(&me), &me.grants.scope(), id).await?;
    leptos_axum::redirect("/admin/surveys?deleted=1");
    Ok(())
}

#[cfg(feature = "ssr")]
fn answer_rows(
    page: domain::audience::surveys::results::RespondentPage,
) -> (Vec<QuestionResult>, Vec<AnswerRow>) {
    use model::survey::Answer;
    let catalog = &page.catalog;
    let rows = page
        .respondents
        .iter()
        .map(|r| AnswerRow {
            friend_id: r.friend_id,
            name: if r.display_name.is_empty() {
                "（名前なし）".into()
            } else {
                r.display_name.clone()
            },
            following: r.following,
            submitted: domain::time::minutes(r.submitted_at),
            version: r.version,
            revision: r.revision,
            cells: catalog
                .questions
                .iter()
                .map(|q| {
                    let answer = r.answers.get(&q.id);
                    let files = match answer {
                        Some(Answer::Files(ids)) => ids
                            .iter()
                            .map(|id| {
                                let name = page.files.get(id).cloned().unwrap_or_default();
                                let lower = name.to_ascii_lowercase();
                                let image = !lower.ends_with(".pdf");
                                (*id, name, image)
                            })
                            .collect(),
                        _ => Vec::new(),
                    };
                    AnswerCell {
                        text: catalog.display(q, answer, &page.files),
                        files,
                    }
                })
                .collect(),
        })
        .collect();
    let questions = catalog
        .questions
        .iter()
        .map(|q| QuestionResult {
            id: q.id.clone(),
            label: q.label.clone(),
            kind: q.kind.to_owned(),
            removed: q.removed,
            answered: 0,
            options: Vec::new(),
            texts: Vec::new(),
            is_upload: q.is_upload,
            option_ids: Vec::new(),
        })
        .collect();
    (questions, rows)
}

/// The answers page: the aggregate per question and a page of respondents.
#[server(endpoint = "surveys/answers")]
pub async fn survey_answers(
    id: i64,
    page: u64,
    #[server(default)] filter: String,
) -> Result<SurveyResults, AppError> {
    use domain::audience::surveys::results;
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<SurveyAnswers>()?;
    let scope = me.grants.scope();
    let detail = domain::audience::surveys::get(ctx.db(), &scope, id).await?;
    let tally = results::tally(ctx.db(), &scope, id).await?;
    let choice = results::ChoiceFilter::parse(&filter);
    let respondents = results::respondents(ctx.db(), &scope, id, page, choice.as_ref()).await?;
    let total_rows = respondents.total;
    let (_, rows) = answer_rows(respondents);
    let questions = tally
        .questions
        .into_iter()
        .map(|t| QuestionResult {
            option_ids: t
                .question
                .options
                .iter()
                .map(|(id, _)| id.clone())
                .collect(),
            id: t.question.id.clone(),
            label: t.question.label.clone(),
            kind: t.question.kind.to_owned(),
            removed: t.question.removed,
            answered: t.answered,
            options: t.options,
            texts: t.texts,
            is_upload: t.question.is_upload,
        })
        .collect();
    Ok(SurveyResults {
        survey: survey_row(detail.summary),
        questions,
        respondents: tally.respondents,
        rows,
        total_rows,
        page,
        page_size: results::PAGE_SIZE,
        filter: choice
            .map(|c| format!("{}:{}", c.question, c.choice))
            .unwrap_or_default(),
        can_export: me.grants.can(Feature::Surveys, Action::Export),
    })
}

/// Every answer one friend sent to a survey, newest first (the questions in the same order as
/// `survey_answers`' columns).
#[server(endpoint = "surveys/answer_history")]
pub async fn survey_answer_history(id: i64, friend_id: i64) -> Result<Vec<AnswerRow>, AppError> {
    let (me, ctx) = crate::ssr::context::call::<SurveyAnswerHistory>()?;
    let page =
        domain::audience::surveys::results::history(ctx.db(), &me.grants.scope(), id, friend_id)
            .await?;
    Ok(answer_rows(page).1)
}
