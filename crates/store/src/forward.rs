//! The store's operations that each backend carries out itself, by
//! concern: every one forwarded to the SQLite or the PostgreSQL backend
//! (the SQL is written once, in `sql/`). Writes that go through the
//! group-commit writer are in `lib.rs`.

use super::*;

macro_rules! forward {
    ($( $(#[$meta:meta])* pub async fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl Store {
            $(
                $(#[$meta])*
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match &self.backend {
                        Backend::Sqlite(b) => b.$name($($arg),*).await,
                        Backend::Postgres(b) => b.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

// The deployment: meta keys, bulk loads, health.
forward! {
    pub async fn load_set_aside(&self) -> Result<Vec<(String, String)>>;
    pub async fn set_aside_for_load(&self) -> Result<usize>;
    pub async fn restore_after_load(&self) -> Result<usize>;
    pub async fn meta(&self, key: &str) -> Result<Option<String>>;
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()>;
    pub async fn delete_meta(&self, key: &str, only_if: Option<&str>) -> Result<()>;
    pub async fn integrity_check(&self) -> Result<String>;
    pub async fn backup_to(&self, path: &str) -> Result<()>;
    pub async fn ping(&self) -> Result<()>;
}

// Attachments of any record (the kernel's).
forward! {
    pub async fn add_attachments(&self, module: &str, record_id: i64, files: &[NewAttachment], actor: AttachmentActor<'_>) -> Result<Vec<AttachmentRow>>;
    pub async fn attachments(&self, module: &str, record_id: i64) -> Result<Vec<AttachmentRow>>;
    pub async fn attachment(&self, id: i64) -> Result<Option<AttachmentRow>>;
    pub async fn attachment_names(&self, module: &str, ids: &[i64]) -> Result<Vec<(i64, String)>>;
    pub async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>>;
    pub async fn withdraw_attachment(&self, id: i64, reason: &str, actor: AttachmentActor<'_>) -> Result<()>;
}

// Messages to people (the outbox), the jobs' leases and the shared
// throttles (the kernel's).
forward! {
    pub async fn enqueue_message(&self, m: &NewMessage) -> Result<bool>;
    pub async fn enqueue_petitioner_notice(&self, petition_id: i64, n: &PetitionerNotice, once_key: &str) -> Result<bool>;
    pub async fn claim_message(&self, holder: &str, now_us: i64, stale_us: i64) -> Result<Option<OutboxRow>>;
    pub async fn finish_message(&self, id: i64, holder: &str, d: &Delivery) -> Result<bool>;
    pub async fn resend_message(&self, id: i64, now_us: i64, actor: Option<UserId>) -> Result<bool>;
    pub async fn message(&self, id: i64) -> Result<Option<OutboxRow>>;
    pub async fn messages(&self, f: &MessageFilter<'_>, limit: i64) -> Result<Vec<OutboxRow>>;
    pub async fn petition_messages(&self, petition_id: PetitionId) -> Result<Vec<OutboxRow>>;
    pub async fn message_counts(&self, f: &MessageFilter<'_>) -> Result<Vec<(String, i64)>>;
    pub async fn unit_contacts(&self) -> Result<Vec<UnitContact>>;
    pub async fn set_unit_contact(&self, c: &UnitContact, object: &str, actor: Option<UserId>) -> Result<()>;
    pub async fn due_cases(&self, until: chrono::NaiveDate) -> Result<Vec<DueCase>>;
    pub async fn closing_windows(&self, from: chrono::NaiveDate, to: chrono::NaiveDate) -> Result<Vec<ClosingWindow>>;
    pub async fn take_lease(&self, name: &str, holder: &str, now_us: i64, ttl_us: i64) -> Result<bool>;
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()>;
    pub async fn leases(&self) -> Result<Vec<(String, String, i64)>>;
    pub async fn throttle_count(&self, kind: &str, who: &str, address: &str) -> Result<Option<ThrottleCount>>;
    pub async fn throttle_fail(&self, kind: &str, who: &str, address: &str, now_us: i64, restart_us: i64) -> Result<ThrottleCount>;
    pub async fn throttle_lock(&self, kind: &str, who: &str, address: &str, until_us: i64) -> Result<()>;
    pub async fn throttle_clear(&self, kind: &str, who: &str, address: Option<&str>) -> Result<u64>;
    pub async fn throttle_locks(&self, kind: &str, now_us: i64) -> Result<Vec<ThrottleLock>>;
    pub async fn throttle_prune(&self, before_us: i64) -> Result<u64>;
}

// The disputes module (矛盾纠纷).
forward! {
    pub async fn insert_dispute(&self, rec: &NewDisputeRecord) -> Result<(i64, String)>;
    pub async fn append_dispute(&self, a: &DisputeAppend) -> Result<()>;
    pub async fn dispute(&self, id: i64) -> Result<Option<DisputeRow>>;
    pub async fn can_view_dispute(&self, id: i64, viewer: &Viewer) -> Result<bool>;
    pub async fn dispute_parties(&self, id: i64) -> Result<Vec<PartyRecord>>;
    pub async fn dispute_events(&self, id: i64) -> Result<Vec<EventRow>>;
    pub async fn list_disputes(&self, f: &DisputeFilter, viewer: &Viewer) -> Result<Vec<DisputeLine>>;
    pub async fn count_disputes(&self, f: &DisputeFilter, viewer: &Viewer) -> Result<i64>;
    pub async fn rekey_dispute_parties(&self, after: i64, span: i64, rekey: Rekey<'_>) -> Result<usize>;
    pub async fn max_dispute_id(&self) -> Result<i64>;
}

// Leaders' case ownership (包案) of any module's matter.
forward! {
    pub async fn take_ownership(&self, n: &NewOwnership) -> Result<i64>;
    pub async fn end_ownership(&self, id: i64, state: &str, outcome: &str, actor: Option<UserId>) -> Result<bool>;
    pub async fn ownership(&self, id: i64) -> Result<Option<OwnershipRow>>;
    pub async fn ownerships_of(&self, module: &str, record_id: i64) -> Result<Vec<OwnershipRow>>;
    pub async fn ownerships_of_leader(&self, leader: UserId, limit: i64) -> Result<Vec<OwnershipRow>>;
}

// Units, users and sessions (the organisation every module shares).
forward! {
    pub async fn add_unit(&self, code: &str, name: &str, kind: UnitKind, parent: Option<&str>, actor: Option<UserId>) -> Result<Unit>;
    pub async fn update_unit(&self, code: &str, change: &UnitChange, actor: Option<UserId>) -> Result<Unit>;
    pub async fn units(&self) -> Result<Vec<Unit>>;
    pub async fn unit_by_code(&self, code: &str) -> Result<Option<Unit>>;
    pub async fn unit_by_id(&self, id: UnitId) -> Result<Option<Unit>>;
    pub async fn add_user(&self, u: &NewUser, actor: Option<UserId>) -> Result<User>;
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>>;
    pub async fn update_user(&self, username: &str, change: &UserChange, actor: Option<UserId>) -> Result<User>;
    pub async fn users(&self) -> Result<Vec<User>>;
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>>;
    pub async fn create_session(&self, token_hash: &str, user_id: UserId, expires_at: chrono::DateTime<chrono::Utc>) -> Result<()>;
    pub async fn session_user(&self, token_hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<Option<User>>;
    pub async fn delete_session(&self, token_hash: &str) -> Result<()>;
}

// The holiday calendar.
forward! {
    pub async fn calendar(&self) -> Result<(Vec<CalendarYear>, Vec<SpecialDay>)>;
    pub async fn replace_calendar_years(&self, years: &[(i32, Vec<SpecialDay>)], source: &str, actor: Option<UserId>) -> Result<()>;
    pub async fn calendar_revision(&self) -> Result<String>;
}

// Leaders' reception days (领导接访日, Art. 18).
forward! {
    pub async fn add_reception_day(&self, day: &NewReceptionDay, actor: Option<UserId>) -> Result<i64>;
    pub async fn withdraw_reception_day(&self, id: i64, actor: Option<UserId>) -> Result<bool>;
    pub async fn reception_day(&self, id: i64) -> Result<Option<ReceptionDay>>;
    pub async fn reception_days(&self, from: chrono::NaiveDate, withdrawn: bool, limit: i64) -> Result<Vec<ReceptionDay>>;
}

// Idempotency keys (a request sent twice is carried out once).
forward! {
    pub async fn claim_idempotency(&self, key: &str, request: &str, now_us: i64, ttl_us: i64, stale_us: i64) -> Result<Claimed>;
    pub async fn answer_idempotency(&self, key: &str, status: i64, body: &str) -> Result<()>;
    pub async fn release_idempotency(&self, key: &str) -> Result<()>;
}

// The audit log.
forward! {
    pub async fn audit(&self, e: &AuditEntry) -> Result<()>;
    pub async fn audit_rows(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditRow>>;
    /// The audit log's last line: its sequence number and hash.
    pub async fn audit_head(&self) -> Result<Option<(i64, String)>>;
}

// Petitions (信访事项): reads, the ledger list, search, repeats, the workbench, statistics and deadlines. Writes go through the writer (below).
forward! {
    pub async fn petition(&self, id: PetitionId) -> Result<Option<PetitionRow>>;
    pub async fn petition_by_query_code(&self, code: &str) -> Result<Option<PetitionRow>>;
    pub async fn can_view(&self, id: PetitionId, viewer: &Viewer) -> Result<bool>;
    pub async fn petitioners(&self, petition_id: PetitionId) -> Result<Vec<PetitionerRecord>>;
    pub async fn events(&self, petition_id: PetitionId) -> Result<Vec<EventRow>>;
    pub async fn list_petitions(&self, f: &ListFilter, viewer: &Viewer) -> Result<Vec<PetitionSummary>>;
    pub async fn count_petitions(&self, f: &ListFilter, viewer: &Viewer, cap: i64) -> Result<i64>;
    pub async fn search_petitions(&self, by: &SearchBy, f: &ListFilter, viewer: &Viewer, offset: i64) -> Result<Vec<SearchHit>>;
    pub async fn repeat_candidates(&self, id: PetitionId, viewer: &Viewer) -> Result<Vec<RepeatCandidate>>;
    pub async fn repeats_of(&self, id: PetitionId, viewer: Option<&Viewer>) -> Result<Vec<PetitionSummary>>;
    pub async fn set_repeat_of(&self, id: PetitionId, expected_version: i64, of: Option<PetitionId>, actor: Option<UserId>) -> Result<()>;
    pub async fn repeat_links(&self, id: PetitionId) -> Result<Vec<RepeatLink>>;
    pub async fn unindexed_petitions(&self, limit: i64) -> Result<Vec<UnindexedPetition>>;
    pub async fn count_unindexed(&self) -> Result<i64>;
    pub async fn index_petitions(&self, docs: &[(i64, xinfang_text::SearchDoc)]) -> Result<()>;
    pub async fn index_bands_after(&self, after: i64, limit: i64) -> Result<(i64, i64)>;
    pub async fn bands_indexed_upto(&self) -> Result<i64>;
    pub async fn count_signatures_after(&self, after: i64) -> Result<i64>;
    pub async fn work_items(&self, viewer: &Viewer, until: chrono::NaiveDate, limit: i64) -> Result<Vec<WorkItem>>;
    pub async fn work_counts(&self, viewer: &Viewer, today: chrono::NaiveDate, soon: chrono::NaiveDate) -> Result<Vec<WorkCount>>;
    pub async fn monthly_counts(&self, year: i32, viewer: &Viewer) -> Result<Vec<MonthlyCount>>;
    pub async fn category_counts(&self, year: i32, viewer: &Viewer) -> Result<Vec<(String, i64)>>;
    pub async fn status_counts(&self) -> Result<Vec<(String, i64)>>;
    pub async fn open_cases(&self, after_id: i64, limit: i64) -> Result<Vec<OpenCase>>;
    pub async fn raw_cases(&self, after_id: i64, limit: i64) -> Result<Vec<RawCase>>;
    pub async fn seal_cases(&self, after_id: i64, span: i64) -> Result<Vec<SealCase>>;
    pub async fn max_petition_id(&self) -> Result<i64>;
    pub async fn rekey_petitions(&self, after: i64, span: i64, rekey: Rekey<'_>) -> Result<usize>;
    pub async fn rekey_messages(&self, after: i64, span: i64, rekey: Rekey<'_>) -> Result<usize>;
    pub async fn max_message_id(&self) -> Result<i64>;
    pub async fn due_count_drift(&self) -> Result<i64>;
}
