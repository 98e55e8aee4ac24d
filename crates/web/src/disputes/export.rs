//! The disputes ledger as `.xlsx` (矛盾纠纷排查化解台账), filtered as the
//! page is, streamed, and audited.

use super::api::{DisputeParams, parse_filter};
use crate::error::{ApiResult, AppError};
use crate::page::PageUser;
use crate::petitions::api::export::{XLSX, download, stream_temp, temp_export};
use axum::extract::{Query, State};
use axum::response::Response;
use xinfang_app::{AppState, disputes};
use xinfang_domain::dispute::{DisputeCategory, DisputeState, DisputeStatus, Risk};
use xinfang_export::disputes::{DisputeLedgerRow, XlsxDisputes};
use xinfang_store::{AuditEntry, DisputeLine};

const PAGE: i64 = 200;

fn row(seq: i64, l: DisputeLine) -> DisputeLedgerRow {
    let state: Option<DisputeState> = serde_json::from_str(&l.state).ok();
    let label = |s: &str, f: fn(&str) -> Option<&'static str>| f(s).unwrap_or("").to_string();
    DisputeLedgerRow {
        seq,
        case_no: l.case_no,
        found_on: l.found_on,
        category: label(&l.category, |s| DisputeCategory::parse(s).map(DisputeCategory::label)),
        parties: l.parties,
        place: l.place,
        summary: l.summary,
        risk: label(&l.risk, |s| Risk::parse(s).map(Risk::label)),
        leader: l.leader.unwrap_or_default(),
        unit: l.responsible_unit_name.unwrap_or(l.unit_name),
        person: state.as_ref().and_then(|s| s.responsible_person.clone()).unwrap_or_default(),
        resolve_by: l.resolve_by,
        mediation: state.as_ref().and_then(|s| s.mediation).map(|m| m.label().to_string()).unwrap_or_default(),
        status: label(&l.status, |s| DisputeStatus::parse(s).map(DisputeStatus::label)),
        closed_on: state.and_then(|s| s.closed_on),
    }
}

async fn xlsx(st: &AppState, pu: &PageUser, p: &DisputeParams) -> ApiResult<Response> {
    let mut f = parse_filter(p)?;
    f.limit = PAGE;
    f.offset = 0;
    let user = &pu.user;
    st.store
        .audit(&AuditEntry {
            user_id: Some(user.id),
            action: "dispute.export.xlsx".into(),
            object: user.unit.code.clone(),
            success: true,
            detail: String::new(),
        })
        .await?;
    let now = xinfang_app::china_time(chrono::Utc::now());
    let title = format!("矛盾纠纷排查化解台账（{}；导出时间：{}）", user.unit.name, now.format("%Y-%m-%d %H:%M"));
    let failed = |e: xinfang_export::XlsxError| {
        tracing::error!(error = %e, "disputes xlsx failed");
        AppError::internal()
    };
    let mut book = XlsxDisputes::new(&title).map_err(failed)?;
    let mut seq = 0;
    loop {
        let lines = disputes::lines(st, user, &f).await?;
        let n = lines.len() as i64;
        for l in lines {
            seq += 1;
            book.push(&row(seq, l)).map_err(failed)?;
        }
        if n < PAGE {
            break;
        }
        f.offset += PAGE;
    }
    let path = temp_export("xlsx")?;
    book.save(&path).map_err(failed)?;
    Ok(download("xinfang-disputes", "矛盾纠纷排查化解台账", "xlsx", XLSX, stream_temp(path)))
}

/// 调解协议书 (.docx) of a dispute with an agreement.
pub async fn agreement_docx(
    State(st): State<AppState>,
    pu: PageUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Response {
    match disputes::agreement_docx(&st, &pu.user, id).await {
        Ok((case_no, bytes)) => download(
            &format!("xinfang-agreement-{case_no}"),
            &format!("调解协议书-{case_no}"),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            axum::body::Body::from(bytes),
        ),
        Err(e) => pu.error(&e.into()),
    }
}

/// 导出 Excel, as the ledger page is filtered.
pub async fn export_xlsx(State(st): State<AppState>, pu: PageUser, Query(p): Query<DisputeParams>) -> Response {
    xlsx(&st, &pu, &p).await.unwrap_or_else(|e| pu.error(&e))
}
