//! Search and repeat candidates, for the API and the pages alike: what a
//! user typed becomes a store look-up (exact for ID numbers, phones, case
//! numbers and one-character names; the full-text index otherwise), and a
//! petition's earlier look-alikes get a score, a reason and the rules of
//! the law that may apply.

use crate::crypto::Field;
use crate::error::{Error, Result};
use crate::org::viewer;
use crate::state::AppState;
use xinfang_domain::petition::repeat::{RepeatAssessment, RepeatFlag, assess, flags};
use xinfang_domain::{IdNumber, Phone};
use xinfang_store::{PetitionRow, PetitionSummary, SearchBy, User};
use xinfang_text::{Piece, TextQuery};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// Search results are ranked, not a ledger: they page by offset, this far.
pub const MAX_OFFSET: i64 = 1000;
/// Candidates shown for a petition.
pub const MAX_CANDIDATES: usize = 10;

/// A parsed query, with what it is matched on (for the user to see).
#[derive(Debug, Clone)]
pub struct Query {
    pub by: SearchBy,
    /// `text`, `name`, `id_number`, `phone` or `case_no`.
    pub mode: &'static str,
    /// Terms to highlight in snippets.
    pub terms: Vec<String>,
    /// The same text query with its synonyms: tried when the query as
    /// typed finds less than a page.
    pub wide: Option<TextQuery>,
}

fn bad(message: &str) -> Error {
    Error::bad_request("invalid_query", message)
}

/// Reads what the user typed. `any`: any word may match (else all must).
pub fn parse_query(st: &AppState, raw: &str, any: bool) -> Result<Query> {
    let q = xinfang_text::clean_line(raw);
    if q.is_empty() {
        return Err(bad("请输入检索词"));
    }
    if xinfang_text::char_len(&q) > MAX_QUERY_CHARS {
        return Err(bad("检索词不能超过 100 个字"));
    }
    let exact = |by, mode| Ok(Query { by, mode, terms: Vec::new(), wide: None });
    let compact: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    let looks_like_id = compact.len() == 18
        && compact.chars().take(17).all(|c| c.is_ascii_digit())
        && compact.chars().last().is_some_and(|c| c.is_ascii_digit() || c == 'x' || c == 'X');
    if looks_like_id {
        let id = IdNumber::parse("q", &compact).map_err(|e| bad(&e.message))?;
        return exact(SearchBy::IdIndex(st.keys.blind_index(Field::IdNumber, id.as_str())), "id_number");
    }
    if let Ok(phone) = Phone::parse("q", &compact) {
        return exact(SearchBy::PhoneIndex(st.keys.blind_index(Field::Phone, phone.as_str())), "phone");
    }
    let upper = compact.to_ascii_uppercase();
    if upper.len() == 13
        && upper.starts_with("XF")
        && upper.as_bytes()[6] == b'-'
        && upper.bytes().enumerate().all(|(i, b)| i < 2 || i == 6 || b.is_ascii_digit())
    {
        return exact(SearchBy::CaseNo(upper), "case_no");
    }
    let letters: Vec<char> = q.chars().filter(|c| c.is_alphanumeric()).collect();
    if letters.len() == 1 {
        // One character says too little for the text index: it is taken
        // as a family name.
        return exact(SearchBy::NamePrefix(letters[0].to_string()), "name");
    }
    let tq = TextQuery::parse_plain(&q, any);
    if tq.is_empty() {
        return Err(bad("检索词中没有可检索的文字"));
    }
    let wide = Some(TextQuery::parse(&q, any)).filter(|w| *w != tq);
    Ok(Query { terms: tq.terms(), by: SearchBy::Text(tq), mode: "text", wide })
}

/// The snippet of a hit: around the first match in request, facts, reasons.
pub fn snippet_of(request: &str, facts: &str, reasons: &str, terms: &[String]) -> Vec<Piece> {
    let text = [request, facts, reasons].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" / ");
    xinfang_text::snippet(&text, terms, 90)
}

/// An earlier petition that may be the same matter.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub summary: PetitionSummary,
    pub assessment: RepeatAssessment,
    /// Estimated similarity of the two texts' content words.
    pub similarity: f64,
    pub flags: Vec<RepeatFlag>,
    /// The petition asked about is linked to this one.
    pub linked: bool,
}

/// The same person's earlier matter whose written answer is served and
/// whose window for review (or recheck) is still open: the way on is to ask
/// for it (Arts. 35–36), not a new registration (issue 25 ¶9).
fn window_open(
    st: &AppState,
    cal: &xinfang_domain::Calendar,
    today: chrono::NaiveDate,
    earlier: &PetitionSummary,
) -> Option<RepeatFlag> {
    use xinfang_domain::petition::{CaseState, ClockName};
    let state: CaseState = serde_json::from_str(&earlier.state).ok()?;
    let ctx = xinfang_domain::petition::procedure::Ctx { today, rules: &st.rules, calendar: cal, higher_unit: None };
    let open = state
        .deadlines(&ctx)
        .into_iter()
        .find(|d| matches!(d.clock, ClockName::ReviewRequest | ClockName::RecheckRequest) && d.due >= today)?;
    let (article, message) = match open.clock {
        ClockName::ReviewRequest => (
            "《信访工作条例》第三十五条",
            "该信访人此前事项的处理意见已送达，复查申请期尚未届满：不服的，应请求上一级机关复查，不必重新登记",
        ),
        _ => (
            "《信访工作条例》第三十五条第二款",
            "该信访人此前事项的复查意见已出具，复核申请期尚未届满：不服的，应请求复核，不必重新登记",
        ),
    };
    Some(RepeatFlag { code: "art35_review_window_open", article, message })
}

