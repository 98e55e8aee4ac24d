//! Exports of the filtered ledger: `.xlsx` and CSV (UTF-8 with a BOM), for
//! the API (`/api/v1/petitions/export.*`) and the pages alike. They take the
//! list filters and the user's jurisdiction, read the ledger page by page,
//! and stream the file out, so a large ledger is never held in memory.
//! Every export is written to the audit log.

use crate::auth::CurrentUser;
use crate::error::{ApiResult, AppError};
use crate::extract::ApiQuery;
use crate::petitions::api::{ListParams, parse_filter};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use xinfang_app::{AppState, org, today};
use xinfang_domain::petition::{Channel, ClockName, PetitionClass, PetitionStatus};
use xinfang_export::{LedgerRow, XlsxLedger, csv_header, csv_row};
use xinfang_store::{AuditEntry, ListFilter, PetitionSummary, User};

pub(crate) const PAGE: i64 = 1000;

pub(crate) fn ledger_row(s: PetitionSummary, today: chrono::NaiveDate) -> LedgerRow {
    let facts = xinfang_app::petitions::LedgerFacts::of_stored(&s.state);
    LedgerRow {
        case_no: s.case_no,
        received_on: s.received_on,
        channel: s.channel.label().into(),
        class: s.class.label().into(),
        category: xinfang_domain::petition::category::label(&s.content_category),
        subject: s.subject,
        petitioner: s.petitioner_name,
        phone: s.petitioner_phone_masked.unwrap_or_default(),
        persons: s.collective_persons,
        problem_unit: s.problem_unit_name.unwrap_or_default(),
        unit: s.unit_name,
        handler: s.handler_name.unwrap_or_default(),
        status: s.status.label().into(),
        next_clock: s.next_clock.as_deref().and_then(ClockName::parse).map_or("", ClockName::short_label).into(),
        overdue: s.next_due.is_some_and(|d| d < today),
        next_due: s.next_due,
        accepted_on: facts.accepted_on,
        closed_on: facts.closed_on,
        result: facts.result.unwrap_or_default().into(),
        satisfaction: facts.satisfaction.unwrap_or_default().into(),
        attachments: String::new(),
    }
}

/// A description of the filter for the title row.
pub(crate) fn describe(p: &ListParams) -> String {
    let mut parts = Vec::new();
    let mut add = |name: &str, v: &Option<String>, label: fn(&str) -> Option<&'static str>| {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{name}：{}", label(v).unwrap_or(v)));
        }
    };
    add("状态", &p.status, |v| PetitionStatus::parse(v).map(PetitionStatus::label));
    add("类别", &p.class, |v| PetitionClass::parse(v).map(PetitionClass::label));
    add("渠道", &p.channel, |v| Channel::parse(v).map(Channel::label));
    add("单位", &p.unit, |_| None);
    add("内容分类", &p.content_category, |v| xinfang_domain::petition::category::find(v).map(|c| c.name));
    add("问题属地", &p.problem_unit, |_| None);
    add("承办人", &p.handler, |v| (v == "me").then_some("本人"));
    add("收到日期自", &p.received_from, |_| None);
    add("收到日期至", &p.received_to, |_| None);
    if p.overdue.as_deref() == Some("true") {
        parts.push("仅超期".into());
    }
    if parts.is_empty() { "全部".into() } else { parts.join("，") }
}

pub(crate) async fn start(st: &AppState, user: &User, p: &ListParams, kind: &str) -> ApiResult<ListFilter> {
    let mut filter = parse_filter(st, user, p).await?;
    // Exports run newest first, whatever the page was sorted by.
    filter.limit = PAGE;
    filter.before_id = None;
    filter.sort = xinfang_store::ListSort::Newest;
    filter.after = None;
    st.store
        .audit(&AuditEntry {
            user_id: Some(user.id),
            action: format!("petition.export.{kind}"),
            object: user.unit.code.clone(),
            success: true,
            detail: describe(p),
        })
        .await?;
    Ok(filter)
}

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn attachment(name: &str, content_type: &'static str, body: Body) -> Response {
    download("xinfang-ledger", "信访事项台账", name, content_type, body)
}

/// A file to download as `{ascii}.{ext}` (`{zh}.{ext}` where the browser
/// takes UTF-8 names), never cached.
pub(crate) fn download(ascii: &str, zh: &str, ext: &str, content_type: &'static str, body: Body) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let encoded = percent_encoding::utf8_percent_encode(zh, percent_encoding::NON_ALPHANUMERIC);
    let disposition = format!("attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{encoded}.{ext}");
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A temporary file's path for an export being written.
pub(crate) fn temp_export(ext: &str) -> ApiResult<std::path::PathBuf> {
    let mut raw = [0u8; 8];
    getrandom::getrandom(&mut raw).map_err(|_| AppError::internal())?;
    Ok(std::env::temp_dir().join(format!("xinfang-export-{}.{ext}", hex::encode(raw))))
}

/// The body of the file at `path`, streamed; the file is removed once
/// opened (nothing of an export stays on disk).
pub(crate) fn stream_temp(path: std::path::PathBuf) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        match tokio::fs::File::open(&path).await {
            Ok(mut f) => {
                let _ = tokio::fs::remove_file(&path).await;
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match f.read(&mut buf).await {
                        Ok(0) => break,
                        Ok(n) => {
                            if tx.send(Ok(Bytes::copy_from_slice(&buf[..n]))).await.is_err() {
                                break;
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e)).await;
                            break;
                        }
                    }
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e)).await;
            }
        }
    });
    Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
}

