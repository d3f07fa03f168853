//! セグメント: saved segments (scoped to the caller's departments), their editor, and the live
//! audience count that the segment editor and the delivery page show as staff edit.
//!
//! Counting needs セグメント 閲覧 ([`count_audience`]) or 配信 閲覧 ([`count_delivery_audience`]):
//! a rule names one need, so the same count is offered under each (the delivery page calls the
//! second, and [`delivery_rule_choices`] for the rule builder's attributes).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use model::delivery::Target;
use model::segment::Rule;
use model::status::{AttributeKind, Environment};
use serde::{Deserialize, Serialize};

use super::DepartmentOption;
use crate::error::AppError;

/// How many matching friends a count shows by name.
pub const SAMPLE_SIZE: usize = 10;

/// An attribute as the rule builder offers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeChoice {
    pub id: i64,
    pub label: String,
    pub kind: AttributeKind,
    /// (id, label) in display order; retired options are marked in their label and kept, for
    /// rules that already use them.
    pub options: Vec<(i64, String)>,
}

/// A LINE language setting: its code (`ja`; `""` for friends whose language LINE did not tell)
/// and its Japanese name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageChoice {
    pub code: String,
    pub label: String,
}

/// A delivery that recorded who clicked, for the condition 「リンクのクリック」.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClickDeliveryChoice {
    pub id: i64,
    /// 「ごみ収集日のお知らせ（2026-11-28 10:00）」.
    pub label: String,
    /// (1-based position, URL).
    pub links: Vec<(u32, String)>,
}

/// What a rule can be made of: every attribute, LINE's languages, and the caller's
/// deliveries that recorded who clicked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleChoices {
    pub attributes: Vec<AttributeChoice>,
    pub languages: Vec<LanguageChoice>,
    #[serde(default)]
    pub click_deliveries: Vec<ClickDeliveryChoice>,
}

/// A channel the count can be taken on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentChannel {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub environment: Environment,
    pub sandbox: bool,
}

impl SegmentChannel {
    /// 「本番：まちだより市」, as the channel bar shows a channel.
    pub fn badge(&self) -> String {
        let mut label = format!("{}：{}", self.environment.label_ja(), self.name);
        if self.sandbox {
            label.push_str("（サンドボックス）");
        }
        label
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentRow {
    pub id: i64,
    pub name: String,
    pub department_id: i64,
    pub department: String,
    pub description: String,
    /// The conditions in Japanese.
    pub summary: String,
    /// Matching following friends of the list's channel now; `None` when the segment cannot be
    /// counted (an attribute it uses was deleted: `problem` says so).
    pub count: Option<u64>,
    pub problem: Option<String>,
    /// Japan time, `YYYY-MM-DD HH:MM`.
    pub updated_at: String,
    pub updated_by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentList {
    pub segments: Vec<SegmentRow>,
    /// The channel the counts are of (its name).
    pub channel: String,
    pub can_edit: bool,
}

/// A saved segment as its editor starts from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentDetail {
    pub id: i64,
    pub department_id: i64,
    pub department: String,
    pub name: String,
    pub description: String,
    pub rule: Rule,
    pub version: i32,
    pub updated_at: String,
    pub updated_by: String,
}

/// The segment editor: the segment (none for a new one), what its rule can use, the channels
/// to count on and the departments the caller may file it under.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentEditor {
    pub segment: Option<SegmentDetail>,
    pub choices: RuleChoices,
    pub channels: Vec<SegmentChannel>,
    pub departments: Vec<DepartmentOption>,
    pub can_edit: bool,
}

/// What the editor saves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentDraft {
    pub department_id: Option<i64>,
    pub name: String,
    pub description: String,
    pub rule: Rule,
}

/// A saved segment's id and its version now (the next save must name it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSegment {
    pub id: i64,
    pub version: i32,
}

/// A matching friend shown by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleFriend {
    pub id: i64,
    pub name: String,
}

/// An audience counted now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceSummary {
    pub count: u64,
    /// The newest matching friends, up to [`SAMPLE_SIZE`].
    pub sample: Vec<SampleFriend>,
    /// Japan time, `YYYY-MM-DD HH:MM:SS`.
    pub counted_at: String,
    /// The channel's key, for links to the friends.
    pub channel: String,
    /// Whether the caller may open a friend's page (友だち 閲覧).
    pub friend_links: bool,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    const VIEW: Need = Need::Can(Feature::Segments, Action::View);
    const EDIT: Need = Need::Can(Feature::Segments, Action::Edit);
    // The department scope is applied inside, by the domain.
    &[
        rule::<ListSegments>(VIEW),
        rule::<SegmentEditorData>(VIEW),
        rule::<SaveSegment>(EDIT),
        rule::<DeleteSegment>(EDIT),
        rule::<CountAudience>(VIEW),
        // The same count and the rule builder's choices for the delivery page.
        rule::<CountDeliveryAudience>(Need::Can(Feature::Deliveries, Action::View)),
        rule::<DeliveryRuleChoices>(Need::Can(Feature::Deliveries, Action::View)),
    ]
};

