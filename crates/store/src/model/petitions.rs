//! The petitions module's rows: what registration and steps write, and
//! what the ledger, search, the workbench and statistics read.

use super::{Sealed, Unit};
use crate::ids::{PetitionId, UnitId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use xinfang_domain::Deadline;
use xinfang_domain::petition::{Channel, ClockName, PetitionClass, PetitionStatus};

/// A petitioner as stored: ID and phone numbers encrypted (AEAD), with a
/// keyed blind index for exact lookup and the masked form for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PetitionerRecord {
    pub seq: i64,
    pub name: String,
    pub address: String,
    pub phone: Option<Sealed>,
    pub id_number: Option<Sealed>,
    pub representative: bool,
}

/// An event to write: the wire type, the date, and the JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub kind: String,
    pub on: NaiveDate,
    pub body: String,
    pub actor_id: Option<UserId>,
}

/// An event as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub seq: i64,
    pub kind: String,
    pub on: NaiveDate,
    pub body: String,
    pub actor: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// A petition linked as a repeat of `of` (a case number), or unlinked
/// (`None`), as its timeline shows it.
#[derive(Debug, Clone)]
pub struct RepeatLink {
    pub of: Option<String>,
    pub of_id: Option<PetitionId>,
    pub actor: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// A new petition with everything that goes into its first transaction.
#[derive(Debug, Clone)]
pub struct NewPetitionRecord {
    pub query_code: String,
    pub channel: String,
    pub class: String,
    pub status: String,
    pub unit_id: UnitId,
    pub registered_unit_id: UnitId,
    pub respondent_unit_id: Option<UnitId>,
    pub received_on: NaiveDate,
    pub subject: String,
    pub request: String,
    pub facts: String,
    pub reasons: String,
    pub collective_persons: Option<i64>,
    /// The case state (JSON) after all `events`.
    pub state: String,
    pub next_due: Option<NaiveDate>,
    pub deadlines: Vec<Deadline>,
    pub petitioners: Vec<PetitionerRecord>,
    /// The register event first, then any further steps (imports, demo).
    pub events: Vec<EventRecord>,
    /// Every unit the case has been at (for who may see it).
    pub unit_ids: Vec<UnitId>,
    pub registered_by: Option<UserId>,
    /// 内容分类 (a code of the shipped list) and 问题属地.
    pub content_category: String,
    pub problem_unit_id: Option<UnitId>,
    /// The handler (承办人) named by the events, if any.
    pub handler_id: Option<UserId>,
    /// The search index rows and the repeat-detection signature.
    pub search: xinfang_text::SearchDoc,
    /// Files sent with it (an online submission's), written in its
    /// transaction.
    pub attachments: Vec<crate::NewAttachment>,
    /// The petitioner's notice of registration, written in its transaction.
    pub notice: Option<super::PetitionerNotice>,
}

/// The petition row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PetitionRow {
    pub id: PetitionId,
    pub case_no: String,
    pub query_code: String,
    pub channel: Channel,
    pub class: PetitionClass,
    pub status: PetitionStatus,
    pub unit: Unit,
    pub registered_unit: Unit,
    pub respondent_unit: Option<Unit>,
    pub received_on: NaiveDate,
    pub subject: String,
    pub request: String,
    pub facts: String,
    pub reasons: String,
    pub collective_persons: Option<i64>,
    pub state: String,
    pub next_due: Option<NaiveDate>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The earlier petition this one was linked to as a repeat.
    pub repeat_of: Option<PetitionId>,
    /// 内容分类 and 问题属地.
    pub content_category: String,
    pub problem_unit: Option<Unit>,
    /// The handler (承办人) within the unit that has the case.
    pub handler: Option<NamedUser>,
}

/// A user as a record names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedUser {
    pub id: UserId,
    pub username: String,
    pub name: String,
}

