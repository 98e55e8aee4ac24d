//! The hash-chained audit log: a changed line is found.

use crate::support::{Backend, TestApp, petition};
use serde_json::json;
use xinfang_store::AuditEntry;
use xinfang_store::audit::{ChainBreak, line_hash};

pub async fn audit_chain_detects_tampering(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    for _ in 0..3 {
        app.register(&t, petition("C", "2026-03-02", json!({}))).await;
    }
    let chain = app.store.verify_audit().await.unwrap().expect("intact chain");
    // The built-in calendar, 7 units, 12 users, one login, three registrations.
    assert_eq!(chain.lines, 1 + 7 + 12 + 1 + 3, "every change is audited");
    assert_eq!(chain.keyed_from, Some(1), "keyed from the first line (issue 24 ¶4)");
    // A store without the key may read the chain, not write to it.
    let keyless = xinfang_store::Store::open_existing(&app.db_url).await.unwrap();
    let line =
        AuditEntry { user_id: None, action: "x".into(), object: "y".into(), success: true, detail: String::new() };
    let refused = keyless.audit(&line).await.unwrap_err().to_string();
    assert!(refused.contains("密钥签名"), "{refused}");
    assert_eq!(keyless.verify_audit().await.unwrap(), Err(ChainBreak::NeedsKey(1)));
    keyless.close().await;
    // Change one line behind the application's back.
    let sql = "UPDATE audit_log SET object = 'forged' WHERE seq = 5";
    app.raw_sql(sql).await;
    assert_eq!(app.store.verify_audit().await.unwrap(), Err(ChainBreak::At(5)));
    app.finish().await;
}

/// Rewrites the audit log's line `changed` and recomputes the hash of every
/// line from `from` on, as someone who can edit the database but has not
/// got the key can: plain SHA-256.
async fn recompute_without_the_key(app: &TestApp, from: i64, changed: i64) {
    let rows = app.store.audit_rows(0, 10_000).await.unwrap();
    let mut prev = xinfang_store::audit::GENESIS.to_string();
    for r in &rows {
        if r.seq < from {
            prev = r.hash.clone();
            continue;
        }
        let detail = if r.seq == changed { "rewritten".to_string() } else { r.detail.clone() };
        let hash = line_hash(None, r.seq, r.at_us, r.user_id, &r.action, &r.object, r.success, &detail, &prev);
        app.raw_sql(&format!(
            "UPDATE audit_log SET detail = '{detail}', prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
            r.seq
        ))
        .await;
        prev = hash;
    }
}