/// The segments in the caller's departments, each with its audience on channel `channel` now.
#[server(endpoint = "segments/list")]
pub async fn list_segments(channel: String) -> Result<SegmentList, AppError> {
    use domain::audience::segments::{self, Selection};
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<ListSegments>()?;
    let db = ctx.db();
    let channel_id = ctx.channel_id(&channel).await?;
    let channel_name = channels(&ctx)
        .await?
        .into_iter()
        .find(|c| c.id == channel_id)
        .map_or(channel, |c| c.name);
    let attributes = domain::audience::attributes::list(db).await?;
    let now = domain::time::now();
    let saved = segments::list(db, &me.grants.scope()).await?;
    // Segments whose rule no longer checks (an attribute deleted since) are not counted.
    let problems: Vec<Option<String>> = saved
        .iter()
        .map(|s| {
            segments::check_rule(&s.rule, &attributes)
                .err()
                .map(|e| e.to_string())
        })
        .collect();
    let selections: Vec<Selection> = saved
        .iter()
        .zip(&problems)
        .filter(|(_, problem)| problem.is_none())
        .map(|(s, _)| Selection {
            all_friends: false,
            include: vec![s.rule.clone()],
            exclude: Vec::new(),
        })
        .collect();
    let mut counts = audience_index()
        .count_each(db, channel_id, &selections, now)
        .await?
        .into_iter();
    let titles = segments::delivery_titles(db, saved.iter().map(|s| &s.rule)).await?;
    let rows = saved
        .into_iter()
        .zip(problems)
        .map(|(s, problem)| SegmentRow {
            summary: segments::describe(&s.rule, &attributes, &titles),
            count: if problem.is_none() {
                counts.next()
            } else {
                None
            },
            problem,
            id: s.id,
            name: s.name,
            department_id: s.department_id,
            department: s.department_name,
            description: s.description,
            updated_at: domain::time::minutes(s.updated_at),
            updated_by: s.updated_by,
        })
        .collect();
    Ok(SegmentList {
        segments: rows,
        channel: channel_name,
        can_edit: me.grants.can(Feature::Segments, Action::Edit),
    })
}

/// The editor of segment `id` (a new one without).
#[server(endpoint = "segments/editor")]
pub async fn segment_editor_data(id: Option<i64>) -> Result<SegmentEditor, AppError> {
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<SegmentEditorData>()?;
    let scope = me.grants.scope();
    let segment = match id {
        Some(id) => Some(domain::audience::segments::get(ctx.db(), &scope, id).await?),
        None => None,
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
    Ok(SegmentEditor {
        segment: segment.map(|s| SegmentDetail {
            id: s.id,
            department_id: s.department_id,
            department: s.department_name,
            name: s.name,
            description: s.description,
            rule: s.rule,
            version: s.version,
            updated_at: domain::time::minutes(s.updated_at),
            updated_by: s.updated_by,
        }),
        choices: rule_choices(&ctx, &me.grants.scope()).await?,
        channels: channels(&ctx).await?,
        departments,
        can_edit: me.grants.can(Feature::Segments, Action::Edit),
    })
}

/// Creates (no `id`) or saves segment `id` loaded at `version`; a version someone else saved
/// since is refused with a message (nothing is overwritten).
#[server(endpoint = "segments/save", input = Json)]
pub async fn save_segment(
    id: Option<i64>,
    version: Option<i32>,
    draft: SegmentDraft,
) -> Result<SavedSegment, AppError> {
    use domain::audience::segments::{self, SegmentInput};
    let (me, ctx) = crate::ssr::context::call::<SaveSegment>()?;
    let Some(department_id) = draft.department_id else {
        return Err(AppError::Invalid("所属部署を選んでください。".into()));
    };
    let input = SegmentInput {
        department_id,
        name: draft.name,
        description: draft.description,
        rule: draft.rule,
    };
    let scope = me.grants.scope();
    let actor = ctx.actor(&me);
    let saved = match (id, version) {
        (Some(id), Some(version)) => {
            segments::update(ctx.db(), &actor, &scope, id, version, input).await?
        }
        (Some(_), None) => {
            return Err(AppError::Invalid(
                "ページを読み込み直してから保存してください。".into(),
            ));
        }
        (None, _) => segments::create(ctx.db(), &actor, &scope, input).await?,
    };
    Ok(SavedSegment {
        id: saved.id,
        version: saved.version,
    })
}

#[server(endpoint = "segments/delete")]
pub async fn delete_segment(id: i64) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeleteSegment>()?;
    domain::audience::segments::delete(ctx.db(), &ctx.actor(&me), &me.grants.scope(), id).await?;
    leptos_axum::redirect("/admin/segments?deleted=1");
    Ok(())
}

/// The audience of `target` on channel `channel_id` now, with the newest matching friends by
/// name. A segment's editor sends `Target { rule: Some(rule), .. }`.
#[server(endpoint = "segments/count", input = Json)]
pub async fn count_audience(channel_id: i64, target: Target) -> Result<AudienceSummary, AppError> {
    let (me, ctx) = crate::ssr::context::call::<CountAudience>()?;
    audience(&me, &ctx, channel_id, &target).await
}

