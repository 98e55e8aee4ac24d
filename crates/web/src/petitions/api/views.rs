//! The petitions module's answer bodies as typed structs, each with its
//! schema in the API document: a petition, a line of the ledger, a
//! deadline, a step of the timeline, a petitioner, search hits and repeat
//! candidates.

use crate::views::UnitRef;
use serde::Serialize;
use utoipa::ToSchema;
use xinfang_app::petitions::search::Candidate;
use xinfang_domain::petition::repeat::{RepeatFlag, RepeatReason};
use xinfang_domain::petition::{Channel, ClockName, Event, PetitionClass, PetitionStatus};
use xinfang_domain::{Deadline, Holder};
use xinfang_store::{EventRow, PetitionSummary, PetitionerRecord};
use xinfang_text::Piece;

/// Channel, class and status, each with its Chinese label.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Labels {
    pub channel: Channel,
    pub channel_label: &'static str,
    pub class: PetitionClass,
    pub class_label: &'static str,
    pub status: PetitionStatus,
    pub status_label: &'static str,
}

impl Labels {
    pub fn of(channel: Channel, class: PetitionClass, status: PetitionStatus) -> Self {
        Labels {
            channel,
            channel_label: channel.label(),
            class,
            class_label: class.label(),
            status,
            status_label: status.label(),
        }
    }
}

/// A deadline of a case, with how it was counted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineView {
    pub clock: ClockName,
    pub label: &'static str,
    /// The last day on which the step is on time.
    pub due: String,
    /// `office` or `petitioner`.
    pub holder: &'static str,
    /// true：办理期限，逾期即超期；false：仅为可申请/可提出异议的时限
    pub duty: bool,
    /// Counted over a year whose holidays are not loaded (Mon–Fri assumed).
    pub provisional: bool,
    /// Stopped for a hearing in progress (Art. 36 ¶2).
    pub paused: bool,
    pub overdue: bool,
    pub explanation: String,
}

impl DeadlineView {
    pub fn of(d: &Deadline, today: chrono::NaiveDate) -> Self {
        DeadlineView {
            clock: d.clock,
            label: d.clock.label(),
            due: d.due.to_string(),
            holder: match d.holder {
                Holder::Office => "office",
                Holder::Petitioner => "petitioner",
            },
            duty: d.duty,
            provisional: d.provisional,
            paused: d.paused,
            overdue: d.is_overdue(today),
            explanation: d.explanation.clone(),
        }
    }
}

/// A step of the timeline: its order, type, label and date; for staff also
/// the step's own fields (as it was posted), who recorded it and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEvent {
    /// The step's own fields (`to`, `decision`, `basis` …), for staff.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub details: serde_json::Map<String, serde_json::Value>,
    pub seq: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub label: &'static str,
    pub on: String,
    /// Who recorded it (staff only; null for the petitioner's own steps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<Option<String>>,
    /// When it was recorded, RFC 3339 (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<String>,
}

/// The timeline: each event's own fields (`with_details`) plus its order,
/// label and author.
pub fn timeline(events: &[EventRow], with_details: bool) -> Vec<TimelineEvent> {
    events
        .iter()
        .map(|e| {
            let parsed: Option<Event> = serde_json::from_str(&e.body).ok();
            let mut details = if with_details {
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&e.body).unwrap_or_default()
            } else {
                serde_json::Map::new()
            };
            for own in ["seq", "type", "label", "on", "actor", "recorded_at"] {
                details.remove(own);
            }
            TimelineEvent {
                details,
                seq: e.seq,
                kind: e.kind.clone(),
                label: parsed.as_ref().map(|p| p.kind.label()).unwrap_or(""),
                on: e.on.to_string(),
                actor: with_details.then(|| e.actor.clone()),
                recorded_at: with_details.then(|| e.recorded_at.to_rfc3339()),
            }
        })
        .collect()
}

/// A petitioner as staff see them: numbers masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PetitionerView {
    pub seq: i64,
    pub name: String,
    pub address: String,
    /// Masked: `138****8000`.
    pub phone: Option<String>,
    /// Masked: `110***********002X`.
    pub id_number: Option<String>,
    pub representative: bool,
}

impl PetitionerView {
    pub fn of(p: &PetitionerRecord) -> Self {
        PetitionerView {
            seq: p.seq,
            name: p.name.clone(),
            address: p.address.clone(),
            phone: p.phone.as_ref().map(|s| s.masked.clone()),
            id_number: p.id_number.as_ref().map(|s| s.masked.clone()),
            representative: p.representative,
        }
    }
}

/// A petitioner's full numbers, shown to a role that needs them (audited).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revealed {
    pub seq: i64,
    pub name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

/// A collective visit (集体访): how many came, how many represent them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectiveView {
    pub persons: i64,
    pub representatives: usize,
}

/// The whole petition for staff: facts, masked petitioners, timeline and
/// the deadlines computed now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PetitionView {
    pub id: i64,
    pub case_no: String,
    pub query_code: String,
    #[serde(flatten)]
    pub labels: Labels,
    pub unit: UnitRef,
    pub registered_unit: UnitRef,
    /// The unit reported on (检举控告类).
    pub respondent_unit: Option<UnitRef>,
    pub received_on: String,
    pub subject: String,
    pub request: String,
    pub facts: String,
    pub reasons: String,
    pub collective: Option<CollectiveView>,
    pub petitioners: Vec<PetitionerView>,
    pub deadlines: Vec<DeadlineView>,
    pub events: Vec<TimelineEvent>,
    /// Where the case stands in the procedure, as the rules see it.
    #[schema(value_type = Object)]
    pub procedure: xinfang_domain::petition::CaseState,
    /// The petition this one repeats (重复信访), if linked.
    pub repeat_of: Option<i64>,
    /// 内容分类: a code of `GET /api/v1/content-categories` (`00` 未分类).
    pub content_category: String,
    pub content_category_label: String,
    /// 问题属地.
    pub problem_unit: Option<UnitRef>,
    /// 承办人: the handler named within the unit that has the case.
    pub handler: Option<HandlerRef>,
    pub version: i64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// A handler (承办人) as answers name them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandlerRef {
    pub username: String,
    pub name: String,
}