/// The checkpoints outside the database (issue 24 ¶4): cutting off the
/// last lines, emptying the log, and recomputing the whole chain without
/// the key all pass the chain alone, and all fail against them.
pub async fn audit_checkpoints_detect_truncation_and_rewriting(b: Backend) {
    use xinfang_app::anchor::{self, AnchorCheck};
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    app.register(&t, petition("C", "2026-03-02", json!({}))).await;
    let dir = std::env::temp_dir().join(format!(
        "xinfang-anchor-{}-{}",
        std::process::id(),
        app.base.replace([':', '/', '.'], "")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = anchor::anchor_path(&dir.join("xinfang.key"));
    let keys = &app.state.keys;
    assert_eq!(anchor::check(&app.store, keys, &path).await.unwrap(), AnchorCheck::NoFile);
    let head = anchor::checkpoint(&app.store, keys, &path, None).await.unwrap().unwrap();
    assert_eq!(anchor::checkpoint(&app.store, keys, &path, Some(head)).await.unwrap(), Some(head), "unmoved: no line");
    app.register(&t, petition("C", "2026-03-03", json!({}))).await;
    let newest = anchor::checkpoint(&app.store, keys, &path, Some(head)).await.unwrap().unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
    assert_eq!(
        anchor::check(&app.store, keys, &path).await.unwrap(),
        AnchorCheck::Held { checkpoints: 2, seq: newest }
    );
    // A power cut during an append leaves a torn last line: it never counted.
    let whole = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{whole}{}", &whole[..20])).unwrap();
    let held = anchor::check(&app.store, keys, &path).await.unwrap();
    assert_eq!(held, AnchorCheck::Held { checkpoints: 2, seq: newest });
    std::fs::write(&path, &whole).unwrap();

    // A line rewritten and every hash after it recomputed without the key:
    // the keyed chain finds it. Recomputed from the first line on, the chain
    // holds but is no longer keyed, and the checkpoint does not hold.
    recompute_without_the_key(&app, 3, 3).await;
    assert_eq!(app.store.verify_audit().await.unwrap(), Err(ChainBreak::Unkeyed(3)));
    recompute_without_the_key(&app, 1, 3).await;
    let unkeyed = app.store.verify_audit().await.unwrap().expect("the chain alone holds");
    assert_eq!(unkeyed.keyed_from, None, "but is reported as not keyed");
    assert!(
        matches!(anchor::check(&app.store, keys, &path).await.unwrap(), AnchorCheck::Broken(m) if m.contains("改写"))
    );
    // The last lines cut off, then the whole log emptied.
    app.raw_sql(&format!("DELETE FROM audit_log WHERE seq > {head}")).await;
    assert!(app.store.verify_audit().await.unwrap().is_ok());
    let broken = anchor::check(&app.store, keys, &path).await.unwrap();
    assert!(matches!(&broken, AnchorCheck::Broken(m) if m.contains("改写") || m.contains("缺少")), "{broken:?}");
    app.raw_sql("DELETE FROM audit_log").await;
    assert!(app.store.verify_audit().await.unwrap().is_ok());
    assert!(
        matches!(anchor::check(&app.store, keys, &path).await.unwrap(), AnchorCheck::Broken(m) if m.contains("缺少"))
    );
    // A checkpoint edited by hand fails its signature.
    let text = std::fs::read_to_string(&path).unwrap().replacen('\t', "0\t", 1);
    std::fs::write(&path, text).unwrap();
    assert!(
        matches!(anchor::check(&app.store, keys, &path).await.unwrap(), AnchorCheck::Broken(m) if m.contains("签名"))
    );
    std::fs::remove_dir_all(&dir).unwrap();
    app.finish().await;
}

/// Direct edits to the record (issue 24 ¶5): a petition's subject and
/// status, an event's body, a petitioner's name and the unit a report names
/// pass the chain, and the deep check names each by case number — against
/// the seal the chain holds for the record and each event, and against a
/// replay of the events.
pub async fn deep_check_finds_direct_edits_to_the_record(b: Backend) {
    use reqwest::StatusCode;
    let app = TestApp::start(b).await;
    let (intake, t1) = (app.login("intake").await, app.login("t1").await);
    let mut made = Vec::new();
    for _ in 0..6 {
        let p = app
            .register(&intake, petition("T1", "2026-03-02", json!({"class":"report","respondent_unit":"T1-V2"})))
            .await;
        let id = p["id"].as_i64().unwrap();
        app.event(&t1, id, json!({"type":"accept","on":"2026-03-03"}), StatusCode::CREATED).await;
        made.push((id, p["case_no"].as_str().unwrap().to_string()));
    }
    let deep = || async {
        let rules = xinfang_domain::petition::RuleSet::national_2022();
        xinfang_app::petitions::check::deep_check(&app.store, &rules, &mut |_| {}).await.unwrap()
    };
    let clean = deep().await;
    assert_eq!((clean.checked, clean.unsealed, clean.mismatches.len()), (6, 0, 0), "{clean:?}");

    let id = |i: usize| made[i].0;
    app.raw_sql(&format!("UPDATE petitions SET subject = '改过的事由' WHERE id = {}", id(0))).await;
    app.raw_sql(&format!("UPDATE petitions SET status = 'closed' WHERE id = {}", id(1))).await;
    app.raw_sql(&format!(
        "UPDATE events SET body = REPLACE(body, '2026-03-03', '2026-03-04') WHERE petition_id = {} AND seq = 2",
        id(2)
    ))
    .await;
    app.raw_sql(&format!("UPDATE petitioners SET name = '王五' WHERE petition_id = {}", id(3))).await;
    app.raw_sql(&format!("UPDATE petitions SET respondent_unit_id = NULL WHERE id = {}", id(4))).await;
    assert!(app.store.verify_audit().await.unwrap().is_ok(), "the chain alone cannot tell");

    let found = deep().await;
    let named: Vec<&str> = found.mismatches.iter().map(|m| m.case_no.as_str()).collect();
    assert_eq!(named, made[..5].iter().map(|(_, c)| c.as_str()).collect::<Vec<_>>(), "{found:?}");
    let why = |i: usize| found.mismatches[i].problem.clone();
    assert!(why(0).contains("登记内容"), "{}", why(0));
    assert!(why(1).contains("状态") && why(1).contains("closed"), "{}", why(1));
    assert!(why(2).contains("第 2 条办理记录"), "{}", why(2));
    assert!(why(3).contains("登记内容") && why(4).contains("登记内容"));
    // A petition removed from the database is named too.
    for table in [
        "deadlines",
        "events",
        "petitioners",
        "petition_units",
        "petition_search",
        "petition_signatures",
        "repeat_links",
    ] {
        let _ = app.try_raw_sql(&format!("DELETE FROM {table} WHERE petition_id = {}", id(5))).await;
    }
    app.raw_sql(&format!("DELETE FROM petitions WHERE id = {}", id(5))).await;
    let found = deep().await;
    assert!(found.mismatches.iter().any(|m| m.case_no == made[5].1 && m.problem.contains("已没有")), "{found:?}");

    // Each link as a repeat is on the case's record and in the chain
    // (issue 25 ¶9): a link removed from the record is named.
    let first = app.register(&intake, petition("T1", "2026-03-02", json!({}))).await["id"].as_i64().unwrap();
    let again = app.register(&intake, petition("T1", "2026-03-03", json!({}))).await;
    let path = format!("/api/v1/petitions/{}/repeat-of", again["id"]);
    let (s, v) = app.send_json(reqwest::Method::PUT, &t1, &path, json!({"of": first})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let case_no = again["case_no"].as_str().unwrap();
    assert!(!deep().await.mismatches.iter().any(|m| m.case_no == case_no));
    app.raw_sql(&format!("DELETE FROM repeat_links WHERE petition_id = {}", again["id"])).await;
    let found = deep().await;
    let named = found.mismatches.iter().find(|m| m.case_no == case_no).expect("the removed link is named");
    assert!(named.problem.contains("重复件关联"), "{}", named.problem);
    app.finish().await;
}

/// `key rotate` on either backend (issue 26 ¶4): every number is under the
/// new personal-data key, its blind index recomputed, and the deep audit
/// check follows the records' new seals.
pub async fn key_rotation_reencrypts_and_reseals(b: Backend) {
    use xinfang_app::crypto::{Field, Keys};
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let p = app.register(&handler, petition("C", "2026-03-02", json!({"subject": format!("轮换{i}")}))).await;
        ids.push(xinfang_store::PetitionId(p["id"].as_i64().unwrap()));
    }
    let old = Keys::from_hex(&"42".repeat(32)).unwrap();
    let new = Keys::from_hex(&format!("{} data {}", "42".repeat(32), "77".repeat(32))).unwrap();
    let pace = xinfang_app::keyrotate::Pace { batch: 2, stop_after: None };
    let done = xinfang_app::keyrotate::rotate(&app.store, &old, &new, &mut |_, _| {}, pace).await.unwrap();
    assert_eq!(done.petitions, 3);
    for id in &ids {
        let p = &app.store.petitioners(*id).await.unwrap()[0];
        let phone = p.phone.as_ref().unwrap();
        assert_eq!(new.open(Field::Phone, &phone.ciphertext).unwrap(), "13800138000");
        assert!(old.open(Field::Phone, &phone.ciphertext).is_err());
        assert_eq!(phone.blind_index, new.blind_index(Field::Phone, "13800138000"));
    }
    let rules = xinfang_domain::petition::RuleSet::national_2022();
    let report = xinfang_app::petitions::check::deep_check(&app.store, &rules, &mut |_| {}).await.unwrap();
    assert_eq!((report.checked, report.unsealed, report.mismatches.len()), (3, 0, 0), "{:?}", report.mismatches);
    // The old key is refused from now on; the new one is taken.
    assert!(xinfang_app::AppState::use_key(&app.store, &old).await.is_err());
    xinfang_app::AppState::use_key(&app.store, &new).await.unwrap();
    app.finish().await;
}