/// The earlier petitions that may be the same matter as `row`, best first;
/// likely repeats carry the rules that may apply (Arts. 19 ¶3, 36 ¶3).
pub async fn candidates(st: &AppState, user: &User, row: &PetitionRow) -> Result<Vec<Candidate>> {
    let found = st.store.repeat_candidates(row.id, &viewer(st, user)).await?;
    let cal = st.calendar();
    let today = crate::today();
    let mut out: Vec<Candidate> = found
        .into_iter()
        // Earlier means received earlier: one registered before this one
        // but received after it is not (issue 25 ¶9).
        .filter(|c| c.summary.received_on <= row.received_on || row.repeat_of == Some(c.summary.id))
        .filter_map(|c| {
            let similarity = c.similarity;
            let same_person = c.same_id_number || c.same_name_contact;
            let assessment = assess(same_person, similarity)?;
            let below = c.unit_path.starts_with(&row.unit.path) && c.unit_path != row.unit.path;
            let status = c.summary.status;
            let mut flags = if assessment.likely { flags(status, below, c.rechecked) } else { Vec::new() };
            if same_person && let Some(flag) = window_open(st, &cal, today, &c.summary) {
                flags.push(flag);
            }
            let linked = row.repeat_of == Some(c.summary.id);
            Some(Candidate { summary: c.summary, assessment, similarity, flags, linked })
        })
        .collect();
    out.sort_by(|a, b| {
        b.linked
            .cmp(&a.linked)
            .then(b.assessment.score.total_cmp(&a.assessment.score))
            .then(b.summary.id.cmp(&a.summary.id))
    });
    out.truncate(MAX_CANDIDATES);
    Ok(out)
}

/// The meta key of the office's own synonym groups.
pub(crate) const OWN_SYNONYMS: &str = "search_synonyms";

/// The office's own groups as this process last applied them: the table
/// of the text crate is per process, and every server of a deployment
/// reloads it from the database when it changes ([`refresh_own_synonyms`]).
static APPLIED: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

pub(crate) fn apply(kept: &str) -> usize {
    *APPLIED.lock().unwrap_or_else(|p| p.into_inner()) = Some(kept.to_string());
    xinfang_text::set_own_synonyms(kept)
}

/// Applies the office's own groups as stored, if they differ from what this
/// process applied last (an administrator changed them on another server,
/// or at start); true if they did. The servers call it every 30 seconds.
pub async fn refresh_own_synonyms(st: &AppState) -> Result<bool> {
    let stored = st.store.meta(OWN_SYNONYMS).await?.unwrap_or_default();
    if APPLIED.lock().unwrap_or_else(|p| p.into_inner()).as_deref() == Some(stored.as_str()) {
        return Ok(false);
    }
    apply(&stored);
    Ok(true)
}

/// The office's own synonym groups, as stored (one group a line).
pub async fn own_synonyms(st: &AppState) -> Result<String> {
    Ok(st.store.meta(OWN_SYNONYMS).await?.unwrap_or_default())
}

/// Replaces the office's own synonym groups (an administrator's; at most
/// 500 lines of 200 characters, each two or more terms): stored, audited,
/// and in force at once on this server (on the others within 30 seconds).
pub async fn set_own_synonyms(st: &AppState, user: &User, text: &str) -> Result<usize> {
    if user.role != xinfang_domain::Role::Admin {
        return Err(Error::forbidden("只有系统管理员可以修改检索同义词"));
    }
    let text = xinfang_text::clean(text);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    if lines.len() > 500 {
        return Err(Error::field("synonyms", "too_many", "同义词最多 500 行"));
    }
    if let Some((i, _)) = lines.iter().enumerate().find(|(_, l)| l.chars().count() > 200) {
        return Err(Error::field("synonyms", "too_long", format!("第 {} 行超过 200 字", i + 1)));
    }
    if let Some((i, _)) = lines.iter().enumerate().find(|(_, l)| l.split_whitespace().count() < 2) {
        return Err(Error::field(
            "synonyms",
            "one_term",
            format!("第 {} 行只有一个词：每行写两个或更多同义的词，以空格分隔", i + 1),
        ));
    }
    let kept = lines.join("\n");
    st.store.set_meta(OWN_SYNONYMS, &kept).await?;
    st.store
        .audit(&xinfang_store::AuditEntry {
            user_id: Some(user.id),
            action: "search.synonyms".into(),
            object: user.unit.code.clone(),
            success: true,
            detail: format!("{} 组", lines.len()),
        })
        .await?;
    Ok(apply(&kept))
}