/// The unit of a ledger line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineUnit {
    pub code: String,
    pub name: String,
}

/// The first petitioner of a ledger line, phone masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinePetitioner {
    pub name: String,
    pub phone: Option<String>,
}

/// A line of the ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PetitionLine {
    pub id: i64,
    pub case_no: String,
    #[serde(flatten)]
    pub labels: Labels,
    pub unit: LineUnit,
    pub received_on: String,
    pub subject: String,
    /// The next date the office must meet.
    pub next_due: Option<String>,
    pub overdue: bool,
    pub collective_persons: Option<i64>,
    pub petitioner: LinePetitioner,
    pub content_category: String,
    pub content_category_label: String,
    /// 问题属地 (the unit's name).
    pub problem_unit: Option<String>,
    /// 承办人 (the handler's name).
    pub handler: Option<String>,
}

impl PetitionLine {
    pub fn of(s: &PetitionSummary, today: chrono::NaiveDate) -> Self {
        PetitionLine {
            id: s.id.0,
            case_no: s.case_no.clone(),
            labels: Labels::of(s.channel, s.class, s.status),
            unit: LineUnit { code: s.unit_code.clone(), name: s.unit_name.clone() },
            received_on: s.received_on.to_string(),
            subject: s.subject.clone(),
            next_due: s.next_due.map(|d| d.to_string()),
            overdue: s.next_due.is_some_and(|d| d < today),
            collective_persons: s.collective_persons,
            petitioner: LinePetitioner { name: s.petitioner_name.clone(), phone: s.petitioner_phone_masked.clone() },
            content_category: s.content_category.clone(),
            content_category_label: xinfang_domain::petition::category::label(&s.content_category),
            problem_unit: s.problem_unit_name.clone(),
            handler: s.handler_name.clone(),
        }
    }
}

/// A page of the ledger, and the cursor of the next page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PetitionPage {
    pub items: Vec<PetitionLine>,
    pub next_cursor: Option<String>,
}

/// A piece of a search snippet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SnippetPiece {
    pub text: String,
    /// 与检索词匹配的部分
    pub hit: bool,
}

impl SnippetPiece {
    pub fn of(p: &Piece) -> Self {
        SnippetPiece { text: p.text.clone(), hit: p.hit }
    }
}

/// A search result: the ledger line, its relevance and a snippet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub line: PetitionLine,
    /// 相关度（越大越相关；精确查找为 0）
    pub score: f64,
    /// 只含部分检索词（含全部检索词的事项太少时，排在其后）
    pub partial: bool,
    pub snippet: Vec<SnippetPiece>,
}

/// A page of search results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchPage {
    /// What the query was matched on: `text`, `name`, `id_number`, `phone`
    /// or `case_no`.
    pub mode: &'static str,
    /// The words highlighted in the snippets.
    pub terms: Vec<String>,
    pub items: Vec<SearchHit>,
    pub next_offset: Option<i64>,
    /// 共有多少件符合：精确查找为全部；全文检索最多统计最新的 1000 件（`total_capped` 为 true 时表示“1000 件以上”）。
    pub total: i64,
    pub total_capped: bool,
}

/// A rule of the law that may apply to a repeat.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RepeatFlagView {
    /// `art19_same_matter_handled_below` or `art36_after_recheck`.
    pub code: &'static str,
    pub article: &'static str,
    pub message: &'static str,
}

impl RepeatFlagView {
    pub fn of(f: &RepeatFlag) -> Self {
        RepeatFlagView { code: f.code, article: f.article, message: f.message }
    }
}

/// An earlier petition that may be the same matter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RepeatCandidate {
    #[serde(flatten)]
    pub line: PetitionLine,
    pub score: f64,
    /// 内容词集合的估计相似度（MinHash）
    pub similarity: f64,
    pub reason: RepeatReason,
    pub reason_label: &'static str,
    /// 分值≥0.5：很可能是同一事项
    pub likely: bool,
    pub flags: Vec<RepeatFlagView>,
    /// Already linked as a repeat of this one, or this one of it.
    pub linked: bool,
}

impl RepeatCandidate {
    pub fn of(c: &Candidate, today: chrono::NaiveDate) -> Self {
        RepeatCandidate {
            line: PetitionLine::of(&c.summary, today),
            score: (c.assessment.score * 100.0).round() / 100.0,
            similarity: (c.similarity * 100.0).round() / 100.0,
            reason: c.assessment.reason,
            reason_label: c.assessment.reason.label(),
            likely: c.assessment.likely,
            flags: c.flags.iter().map(RepeatFlagView::of).collect(),
            linked: c.linked,
        }
    }
}

/// The repeat candidates of a petition and what is linked to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SimilarPage {
    pub repeat_of: Option<i64>,
    pub candidates: Vec<RepeatCandidate>,
    /// 关联为本件重复件的事项
    pub repeats: Vec<PetitionLine>,
}