/// One step appended to a case, with the new projection.
#[derive(Debug, Clone)]
pub struct AppendEvent {
    pub petition_id: PetitionId,
    /// The version read; the write fails with `Conflict` if it moved.
    pub expected_version: i64,
    pub status: String,
    pub unit_id: UnitId,
    pub state: String,
    pub next_due: Option<NaiveDate>,
    pub deadlines: Vec<Deadline>,
    pub event: EventRecord,
    pub add_unit_ids: Vec<UnitId>,
    /// The handler (承办人) after the event.
    pub handler_id: Option<UserId>,
    /// The petitioner's notice of this step, if it sends one.
    pub notice: Option<super::PetitionerNotice>,
}

/// A line of the petition list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PetitionSummary {
    pub id: PetitionId,
    pub case_no: String,
    pub channel: Channel,
    pub class: PetitionClass,
    pub status: PetitionStatus,
    pub unit_code: String,
    pub unit_name: String,
    pub received_on: NaiveDate,
    pub subject: String,
    pub next_due: Option<NaiveDate>,
    pub collective_persons: Option<i64>,
    pub petitioner_name: String,
    pub petitioner_phone_masked: Option<String>,
    pub content_category: String,
    pub problem_unit_name: Option<String>,
    pub handler_name: Option<String>,
    /// The case state (JSON), for the ledger's dates, result and evaluation.
    pub state: String,
    /// The clock of `next_due` (`acknowledge`, `handle` …).
    pub next_clock: Option<String>,
}

/// List filters; every field narrows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<PetitionStatus>,
    /// The ids of a unit and the units below it: the case is or was at one.
    pub unit_ids: Option<Vec<UnitId>>,
    pub class: Option<PetitionClass>,
    pub channel: Option<Channel>,
    pub received_from: Option<NaiveDate>,
    pub received_to: Option<NaiveDate>,
    /// Some(today): only cases with an office deadline before today.
    pub overdue_before: Option<NaiveDate>,
    /// The ids of the units that handle the case now (a unit, with or
    /// without those below it): the workbench's counts are by these.
    pub at_unit_ids: Option<Vec<UnitId>>,
    /// The nearest running office deadline (`next_due`) on or after / on or
    /// before these days.
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
    /// The handler (承办人).
    pub handler_id: Option<UserId>,
    /// Only cases not closed (办结).
    pub open_only: bool,
    /// A content category: a first-level code takes in its second level.
    pub content_category: Option<String>,
    /// The ids of a unit and the units below it: the problem is there.
    pub problem_unit_ids: Option<Vec<UnitId>>,
    /// Only ids below this (the cursor of the default order).
    pub before_id: Option<i64>,
    /// The order; the other orders page by `after`.
    pub sort: ListSort,
    /// The cursor of a date order: the (date, id) of the last row shown.
    pub after: Option<(NaiveDate, i64)>,
    pub limit: i64,
}

/// The orders of the petition list. Each pages by a cursor on its key and
/// the id, so a deep page costs what the first does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ListSort {
    /// Most recently registered first.
    #[default]
    Newest,
    ReceivedDesc,
    ReceivedAsc,
    /// The nearest office deadline first (cases with one only).
    DueAsc,
}

/// An open case, for recomputing deadlines after a calendar change.
#[derive(Debug, Clone)]
pub struct OpenCase {
    pub id: i64,
    pub case_no: String,
    pub state: String,
    pub version: i64,
}

/// A petition's stored words and state as text, unread: what
/// `xinfang check` reads to find records that cannot be.
#[derive(Debug, Clone)]
pub struct RawCase {
    pub id: i64,
    pub case_no: String,
    pub channel: String,
    pub class: String,
    pub status: String,
    pub state: String,
}

/// A petition as the deep audit check reads it: the seal of its record as
/// stored now, its events with theirs, and its stored projection.
#[derive(Debug, Clone)]
pub struct SealCase {
    pub id: i64,
    pub case_no: String,
    pub record_seal: String,
    pub class: String,
    /// The code of the unit it was registered at.
    pub registered_unit: String,
    pub received_on: NaiveDate,
    pub events: Vec<SealEvent>,
    pub status: String,
    pub state: String,
    /// The code of the unit that has it now.
    pub unit: String,
    /// The case number of the petition it is linked to as a repeat.
    pub repeat_of: Option<String>,
    /// Each link (`Some(case number)`) and unlink (`None`), oldest first.
    pub links: Vec<Option<String>>,
}

