//! The disputes module (issue 27) through the API and the pages, on both
//! backends: a dispute from registration to judicial confirmation and
//! closure, each step refused out of turn with its reason; who may see and
//! act; bad input; and the schema guard of ledgers-spec §2.0.

use crate::support::{Backend, Pages, TestApp, field};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn dispute(unit: &str) -> Value {
    json!({
        "unit": unit, "source": "application", "found_on": "2026-03-02", "category": "neighbour",
        "place": "一号村3组", "summary": "宅基地边界争执，围墙越界约半米", "claims": "拆除越界围墙",
        "parties": [
            {"role": "applicant", "name": "甲某", "phone": "13800138000", "id_number": "11010519491231002X"},
            {"role": "respondent", "name": "乙某"}
        ],
        "people_involved": 2, "amount_yuan": 1200.5, "risk": "ordinary"
    })
}

async fn step(app: &TestApp, token: &str, id: i64, body: Value, expect: StatusCode) -> Value {
    let (s, v) = app.post(Some(token), &format!("/api/v1/disputes/{id}/events"), body).await;
    assert_eq!(s, expect, "{v}");
    v
}

fn clock<'a>(d: &'a Value, name: &str) -> Option<&'a Value> {
    d["clocks"].as_array()?.iter().find(|c| c["clock"] == name)
}