/// The next page of the ledger, or `None` after the last.
pub(crate) async fn next_page(
    st: &AppState,
    user: &User,
    filter: &mut Option<ListFilter>,
) -> Result<Option<Vec<LedgerRow>>, String> {
    let Some(f) = filter.as_mut() else { return Ok(None) };
    let page = st.store.list_petitions(f, &org::viewer(st, user)).await.map_err(|e| e.to_string())?;
    match page.last() {
        Some(last) if page.len() as i64 == PAGE => f.before_id = Some(last.id.0),
        _ => *filter = None,
    }
    let today = today();
    // The names of each case's files, one query for the page.
    let ids: Vec<i64> = page.iter().map(|r| r.id.0).collect();
    let mut names: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    for (id, name) in st.store.attachment_names("petition", &ids).await.map_err(|e| e.to_string())? {
        names.entry(id).or_default().push(name);
    }
    Ok(Some(
        page.into_iter()
            .map(|r| {
                let files = names.remove(&r.id.0).unwrap_or_default().join("；");
                LedgerRow { attachments: files, ..ledger_row(r, today) }
            })
            .collect(),
    ))
}

pub async fn csv(st: &AppState, user: &User, p: &ListParams) -> ApiResult<Response> {
    let filter = start(st, user, p, "csv").await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let (st2, user2) = (st.clone(), user.clone());
    tokio::spawn(async move {
        let mut filter = Some(filter);
        if tx.send(Ok(Bytes::from(csv_header()))).await.is_err() {
            return;
        }
        loop {
            match next_page(&st2, &user2, &mut filter).await {
                Ok(Some(rows)) => {
                    let chunk: String = rows.iter().map(csv_row).collect();
                    if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    tracing::error!(error = %e, "CSV export failed");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            }
        }
    });
    Ok(attachment("csv", "text/csv; charset=utf-8", Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx))))
}

pub async fn xlsx(st: &AppState, user: &User, p: &ListParams) -> ApiResult<Response> {
    let filter = start(st, user, p, "xlsx").await?;
    let now = xinfang_app::china_time(chrono::Utc::now());
    let title = format!(
        "信访事项台账（{}；筛选：{}；导出时间：{}）",
        user.unit.name,
        describe(p),
        now.format("%Y-%m-%d %H:%M")
    );
    let mut book = XlsxLedger::new(&title).map_err(|e| {
        tracing::error!(error = %e, "xlsx");
        AppError::internal()
    })?;
    let mut filter = Some(filter);
    loop {
        let rows = next_page(st, user, &mut filter).await.map_err(|e| {
            tracing::error!(error = %e, "xlsx export failed");
            AppError::internal()
        })?;
        let Some(rows) = rows else { break };
        for r in &rows {
            book.push(r).map_err(|e| {
                tracing::error!(error = %e, "xlsx export failed");
                AppError::internal()
            })?;
        }
    }
    let path = temp_export("xlsx")?;
    book.save(&path).map_err(|e| {
        tracing::error!(error = %e, "xlsx save failed");
        AppError::internal()
    })?;
    Ok(attachment("xlsx", XLSX, stream_temp(path)))
}

/// 导出台账（Excel .xlsx），按列表筛选条件；流式输出；记入审计日志
#[utoipa::path(get, path = "/api/v1/petitions/export.xlsx", operation_id = "exportXlsx", tag = "petitions",
    security(("bearer" = [])), params(ListParams),
    responses((status = 200, description = "xlsx 文件", body = [u8],
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody)))]
pub async fn api_xlsx(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    xlsx(&st, &user, &p).await
}

/// 导出台账（CSV，UTF-8 带 BOM），按列表筛选条件；流式输出；记入审计日志
#[utoipa::path(get, path = "/api/v1/petitions/export.csv", operation_id = "exportCsv", tag = "petitions",
    security(("bearer" = [])), params(ListParams),
    responses((status = 200, description = "CSV 文件", body = String, content_type = "text/csv"), (status = 400, response = crate::views::ErrorBody), (status = 401, response = crate::views::ErrorBody)))]
pub async fn api_csv(
    State(st): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    csv(&st, &user, &p).await
}
