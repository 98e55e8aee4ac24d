//! Who sees what: jurisdiction, Art. 30 confidentiality, read-only roles,
//! the public look-up, masking and audited reveals.

use crate::support::{Backend, TestApp, petition};
use reqwest::StatusCode;
use serde_json::json;
use xinfang_domain::{Role, UnitKind};

fn ids(list: &serde_json::Value) -> Vec<i64> {
    list["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

pub async fn a_village_cannot_see_another_village(b: Backend) {
    let app = TestApp::start(b).await;
    let v1 = app.login("v1").await;
    let v2 = app.login("v2").await;
    let t1 = app.login("t1").await;
    let root = app.login("handler").await;
    let zjj = app.login("zjj").await;

    let p = app.register(&v1, petition("T1-V1", "2026-03-02", json!({}))).await;
    let id = p["id"].as_i64().unwrap();
    let path = format!("/api/v1/petitions/{id}");

    let (s, e) = app.get(Some(&v2), &path).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert!(!ids(&app.get(Some(&v2), "/api/v1/petitions").await.1).contains(&id));
    app.event(&v2, id, json!({"type":"accept","on":"2026-03-03"}), StatusCode::NOT_FOUND).await;
    // The township above and the county see it.
    assert_eq!(app.get(Some(&t1), &path).await.0, StatusCode::OK);
    assert!(ids(&app.get(Some(&root), "/api/v1/petitions").await.1).contains(&id));
    // A village registers only for itself.
    let (s, _) = app.post(Some(&v1), "/api/v1/petitions", petition("T1-V2", "2026-03-02", json!({}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Transferred to 住建局: they see it now, and the village still sees its history but cannot act.
    assert_eq!(app.get(Some(&zjj), &path).await.0, StatusCode::NOT_FOUND);
    app.event(&v1, id, json!({"type":"transfer","on":"2026-03-03","to":"C-ZJJ"}), StatusCode::CREATED).await;
    assert_eq!(app.get(Some(&zjj), &path).await.0, StatusCode::OK);
    assert_eq!(app.get(Some(&v1), &path).await.0, StatusCode::OK);
    app.event(&v1, id, json!({"type":"accept","on":"2026-03-04"}), StatusCode::FORBIDDEN).await;
    app.event(&zjj, id, json!({"type":"accept","on":"2026-03-04"}), StatusCode::CREATED).await;
    // The unit filter finds it under 住建局 and under 一号村 (where it was).
    assert!(ids(&app.get(Some(&root), "/api/v1/petitions?unit=C-ZJJ").await.1).contains(&id));
    assert!(ids(&app.get(Some(&root), "/api/v1/petitions?unit=T1-V1").await.1).contains(&id));
    assert!(!ids(&app.get(Some(&root), "/api/v1/petitions?unit=T2").await.1).contains(&id));
    app.finish().await;
}

/// Jurisdiction follows the tree at any depth: a group (村民小组) added
/// below a village sees what is at it and below it, not its village's own
/// cases; the village and the township above see the group's.
pub async fn jurisdiction_follows_the_tree_at_any_depth(b: Backend) {
    let app = TestApp::builder(b)
        .unit("T1-V1-G1", "一组", UnitKind::Village, "T1-V1")
        .user("g1", Role::Handler, "T1-V1-G1")
        .start()
        .await;
    let (v1, g1, t1, v2) = (app.login("v1").await, app.login("g1").await, app.login("t1").await, app.login("v2").await);
    let village = app.register(&v1, petition("T1-V1", "2026-03-02", json!({}))).await["id"].as_i64().unwrap();
    let group = app.register(&g1, petition("T1-V1-G1", "2026-03-02", json!({}))).await["id"].as_i64().unwrap();
    let seen = |list: serde_json::Value| ids(&list);
    assert_eq!(seen(app.get(Some(&g1), "/api/v1/petitions").await.1), vec![group]);
    assert_eq!(app.get(Some(&g1), &format!("/api/v1/petitions/{village}")).await.0, StatusCode::NOT_FOUND);
    for above in [&v1, &t1] {
        let mut both = seen(app.get(Some(above), "/api/v1/petitions").await.1);
        both.sort_unstable();
        assert_eq!(both, vec![village, group]);
    }
    assert!(seen(app.get(Some(&v2), "/api/v1/petitions").await.1).is_empty());
    app.finish().await;
}

pub async fn art30_reports_never_reach_the_unit_reported_on(b: Backend) {
    let app = TestApp::start(b).await;
    let intake = app.login("intake").await;
    let v2 = app.login("v2").await;
    let t1 = app.login("t1").await;
    let report = petition(
        "T1",
        "2026-03-02",
        json!({"class":"report","respondent_unit":"T1-V2","subject":"反映村干部侵占集体资金"}),
    );
    let p = app.register(&intake, report).await;
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["respondent_unit"]["code"], "T1-V2");

    // The township above the village handles it; the village never sees it.
    assert_eq!(app.get(Some(&t1), &format!("/api/v1/petitions/{id}")).await.0, StatusCode::OK);
    assert_eq!(app.get(Some(&v2), &format!("/api/v1/petitions/{id}")).await.0, StatusCode::NOT_FOUND);
    assert!(!ids(&app.get(Some(&v2), "/api/v1/petitions").await.1).contains(&id));
    // It cannot be transferred to the village reported on.
    let e = app.event(&t1, id, json!({"type":"transfer","on":"2026-03-03","to":"T1-V2"}), StatusCode::CONFLICT).await;
    assert_eq!(e["error"]["code"], "art30_report_to_respondent");
    assert!(e["error"]["message"].as_str().unwrap().contains("第三十条"));
    // Even if it was transferred past the respondent's subtree and back, the rule holds on the list.
    app.event(&t1, id, json!({"type":"transfer","on":"2026-03-03","to":"T1-V1"}), StatusCode::CREATED).await;
    assert_eq!(app.get(Some(&v2), &format!("/api/v1/petitions/{id}")).await.0, StatusCode::NOT_FOUND);
    // A report about the registering unit itself (or above it) is not registered here.
    let about_root = petition("C", "2026-03-02", json!({"class":"report","respondent_unit":"C"}));
    let (s, e) = app.post(Some(&intake), "/api/v1/petitions", about_root).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    // A respondent is only for reports.
    let (s, _) = app
        .post(Some(&intake), "/api/v1/petitions", petition("C", "2026-03-02", json!({"respondent_unit":"T1"})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.finish().await;
}

pub async fn read_only_roles_cannot_act(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let p = app.register(&handler, petition("C", "2026-03-02", json!({}))).await;
    let id = p["id"].as_i64().unwrap();
    for who in ["supervisor", "auditor"] {
        let t = app.login(who).await;
        assert_eq!(app.get(Some(&t), &format!("/api/v1/petitions/{id}")).await.0, StatusCode::OK);
        app.event(&t, id, json!({"type":"accept","on":"2026-03-03"}), StatusCode::FORBIDDEN).await;
        let (s, _) = app.post(Some(&t), "/api/v1/petitions", petition("C", "2026-03-02", json!({}))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, _) = app.get(None, &format!("/api/v1/petitions/{id}")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.get(Some(&"0".repeat(64)), "/api/v1/petitions").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Logging out ends the session.
    let t = app.login("leader").await;
    let res = app.client.delete(format!("{}/api/v1/session", app.base)).bearer_auth(&t).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(Some(&t), "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    app.finish().await;
}

pub async fn personal_numbers_are_masked_and_reveals_audited(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let p = app.register(&handler, petition("C", "2026-03-02", json!({}))).await;
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["petitioners"][0]["phone"], "138****8000");
    assert_eq!(p["petitioners"][0]["id_number"], "110***********002X");
    let (_, list) = app.get(Some(&handler), "/api/v1/petitions").await;
    assert_eq!(list["items"][0]["petitioner"]["phone"], "138****8000");
    assert!(!list.to_string().contains("13800138000"));

    let sup = app.login("supervisor").await;
    let (s, _) = app.post(Some(&sup), &format!("/api/v1/petitions/{id}/petitioners/0/reveal"), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, full) = app.post(Some(&handler), &format!("/api/v1/petitions/{id}/petitioners/0/reveal"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{full}");
    assert_eq!(full["phone"], "13800138000");
    assert_eq!(full["id_number"], "11010519491231002X");

    // On the pages (issue 25 ¶7): one click on the petition page and the
    // printed form for the file show them in full to those roles, each
    // audited; the page, the ledger and the plain form stay masked.
    let mut page = crate::support::Pages::new(&app);
    let csrf = page.login("intake").await;
    let (_, html, _) = page.get(&format!("/petitions/{id}")).await;
    assert!(html.contains("显示完整号码") && !html.contains("13800138000"), "masked until asked");
    let (s, html, _) = page.post(&format!("/petitions/{id}/reveal"), &[("csrf", &csrf), ("seq", "0")]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("13800138000") && html.contains("11010519491231002X") && html.contains("已记入审计日志"));
    let (_, html, _) = page.get(&format!("/petitions/{id}/print")).await;
    assert!(!html.contains("13800138000"), "the plain form stays masked");
    let (s, html, _) = page.get(&format!("/petitions/{id}/print?full=1")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("13800138000") && html.contains("11010519491231002X") && html.contains("审计日志"));
    let (_, html, _) = page.get("/petitions").await;
    assert!(!html.contains("13800138000"), "the ledger stays masked");
    let mut reader = crate::support::Pages::new(&app);
    let sup_csrf = reader.login("supervisor").await;
    let (_, html, _) = reader.get(&format!("/petitions/{id}")).await;
    assert!(!html.contains("显示完整号码"), "not offered to a supervisor");
    let (s, html, _) = reader.post(&format!("/petitions/{id}/reveal"), &[("csrf", &sup_csrf), ("seq", "0")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(!html.contains("13800138000"));
    assert_eq!(reader.get(&format!("/petitions/{id}/print?full=1")).await.0, StatusCode::FORBIDDEN);

    let rows = app.store.audit_rows(0, 1000).await.unwrap();
    let reveals: Vec<&str> = rows
        .iter()
        .filter(|r| r.action == "pii.reveal" && r.object.ends_with("#0"))
        .map(|r| r.detail.as_str())
        .collect();
    assert_eq!(reveals, ["api", "page", "print"], "each reveal a line, with where it was shown");
    assert!(rows.iter().any(|r| r.action == "petition.register"));
    assert!(app.store.verify_audit().await.unwrap().is_ok());
    app.finish().await;
}

/// Art. 30 ¶3 through a link: a petition linked as a repeat of a report
/// (检举控告) and then sent to the unit reported on shows that unit nothing
/// of the report — not its id in the API, not its case number or unit on
/// the page, not as the pre-selected transfer target.
pub async fn art30_a_repeat_link_never_shows_the_report(b: Backend) {
    let app = TestApp::start(b).await;
    let (intake, t1, v2) = (app.login("intake").await, app.login("t1").await, app.login("v2").await);
    let report =
        app.register(&intake, petition("T1", "2026-03-02", json!({"class":"report","respondent_unit":"T1-V2"}))).await;
    let (report_id, report_no) = (report["id"].as_i64().unwrap(), report["case_no"].as_str().unwrap().to_string());
    let later = app.register(&t1, petition("T1", "2026-03-03", json!({}))).await["id"].as_i64().unwrap();
    let (s, linked) = app
        .send_json(reqwest::Method::PUT, &t1, &format!("/api/v1/petitions/{later}/repeat-of"), json!({"of": report_id}))
        .await;
    assert_eq!(s, StatusCode::OK, "{linked}");
    assert_eq!(linked["repeat_of"], report_id, "the township that sees both sees the link");
    app.event(&t1, later, json!({"type":"transfer","on":"2026-03-04","to":"T1-V2"}), StatusCode::CREATED).await;

    let (s, seen) = app.get(Some(&v2), &format!("/api/v1/petitions/{later}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(seen["repeat_of"].is_null(), "{seen}");
    assert!(!seen.to_string().contains(&report_no));
    let (_, similar) = app.get(Some(&v2), &format!("/api/v1/petitions/{later}/similar")).await;
    assert!(similar["repeat_of"].is_null(), "{similar}");
    assert!(!similar.to_string().contains(&report_no));
    let mut pages = crate::support::Pages::new(&app);
    pages.login("v2").await;
    let (s, html, _) = pages.get(&format!("/petitions/{later}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!html.contains(&report_no), "the page names the report");
    assert!(!html.contains(&format!("/petitions/{report_id}\"")), "the page links the report");
    assert!(!html.contains("本件已关联为"), "the page says it is a repeat of something");
    assert!(!html.contains("关联为重复信访"), "the timeline says it was linked (issue 25 ¶9)");
    // The township still sees the link, and the line of the timeline.
    assert_eq!(app.get(Some(&t1), &format!("/api/v1/petitions/{later}")).await.1["repeat_of"], report_id);
    let mut pages = crate::support::Pages::new(&app);
    pages.login("t1").await;
    let (_, html, _) = pages.get(&format!("/petitions/{later}")).await;
    assert!(html.contains("关联为重复信访") && html.contains(&format!("原件 {report_no}")), "{html}");
    app.finish().await;
}

/// One bad row stops nothing: a petition whose state or status was edited
/// into nonsense in the database is named by case number where it is
/// asked for, left out of the ledger and of the calendar recompute (which
/// finishes for the others), and listed by `xinfang check`.
pub async fn one_corrupt_record_stops_nothing(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let mut made = Vec::new();
    for _ in 0..3 {
        made.push(app.register(&handler, petition("C", "2026-03-02", json!({}))).await["id"].as_i64().unwrap());
    }
    let no = |id: i64| format!("XF2026-{id:06}");
    app.raw_sql(&format!("UPDATE petitions SET state = '{{broken' WHERE id = {}", made[0])).await;
    app.raw_sql(&format!("UPDATE petitions SET status = 'vanished' WHERE id = {}", made[1])).await;

    let (s, e) = app.get(Some(&handler), &format!("/api/v1/petitions/{}", made[0])).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(e["error"]["code"], "corrupt_record");
    assert!(e["error"]["message"].as_str().unwrap().contains(&no(made[0])), "{e}");
    let (s, list) = app.get(Some(&handler), "/api/v1/petitions").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert!(ids(&list).contains(&made[2]) && !ids(&list).contains(&made[1]));

    app.raw_sql("INSERT INTO meta (key, value) VALUES ('deadlines_stale', 'test')").await;
    let n = xinfang_app::calendar::recompute_deadlines(&app.store, &app.state.rules, &mut |_| {}).await.unwrap();
    assert_eq!(n, 2, "the two readable open cases");
    assert!(app.store.stale_deadlines().await.unwrap().is_none(), "the recompute finished");

    let bad = xinfang_app::petitions::check::unreadable_petitions(&app.store, &mut |_| {}).await.unwrap();
    let named: Vec<&str> = bad.iter().map(|b| b.case_no.as_str()).collect();
    assert_eq!(named, vec![no(made[0]), no(made[1])]);
    assert!(bad[1].problem.contains("vanished"));
    app.finish().await;
}