/// 人民调解法 Arts. 28–33: assigned, mediated by a people's mediation
/// committee, an agreement in effect on 2026-03-06 whose confirmation
/// window ends on 2026-04-07 (day 30 falls in the Qingming holiday); an
/// application after it is refused, one on the last day taken; the court's
/// clocks follow; performed, resolved and closed.
pub async fn art33_a_dispute_from_registration_to_confirmation(b: Backend) {
    let app = TestApp::start(b).await;
    let t1 = app.login("t1").await;
    let (s, d) = app.post(Some(&t1), "/api/v1/disputes", dispute("T1")).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_i64().unwrap();
    assert!(d["case_no"].as_str().unwrap().starts_with("MD2026-"), "{d}");
    assert_eq!(d["parties"][0]["phone"], "138****8000", "masked");
    assert_eq!(d["parties"][0]["id_number"], "110***********002X");
    assert_eq!((d["status"].as_str(), d["amount_yuan"].as_f64()), (Some("registered"), Some(1200.5)));
    // The full numbers, to a role that needs them, audited.
    let (s, full) = app.post(Some(&t1), &format!("/api/v1/disputes/{id}/parties/0/reveal"), Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{full}");
    assert_eq!((full["phone"].as_str(), full["id_number"].as_str()), (Some("13800138000"), Some("11010519491231002X")));
    let supervisor = app.login("supervisor").await;
    let (s, _) = app.post(Some(&supervisor), &format!("/api/v1/disputes/{id}/parties/0/reveal"), Value::Null).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'pii.reveal'").await, 1);

    // Out of turn: mediation before assignment, closing an open dispute.
    let v = step(
        &app,
        &t1,
        id,
        json!({"type":"mediate","on":"2026-03-03","kind":"people","mediator":"一号村调委会"}),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(v["error"]["code"], "not_assigned");
    step(&app, &t1, id, json!({"type":"close","on":"2026-03-03"}), StatusCode::CONFLICT).await;

    let d = step(
        &app,
        &t1,
        id,
        json!({"type":"assign","on":"2026-03-03","unit":"T1-V1","person":"王调解员","resolve_by":"2026-04-02"}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(d["responsible_unit"]["code"], "T1-V1");
    let c = clock(&d, "resolve_by").expect("resolution deadline");
    assert!(c["explanation"].as_str().unwrap().contains("本单位规定"), "{c}");
    // Extending needs a leader.
    let (s, _) = app
        .post(
            Some(&t1),
            &format!("/api/v1/disputes/{id}/events"),
            json!({"type":"extend","on":"2026-03-04","resolve_by":"2026-05-01","reason":"x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    step(
        &app,
        &t1,
        id,
        json!({"type":"mediate","on":"2026-03-04","kind":"people","mediator":"一号村人民调解委员会"}),
        StatusCode::CREATED,
    )
    .await;
    step(&app, &t1, id, json!({"type":"session","on":"2026-03-05","notes":"双方到场，同意调解"}), StatusCode::CREATED)
        .await;
    let d = step(
        &app,
        &t1,
        id,
        json!({"type":"agreement","on":"2026-03-06","written":true,"effective_on":"2026-03-06","terms":"乙方四月底前拆除越界部分","performance_due":"2026-04-30"}),
        StatusCode::CREATED,
    )
    .await;
    let w = clock(&d, "confirmation_window").expect("the confirmation window");
    assert_eq!(w["due"], "2026-04-07", "{w}");
    assert!(w["explanation"].as_str().unwrap().contains("第三十三条"), "{w}");
    let v = step(
        &app,
        &t1,
        id,
        json!({"type":"apply_confirmation","on":"2026-04-08","court":"测试县人民法院"}),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(v["error"]["code"], "confirmation_window_passed", "{v}");
    let d = step(
        &app,
        &t1,
        id,
        json!({"type":"apply_confirmation","on":"2026-04-07","court":"测试县人民法院"}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(clock(&d, "court_acceptance").unwrap()["due"], "2026-04-10");
    let d = step(&app, &t1, id, json!({"type":"court_accepted","on":"2026-04-09"}), StatusCode::CREATED).await;
    assert_eq!(clock(&d, "court_decision").unwrap()["due"], "2026-04-24");
    step(
        &app,
        &t1,
        id,
        json!({"type":"court_decided","on":"2026-04-20","confirmed":true,"ruling_no":"(2026)测0101民特1号"}),
        StatusCode::CREATED,
    )
    .await;
    let d = step(&app, &t1, id, json!({"type":"performed","on":"2026-04-28"}), StatusCode::CREATED).await;
    assert_eq!(d["status"], "resolved");
    let d =
        step(&app, &t1, id, json!({"type":"close","on":"2026-04-29","note":"回访：已履行"}), StatusCode::CREATED).await;
    assert_eq!(d["status"], "closed");
    assert_eq!(d["steps"].as_array().unwrap().len(), 10);
    // Each step is in the audit log.
    let n = app.scalar_i64("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'dispute.%'").await;
    assert_eq!(n, 10);
    app.finish().await;
}

/// Who sees a dispute: its registering unit, its responsible unit, and
/// above; nobody else, not even in the ledger. Read-only roles read; a
/// unit beside it cannot act.
pub async fn a_dispute_is_seen_where_it_is_handled(b: Backend) {
    let app = TestApp::start(b).await;
    let (v1, v2, t1, supervisor) =
        (app.login("v1").await, app.login("v2").await, app.login("t1").await, app.login("supervisor").await);
    let (s, d) = app.post(Some(&v1), "/api/v1/disputes", dispute("T1-V1")).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_i64().unwrap();
    assert_eq!(app.get(Some(&v2), &format!("/api/v1/disputes/{id}")).await.0, StatusCode::NOT_FOUND);
    let (_, list) = app.get(Some(&v2), "/api/v1/disputes").await;
    assert_eq!(list["total"], 0, "{list}");
    for token in [&t1, &supervisor] {
        assert_eq!(app.get(Some(token), &format!("/api/v1/disputes/{id}")).await.0, StatusCode::OK);
    }
    let (_, list) = app.get(Some(&t1), "/api/v1/disputes?open=true").await;
    assert_eq!((list["total"].as_i64(), list["items"][0]["parties"].as_str()), (Some(1), Some("甲某、乙某")));
    // The supervisor reads but does not act; a village beside it cannot
    // even see it; the township above can act.
    let body = json!({"type":"assign","on":"2026-03-03","unit":"T1-V1","person":"王","resolve_by":"2026-04-02"});
    assert_eq!(
        app.post(Some(&supervisor), &format!("/api/v1/disputes/{id}/events"), body.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(Some(&v2), &format!("/api/v1/disputes/{id}/events"), body.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.post(Some(&supervisor), "/api/v1/disputes", dispute("C")).await.0, StatusCode::FORBIDDEN);
    // Assigned to a unit outside the actor's own: refused.
    let outside = json!({"type":"assign","on":"2026-03-03","unit":"T2","person":"王","resolve_by":"2026-04-02"});
    assert_eq!(
        app.post(Some(&t1), &format!("/api/v1/disputes/{id}/events"), outside).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    step(&app, &t1, id, body, StatusCode::CREATED).await;
    // No agreement yet: no 调解协议书.
    let mut pages = Pages::new(&app);
    pages.login("t1").await;
    assert_eq!(pages.get(&format!("/disputes/{id}/agreement.docx")).await.0, StatusCode::CONFLICT);
    // Filters are checked.
    assert_eq!(app.get(Some(&t1), "/api/v1/disputes?risk=huge").await.0, StatusCode::BAD_REQUEST);
    let (_, list) = app.get(Some(&t1), "/api/v1/disputes?status=assigned&category=neighbour").await;
    assert_eq!(list["total"], 1);
    app.finish().await;
}

/// A registration with errors is refused whole, each error with its field,
/// and stores nothing.
pub async fn a_bad_dispute_is_refused_whole(b: Backend) {
    let app = TestApp::start(b).await;
    let t1 = app.login("t1").await;
    let mut bad = dispute("T1");
    bad["place"] = json!("");
    bad["risk"] = json!("major");
    bad["parties"][0]["phone"] = json!("12345");
    bad["found_on"] = json!("2099-01-01");
    let (s, v) = app.post(Some(&t1), "/api/v1/disputes", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields: Vec<&str> =
        v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    for f in ["place", "risk_reason", "found_on", "parties[0].phone"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let (s, _) = app.post(Some(&t1), "/api/v1/disputes", dispute("T2")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a unit outside one's own");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM disputes").await, 0);
    app.finish().await;
}

/// The pages: register from the form (errors keep what was typed), the
/// dispute's page with its clocks and step forms, a step from its form.
pub async fn disputes_on_the_pages(b: Backend) {
    let app = TestApp::start(b).await;
    let mut p = Pages::new(&app);
    let csrf = p.login("t1").await;
    let (s, html, _) = p.get("/disputes/new").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("不登记任何人的行踪"));
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("unit", "T1"),
        ("source", "sweep"),
        ("found_on", "2026-03-02"),
        ("category", "land_forest"),
        ("place", "二号村后山"),
        ("summary", "山林界址争议"),
        ("risk", "serious"),
        ("risk_reason", ""),
        ("a_name", "甲村民小组"),
        ("a_phone", ""),
        ("b_name", "乙村民小组"),
    ];
    let (s, html, _) = p.post("/disputes", &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"二号村后山\"") && html.contains("此项必填"), "kept as typed, with the error");
    form[8] = ("risk_reason", "涉及两个村民小组数十户");
    let (s, _, loc) = p.post("/disputes", &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let loc = loc.unwrap();
    let (_, html, _) = p.get(&loc).await;
    assert!(
        html.contains("山林界址争议") && html.contains("甲村民小组") && html.contains("value=\"assign\""),
        "{html}"
    );
    let csrf = field(&html, "csrf");
    let step = [
        ("csrf", csrf.as_str()),
        ("type", "assign"),
        ("on", "2026-03-03"),
        ("unit", "T1"),
        ("person", "李调解员"),
        ("resolve_by", "2026-04-02"),
    ];
    let (s, _, _) = p.post(&format!("{loc}/events"), &step).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html, _) = p.get(&loc).await;
    assert!(html.contains("李调解员") && html.contains("化解时限（本单位规定） 2026-04-02"), "{html}");
    let (s, html, _) = p.post(&format!("{loc}/reveal"), &[("csrf", csrf.as_str()), ("seq", "0")]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("甲村民小组"), "{html}");
    let close = [("csrf", csrf.as_str()), ("type", "close"), ("on", "2026-03-04")];
    let (s, html, _) = p.post(&format!("{loc}/events"), &close).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("才能结案"), "the rule, on the page");
    let (_, html, _) = p.get("/disputes?open=true").await;
    assert!(html.contains("甲村民小组、乙村民小组") && html.contains("共 1 件"), "{html}");
    assert!(html.contains("/disputes/export.xlsx?open=true"), "the export keeps the filter");
    // The ledger as Excel, in the offices' column order, audited.
    let res = app
        .client
        .get(format!("{}/disputes/export.xlsx?open=true", app.base))
        .header(reqwest::header::COOKIE, p.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("xinfang-disputes.xlsx"));
    let bytes = res.bytes().await.unwrap();
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("矛盾纠纷排查化解台账").unwrap();
    assert_eq!(sheet.get_value((1, 4)), Some(&Data::String("当事人".into())));
    assert_eq!(sheet.get_value((2, 4)), Some(&Data::String("甲村民小组、乙村民小组".into())));
    assert_eq!(sheet.get_value((2, 10)), Some(&Data::String("李调解员".into())), "the responsible person");
    assert_eq!(sheet.height(), 3, "title, header, one line");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'dispute.export.xlsx'").await, 1);
    app.finish().await;
}

/// ledgers-spec §2.0: no table or column of the ledger modules tracks
/// people (where they are, what they plan or think, whom they know).
#[test]
fn the_ledger_schema_names_no_person_tracking() {
    const DENY: &[&str] = &[
        "location",
        "whereabouts",
        "gps",
        "lat",
        "lng",
        "longitude",
        "latitude",
        "动向",
        "所在地",
        "思想",
        "稳控",
        "劝返",
        "接返",
        "盯控",
        "重点人员",
        "key_person",
        "watch",
        "relative",
        "social",
        "社会关系",
        "tracking",
        "intercept",
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/src");
    let mut checked = 0;
    for backend in ["sqlite", "postgres"] {
        for entry in std::fs::read_dir(root.join(backend).join("migrations")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            // The ledger modules' migrations: from the disputes on.
            if name.as_str() < "0019" {
                continue;
            }
            let sql: String = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .map(|l| l.split("--").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n")
                .to_lowercase();
            for word in sql.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()) {
                for deny in DENY {
                    let hit = if deny.is_ascii() {
                        word.split('_').any(|part| part == *deny) || word == *deny
                    } else {
                        word.contains(deny)
                    };
                    assert!(!hit, "{name}: “{word}” tracks people ({deny})");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 2, "the ledger migrations were read");
}

/// 条例 Art. 33: a petition sent to mediation links both ways — the
/// dispute names it, its page lists the dispute — and only for those who
/// may see the petition.
pub async fn art33_a_petition_sent_to_mediation_links_both_ways(b: Backend) {
    let app = TestApp::start(b).await;
    let t1 = app.login("t1").await;
    let p = app.register(&t1, crate::support::petition("T1", "2026-03-02", json!({}))).await;
    let pid = p["id"].as_i64().unwrap();
    let mut pages = Pages::new(&app);
    pages.login("t1").await;
    let (s, html, _) = pages.get(&format!("/disputes/new?petition={pid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&format!("name=\"petition_id\" value=\"{pid}\"")) && html.contains("请求补发拖欠的工资"),
        "{html}"
    );
    assert!(html.contains("value=\"张三\""), "the petitioner as first party");
    let csrf = field(&html, "csrf");
    let pid_text = pid.to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("unit", "T1"),
        ("source", "petition"),
        ("petition_id", pid_text.as_str()),
        ("found_on", "2026-03-03"),
        ("category", "wage_arrears"),
        ("place", "某工地"),
        ("summary", "拖欠工资"),
        ("risk", "ordinary"),
        ("a_name", "张三"),
        ("b_name", "某建筑公司"),
    ];
    let (s, _, loc) = pages.post("/disputes", &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let loc = loc.unwrap();
    let (_, html, _) = pages.get(&loc).await;
    assert!(html.contains(&format!("href=\"/petitions/{pid}\"")), "the dispute names its petition");
    let (_, html, _) = pages.get(&format!("/petitions/{pid}")).await;
    let case_no = app.scalar_i64("SELECT COUNT(*) FROM disputes WHERE petition_id IS NOT NULL").await;
    assert_eq!(case_no, 1);
    assert!(html.contains("MD2026-000001") && html.contains(&format!("href=\"{loc}\"")), "the petition lists it");
    // A village that may not see the petition can neither start from it
    // nor name it.
    let mut other = Pages::new(&app);
    other.login("v2").await;
    assert_eq!(other.get(&format!("/disputes/new?petition={pid}")).await.0, StatusCode::NOT_FOUND);
    let v2 = app.login("v2").await;
    let mut body = dispute("T1-V2");
    body["source"] = json!("petition");
    body["petition_id"] = json!(pid);
    let (s, v) = app.post(Some(&v2), "/api/v1/disputes", body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"][0]["field"], "petition_id");
    app.finish().await;
}

/// 条例 Art. 18 ¶2 (包案): a leader takes a petition, an administrator
/// records a leader's ownership of a dispute; one owner at a time; the
/// leader's board lists them, overdue first; only the leader (or an
/// administrator) ends one, with its outcome; every change audited.
pub async fn art18_a_leader_owns_matters_on_a_board(b: Backend) {
    let app = TestApp::start(b).await;
    let t1 = app.login("t1").await;
    let p = app.register(&t1, crate::support::petition("T1", "2026-03-02", json!({}))).await;
    let pid = p["id"].as_i64().unwrap();
    let (_, d) = app.post(Some(&t1), "/api/v1/disputes", dispute("T1")).await;
    let did = d["id"].as_i64().unwrap();
    let target = (chrono::Utc::now() + chrono::Duration::days(40)).date_naive().to_string();

    let mut lead = Pages::new(&app);
    let csrf = lead.login("t1lead").await;
    let (_, html, _) = lead.get(&format!("/petitions/{pid}")).await;
    assert!(html.contains("我来包案"), "a leader may take it");
    let pid_s = pid.to_string();
    let back = format!("/petitions/{pid}");
    let take = [
        ("csrf", csrf.as_str()),
        ("module", "petition"),
        ("record_id", pid_s.as_str()),
        ("goal", "两个月内化解工资拖欠"),
        ("target_date", target.as_str()),
        ("back", back.as_str()),
    ];
    let (s, _, loc) = lead.post("/ownership", &take).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some(back.as_str())));
    let (_, html, _) = lead.get(&back).await;
    assert!(html.contains("两个月内化解工资拖欠") && html.contains("包案中") && !html.contains("我来包案"));
    // One owner at a time.
    let (s, _, _) = lead.post("/ownership", &take).await;
    assert_eq!(s, StatusCode::CONFLICT);
    // A clerk cannot take or end one.
    let mut clerk = Pages::new(&app);
    let clerk_csrf = clerk.login("t1").await;
    let mut as_clerk = take;
    as_clerk[0] = ("csrf", clerk_csrf.as_str());
    assert_eq!(clerk.post("/ownership", &as_clerk).await.0, StatusCode::FORBIDDEN);

    // The administrator records it for the leader on the dispute; it is
    // made overdue behind the application's back to see the board's order.
    let mut admin = Pages::new(&app);
    let admin_csrf = admin.login("admin").await;
    let did_s = did.to_string();
    let form = [
        ("csrf", admin_csrf.as_str()),
        ("module", "dispute"),
        ("record_id", did_s.as_str()),
        ("leader", "t1lead"),
        ("goal", "本月内促成调解"),
        ("target_date", target.as_str()),
        ("back", "/ownership"),
    ];
    assert_eq!(admin.post("/ownership", &form).await.0, StatusCode::SEE_OTHER);
    let mut not_leader = form;
    not_leader[3] = ("leader", "t1");
    assert_eq!(admin.post("/ownership", &not_leader).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    app.raw_sql("UPDATE ownerships SET target_date = '2026-01-05' WHERE module = 'dispute'").await;
    let (_, html, _) = lead.get("/ownership").await;
    let (first, second) = (html.find("MD2026-000001").unwrap(), html.find(p["case_no"].as_str().unwrap()).unwrap());
    assert!(first < second && html.contains("已超过目标日期：1 件"), "overdue first");
    let (_, html, _) = lead.get(&format!("/disputes/{did}")).await;
    assert!(html.contains("本月内促成调解") && html.contains("已超期"));
    let (_, list) = app.get(Some(&t1), "/api/v1/disputes").await;
    assert_eq!(list["items"][0]["leader"], "测试t1lead", "the ledger's 责任领导");

    // Ended by the leader with its outcome; a clerk may not.
    let oid = app.scalar_i64("SELECT id FROM ownerships WHERE module = 'petition'").await;
    let end = [("csrf", csrf.as_str()), ("achieved", "true"), ("outcome", "工资已全部兑付"), ("back", back.as_str())];
    let mut clerk_end = end;
    clerk_end[0] = ("csrf", clerk_csrf.as_str());
    assert_eq!(clerk.post(&format!("/ownership/{oid}/end"), &clerk_end).await.0, StatusCode::FORBIDDEN);
    assert_eq!(lead.post(&format!("/ownership/{oid}/end"), &end).await.0, StatusCode::SEE_OTHER);
    let (_, html, _) = lead.get("/ownership").await;
    assert!(html.contains("已实现目标") && html.contains("工资已全部兑付"));
    let n = app.scalar_i64("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'ownership.%'").await;
    assert_eq!(n, 3, "two taken, one achieved");
    app.finish().await;
}