/// An event as stored, with its seal.
#[derive(Debug, Clone)]
pub struct SealEvent {
    pub seal: String,
    pub body: String,
}

/// An open case's deadlines computed afresh (after a calendar change), to
/// be stored if the case is still at `version`.
#[derive(Debug, Clone)]
pub struct DeadlineUpdate {
    pub id: i64,
    pub version: i64,
    pub next_due: Option<NaiveDate>,
    pub deadlines: Vec<Deadline>,
}

/// One cell of the monthly statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyCount {
    /// `YYYY-MM`.
    pub month: String,
    pub unit_code: String,
    pub unit_name: String,
    pub class: PetitionClass,
    pub count: i64,
}

/// The office deadlines of one unit and clock that are overdue, due today
/// and due by the workbench's horizon (`soon` counts all three).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCount {
    pub unit_code: String,
    pub unit_name: String,
    pub clock: ClockName,
    pub overdue: i64,
    pub today: i64,
    pub soon: i64,
}

/// A petition just stored: its id and case number (编号).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: PetitionId,
    pub case_no: String,
}

/// An office deadline that is due soon or overdue, for the workbench.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    pub petition_id: PetitionId,
    pub case_no: String,
    pub subject: String,
    pub status: PetitionStatus,
    pub unit_code: String,
    pub unit_name: String,
    pub clock: ClockName,
    pub due: NaiveDate,
}

/// How a search finds petitions.
#[derive(Debug, Clone)]
pub enum SearchBy {
    /// The full-text index, ranked.
    Text(xinfang_text::TextQuery),
    /// Petitioners whose name starts with this (a one-character query).
    NamePrefix(String),
    /// A petitioner's ID number, by its blind index.
    IdIndex(Vec<u8>),
    /// A petitioner's phone number, by its blind index.
    PhoneIndex(Vec<u8>),
    CaseNo(String),
}

/// A search result: the list line, the text to cut a snippet from, and the
/// rank (higher is better; 0 for exact look-ups).
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub summary: PetitionSummary,
    pub request: String,
    pub facts: String,
    pub reasons: String,
    pub score: f64,
    /// How many petitions matched in all: every match for an exact
    /// look-up; for a text search, at most the ranked window (1,000).
    pub matched: i64,
}

/// How many of the newest matches a text search ranks. Ranking every match
/// of a common word in a large ledger would read them all; the newest few
/// thousand in the user's jurisdiction are what a clerk looks for.
pub const RANK_WINDOW: i64 = 1000;

/// An earlier petition that may be the same matter as the one asked about.
#[derive(Debug, Clone)]
pub struct RepeatCandidate {
    pub summary: PetitionSummary,
    /// The ids path of the unit the case is at now.
    pub unit_path: String,
    pub repeat_of: Option<PetitionId>,
    /// Estimated similarity of the two texts' content words (MinHash).
    pub similarity: f64,
    /// A petitioner with the same ID number.
    pub same_id_number: bool,
    /// A petitioner with the same name and phone number, or the same
    /// name and address.
    pub same_name_contact: bool,
    /// A recheck opinion has been issued on it (Art. 36 ¶3).
    pub rechecked: bool,
}

/// A petition registered before the search index existed.
#[derive(Debug, Clone)]
pub struct UnindexedPetition {
    pub id: i64,
    pub content: [String; 4],
    pub people: Vec<String>,
}

/// A leaders' reception day (领导接访日, Art. 18) as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceptionDay {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub on: NaiveDate,
    /// E.g. 上午 9:00–12:00.
    pub hours: String,
    pub place: String,
    /// The leader who receives, with their office.
    pub leader: String,
    /// The matters received that day (or 不限).
    pub topic: String,
    pub withdrawn: bool,
}

/// A reception day to publish.
#[derive(Debug, Clone)]
pub struct NewReceptionDay {
    pub unit_id: UnitId,
    pub on: NaiveDate,
    pub hours: String,
    pub place: String,
    pub leader: String,
    pub topic: String,
}