/// [`count_audience`] for the delivery page (配信 閲覧).
#[server(endpoint = "segments/count_delivery", input = Json)]
pub async fn count_delivery_audience(
    channel_id: i64,
    target: Target,
) -> Result<AudienceSummary, AppError> {
    let (me, ctx) = crate::ssr::context::call::<CountDeliveryAudience>()?;
    audience(&me, &ctx, channel_id, &target).await
}

/// What the rule builder offers, for the delivery page's one-off conditions (配信 閲覧).
#[server(endpoint = "segments/delivery_choices")]
pub async fn delivery_rule_choices() -> Result<RuleChoices, AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeliveryRuleChoices>()?;
    rule_choices(&ctx, &me.grants.scope()).await
}

/// The process's one audience index, which the delivery engine uses too: the server provides
/// it as Leptos context (`Arc<AudienceIndex>`, from `LinePlatform::audience_index`). Without it
/// (a render outside the server's router) a process-wide one is used, and a warning says so: a
/// second copy costs the index's memory again.
#[cfg(feature = "ssr")]
pub(crate) fn audience_index() -> std::sync::Arc<domain::audience::index::AudienceIndex> {
    use domain::audience::index::AudienceIndex;
    use std::sync::{Arc, LazyLock};
    static INDEX: LazyLock<Arc<AudienceIndex>> = LazyLock::new(|| {
        tracing::warn!("no audience index in the Leptos context: server functions use their own");
        Arc::new(AudienceIndex::new())
    });
    use_context::<Arc<AudienceIndex>>().unwrap_or_else(|| INDEX.clone())
}

/// Every attribute (choice options with their labels) and LINE's languages: what a rule can be
/// made of. Also for other areas' server functions that embed the rule builder.
#[cfg(feature = "ssr")]
pub(crate) async fn rule_choices(
    ctx: &crate::ssr::context::CallContext,
    scope: &model::access::Scope,
) -> Result<RuleChoices, AppError> {
    let attributes = domain::audience::attributes::list(ctx.db()).await?;
    let click_deliveries = domain::delivery::links::click_deliveries(ctx.db(), scope)
        .await?
        .into_iter()
        .map(|d| ClickDeliveryChoice {
            id: d.delivery_id,
            label: format!("{}（{}）", d.title, domain::time::minutes(d.last_sent_at)),
            links: d.links,
        })
        .collect();
    Ok(RuleChoices {
        attributes: attributes
            .into_iter()
            .map(|a| AttributeChoice {
                id: a.id,
                label: a.label,
                kind: a.kind,
                options: a
                    .options
                    .into_iter()
                    .map(|o| {
                        let label = if o.retired {
                            format!("{}（使われなくなった選択肢）", o.label)
                        } else {
                            o.label
                        };
                        (o.id, label)
                    })
                    .collect(),
            })
            .collect(),
        languages: domain::audience::segments::LINE_LANGUAGES
            .iter()
            .map(|(code, label)| LanguageChoice {
                code: (*code).to_owned(),
                label: (*label).to_owned(),
            })
            .collect(),
        click_deliveries,
    })
}

#[cfg(feature = "ssr")]
async fn channels(ctx: &crate::ssr::context::CallContext) -> Result<Vec<SegmentChannel>, AppError> {
    use domain::platform::channels;
    let mut list = Vec::new();
    for c in channels::summaries(ctx.db(), &ctx.server().secrets).await? {
        list.push(SegmentChannel {
            id: channels::id_of(ctx.db(), &c.key).await?,
            name: if c.name.trim().is_empty() {
                c.key.clone()
            } else {
                c.name
            },
            key: c.key,
            environment: c.environment,
            sandbox: c.sandbox,
        });
    }
    Ok(list)
}

#[cfg(feature = "ssr")]
async fn audience(
    me: &domain::staff::accounts::Staff,
    ctx: &crate::ssr::context::CallContext,
    channel_id: i64,
    target: &Target,
) -> Result<AudienceSummary, AppError> {
    use model::access::{Action, Feature};
    let channel = channels(ctx)
        .await?
        .into_iter()
        .find(|c| c.id == channel_id)
        .ok_or_else(|| AppError::NotFound("LINE チャネルが見つかりません。".into()))?;
    let now = domain::time::now();
    let index = audience_index();
    let found = domain::audience::segments::audience(
        ctx.db(),
        &index,
        channel_id,
        target,
        now,
        SAMPLE_SIZE,
    )
    .await?;
    Ok(AudienceSummary {
        count: found.count,
        sample: found
            .sample
            .into_iter()
            .map(|f| SampleFriend {
                id: f.id,
                name: f
                    .display_name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| "（名前未取得）".to_owned()),
            })
            .collect(),
        counted_at: domain::time::seconds(now),
        channel: channel.key,
        friend_links: me.grants.can(Feature::FriendAttributes, Action::View),
    })
}
