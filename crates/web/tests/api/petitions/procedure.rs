//! Whole procedures through the API, deadline by deadline.

use crate::support::{Backend, TestApp, due, petition};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub async fn art22_to_art36_full_procedure_to_final_recheck(b: Backend) {
    let app = TestApp::start(b).await;
    let intake = app.login("intake").await;
    let handler = app.login("handler").await;
    let t1 = app.login("t1").await;

    // Registered 2026-02-01: 15 days → 2/16, inside 春节 (2/15–2/23) → 2/24 (Art. 22 ¶1).
    let p = app.register(&intake, petition("C", "2026-02-01", json!({}))).await;
    let id = p["id"].as_i64().unwrap();
    assert!(p["case_no"].as_str().unwrap().starts_with("XF2026-"));
    assert_eq!(p["query_code"].as_str().unwrap().len(), 12);
    assert_eq!(p["status"], "registered");
    assert_eq!(due(&p, "acknowledge").as_deref(), Some("2026-02-24"));
    let expl = p["deadlines"][0]["explanation"].as_str().unwrap();
    assert!(expl.contains("春节假期") && expl.contains("顺延"), "{expl}");

    // Transfer (Art. 22) to 一号镇 on 2/3: objection window 5 working days → 2/10 (Art. 23 ¶3).
    let p = app.event(&intake, id, json!({"type":"transfer","on":"2026-02-03","to":"T1"}), StatusCode::CREATED).await;
    assert_eq!(p["unit"]["code"], "T1");
    assert_eq!(due(&p, "objection").as_deref(), Some("2026-02-10"));
    assert_eq!(due(&p, "acknowledge").as_deref(), Some("2026-02-24"));

    // Accepted 2/5: 60 days → 4/6 (清明) → 4/7 (Art. 34).
    let p = app.event(&t1, id, json!({"type":"accept","on":"2026-02-05"}), StatusCode::CREATED).await;
    assert_eq!(p["status"], "accepted");
    assert_eq!(due(&p, "handle").as_deref(), Some("2026-04-07"));
    assert_eq!(due(&p, "acknowledge"), None);

    // Extended by 30 days: 60 + 30 from acceptance → 5/6 (Art. 34), asked
    // for by the handler and approved by a leader of the unit.
    let ask = json!({"type":"extend_request","on":"2026-03-19","days":30,"reason":"涉及多个部门"});
    let p = app.event(&t1, id, ask, StatusCode::CREATED).await;
    assert_eq!(due(&p, "handle").as_deref(), Some("2026-04-07"), "asked, not yet approved");
    let t1lead = app.login("t1lead").await;
    let p = app.event(&t1lead, id, json!({"type":"extend","on":"2026-03-20"}), StatusCode::CREATED).await;
    assert_eq!(due(&p, "handle").as_deref(), Some("2026-05-06"));
    let handle = p["deadlines"].as_array().unwrap().iter().find(|d| d["clock"] == "handle").unwrap();
    assert!(handle["explanation"].as_str().unwrap().contains("经批准延长 30 日"));

    app.event(&t1, id, json!({"type":"hearing_start","on":"2026-03-25"}), StatusCode::CREATED).await;
    // The workbench's kept counts follow every step: here a paused clock.
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0);
    app.event(&t1, id, json!({"type":"hearing_end","on":"2026-03-26"}), StatusCode::CREATED).await;
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0);
    app.event(
        &t1,
        id,
        json!({"type":"opinion","on":"2026-04-20","decision":"reject","basis":"经调查，诉求缺乏依据"}),
        StatusCode::CREATED,
    )
    .await;
    // Served 4/22: the review window is 30 days → 5/22 (Art. 35).
    let p =
        app.event(&t1, id, json!({"type":"serve","on":"2026-04-22","method":"直接送达"}), StatusCode::CREATED).await;
    assert_eq!(due(&p, "review_request").as_deref(), Some("2026-05-22"));
    app.event(&t1, id, json!({"type":"evaluate","on":"2026-04-23","value":"dissatisfied"}), StatusCode::CREATED).await;

    // Review goes to the body one level up (Art. 35): the township can no longer act.
    let p = app.event(&handler, id, json!({"type":"review_request","on":"2026-05-10"}), StatusCode::CREATED).await;
    assert_eq!(p["unit"]["code"], "C");
    assert_eq!(due(&p, "review").as_deref(), Some("2026-06-09"));
    let denied = app
        .event(
            &t1,
            id,
            json!({"type":"review_opinion","on":"2026-06-01","decision":"reject","basis":"维持"}),
            StatusCode::FORBIDDEN,
        )
        .await;
    assert_eq!(denied["error"]["code"], "forbidden");

    let p = app
        .event(
            &handler,
            id,
            json!({"type":"review_opinion","on":"2026-06-01","decision":"reject","basis":"维持原处理意见"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(due(&p, "recheck_request").as_deref(), Some("2026-07-01"));
    let p = app.event(&handler, id, json!({"type":"recheck_request","on":"2026-06-15"}), StatusCode::CREATED).await;
    assert_eq!(due(&p, "recheck").as_deref(), Some("2026-07-15"));
    // A 3-day hearing is not counted (Art. 36 ¶2): 30 + 3 days → 7/18 (Saturday) → 7/20.
    app.event(&handler, id, json!({"type":"hearing_start","on":"2026-06-20"}), StatusCode::CREATED).await;
    let p = app.event(&handler, id, json!({"type":"hearing_end","on":"2026-06-22"}), StatusCode::CREATED).await;
    assert_eq!(due(&p, "recheck").as_deref(), Some("2026-07-20"));

    app.event(
        &handler,
        id,
        json!({"type":"recheck_opinion","on":"2026-07-10","decision":"reject","basis":"维持复查意见"}),
        StatusCode::CREATED,
    )
    .await;
    let p = app.event(&handler, id, json!({"type":"close","on":"2026-07-11"}), StatusCode::CREATED).await;
    assert_eq!(p["status"], "closed");
    assert_eq!(p["procedure"]["closed"]["reason"], "recheck_final");
    assert!(p["deadlines"].as_array().unwrap().is_empty());
    app.event(
        &handler,
        id,
        json!({"type":"evaluate","on":"2026-07-12","value":"basically_satisfied"}),
        StatusCode::CREATED,
    )
    .await;

    // Art. 36 ¶3: after the recheck the matter is final.
    let e = app.event(&handler, id, json!({"type":"recheck_request","on":"2026-07-13"}), StatusCode::CONFLICT).await;
    assert!(e["error"]["message"].as_str().unwrap().contains("第三十六条"), "{e}");

    let (_, full) = app.get(Some(&handler), &format!("/api/v1/petitions/{id}")).await;
    let types: Vec<&str> = full["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        vec![
            "register",
            "transfer",
            "accept",
            "extend_request",
            "extend",
            "hearing_start",
            "hearing_end",
            "opinion",
            "serve",
            "evaluate",
            "review_request",
            "review_opinion",
            "recheck_request",
            "hearing_start",
            "hearing_end",
            "recheck_opinion",
            "close",
            "evaluate"
        ]
    );
    assert_eq!(full["events"][1]["actor"], "测试intake");
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0);
    app.finish().await;
}

pub async fn forbidden_transitions_are_409_and_change_nothing(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let leader = app.login("leader").await;
    let p = app.register(&handler, petition("C", "2026-03-02", json!({}))).await;
    let id = p["id"].as_i64().unwrap();
    let before = app.get(Some(&handler), &format!("/api/v1/petitions/{id}")).await.1;

    // An opinion before acceptance (Art. 32 needs an accepted matter).
    let e = app
        .event(
            &handler,
            id,
            json!({"type":"opinion","on":"2026-03-03","decision":"support","basis":"x"}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(e["error"]["code"], "transition_not_allowed");
    assert!(e["error"]["message"].as_str().unwrap().contains("第三十二条"));
    // An objection to a matter that was not transferred (Art. 23 ¶3).
    let e = app
        .event(&handler, id, json!({"type":"objection","on":"2026-03-03","reason":"不属本单位"}), StatusCode::CONFLICT)
        .await;
    assert_eq!(e["error"]["code"], "art23_objection_not_transferred");
    // Review before any written reply (Art. 35).
    app.event(&handler, id, json!({"type":"review_request","on":"2026-03-03"}), StatusCode::CONFLICT).await;
    // Out of date order.
    let e = app.event(&handler, id, json!({"type":"accept","on":"2026-03-01"}), StatusCode::CONFLICT).await;
    assert_eq!(e["error"]["code"], "out_of_order");

    let after = app.get(Some(&handler), &format!("/api/v1/petitions/{id}")).await.1;
    assert_eq!(before, after, "refused steps changed the record");

    // Objection after 5 working days (Art. 23 ¶3).
    let p2 = app.register(&handler, petition("C", "2026-03-02", json!({}))).await;
    let id2 = p2["id"].as_i64().unwrap();
    app.event(&handler, id2, json!({"type":"transfer","on":"2026-03-02","to":"C-ZJJ"}), StatusCode::CREATED).await;
    let zjj = app.login("zjj").await;
    let e = app
        .event(&zjj, id2, json!({"type":"objection","on":"2026-03-10","reason":"不属本单位"}), StatusCode::CONFLICT)
        .await;
    assert_eq!(e["error"]["code"], "art23_objection_late");
    let p = app
        .event(&zjj, id2, json!({"type":"objection","on":"2026-03-09","reason":"不属本单位"}), StatusCode::CREATED)
        .await;
    assert_eq!(p["unit"]["code"], "C", "an accepted objection returns the matter");

    // Extension over 30 days in total (Art. 34): asked for at the unit,
    // approved by its leader only, never typed in with its own days.
    app.event(&handler, id, json!({"type":"accept","on":"2026-03-03"}), StatusCode::CREATED).await;
    let ask = |days: u32, on: &str| json!({"type":"extend_request","on":on,"days":days,"reason":"复杂"});
    let e = app.event(&handler, id, ask(31, "2026-03-04"), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(e["error"]["fields"][0]["code"], "art34_extension_too_long");
    let approve = json!({"type":"extend","on":"2026-03-04"});
    let e = app.event(&leader, id, approve.clone(), StatusCode::CONFLICT).await;
    assert_eq!(e["error"]["code"], "art34_no_request", "no request to approve");
    app.event(&handler, id, ask(20, "2026-03-04"), StatusCode::CREATED).await;
    let e = app.event(&handler, id, approve.clone(), StatusCode::FORBIDDEN).await;
    assert!(e["error"]["message"].as_str().unwrap().contains("负责人批准"), "{e}");
    let typed = json!({"type":"extend","on":"2026-03-04","days":20,"approver":"局长","reason":"复杂"});
    let e = app.event(&leader, id, typed, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(e["error"]["fields"][0]["code"], "art34_extension_needs_request");
    let p = app.event(&leader, id, approve, StatusCode::CREATED).await;
    let (_, full) = app.get(Some(&leader), &format!("/api/v1/petitions/{}", p["id"])).await;
    let last = full["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["type"].as_str(), last["actor"].as_str()), (Some("extend"), Some("测试leader")), "{last}");
    let e = app.event(&handler, id, ask(11, "2026-03-05"), StatusCode::CONFLICT).await;
    assert_eq!(e["error"]["code"], "art34_extension_too_long");
    app.finish().await;
}

pub async fn concurrent_steps_on_one_case_serialize(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let p = app.register(&handler, petition("C", "2026-03-02", json!({}))).await;
    let id = p["id"].as_i64().unwrap();
    let path = format!("/api/v1/petitions/{id}/events");
    let body = json!({"type":"accept","on":"2026-03-03"});
    let (a, b2) =
        tokio::join!(app.post(Some(&handler), &path, body.clone()), app.post(Some(&handler), &path, body.clone()));
    let mut statuses = vec![a.0, b2.0];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::CREATED, StatusCode::CONFLICT], "{a:?} {b2:?}");
    let (_, full) = app.get(Some(&handler), &format!("/api/v1/petitions/{id}")).await;
    assert_eq!(full["events"].as_array().unwrap().len(), 2);
    app.finish().await;
}

pub async fn calendar_import_recomputes_open_deadlines(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let p = app.register(&handler, petition("C", "2026-11-20", json!({}))).await;
    let id = p["id"].as_i64().unwrap();
    // Accepted 11/25: 60 days → 2027-01-24 (Sunday). 2027 is not loaded: Mon–Fri fallback → 1/25, provisional.
    let p = app.event(&handler, id, json!({"type":"accept","on":"2026-11-25"}), StatusCode::CREATED).await;
    let handle = p["deadlines"].as_array().unwrap().iter().find(|d| d["clock"] == "handle").unwrap().clone();
    assert_eq!(handle["due"], "2027-01-25");
    assert_eq!(handle["provisional"], true);
    assert!(handle["explanation"].as_str().unwrap().contains("2027 年节假日安排尚未导入"));

    // A 2027 notice that makes 1/25 a holiday.
    let file = xinfang_domain::calendar::CalendarFile::parse(
        r#"{"source":"测试通知","years":{"2027":{"holidays":[{"name":"测试假日","dates":["2027-01-25"]}],"make_up_workdays":[]}}}"#,
    )
    .unwrap();
    let years: Vec<_> = file.special_days().into_iter().collect();
    app.store.replace_calendar_years(&years, "测试通知", None).await.unwrap();
    let mark = app.store.stale_deadlines().await.unwrap().expect("the import marks the deadlines stale");
    assert!(app.state.refresh_calendar().await.unwrap());
    let n = xinfang_app::calendar::recompute_deadlines(&app.store, &app.state.rules, &mut |_| {}).await.unwrap();
    assert!(n >= 1);
    assert_eq!(app.store.stale_deadlines().await.unwrap(), None, "the recompute takes the mark away");
    // A recompute that began before a later import leaves that import's mark.
    app.store.replace_calendar_years(&years, "测试通知", None).await.unwrap();
    app.store.deadlines_recomputed(&mark).await.unwrap();
    assert!(app.store.stale_deadlines().await.unwrap().is_some_and(|m| m != mark));

    let (_, p) = app.get(Some(&handler), &format!("/api/v1/petitions/{id}")).await;
    let handle = p["deadlines"].as_array().unwrap().iter().find(|d| d["clock"] == "handle").unwrap().clone();
    assert_eq!(handle["due"], "2027-01-26");
    assert_eq!(handle["provisional"], false);
    // The stored deadline moved too (it drives the list and the overdue filter).
    let (_, list) = app.get(Some(&handler), "/api/v1/petitions?status=accepted").await;
    assert_eq!(list["items"][0]["next_due"], "2027-01-26");
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0, "the recompute kept the workbench's counts");

    // A case that moved after the recompute read it keeps what its own step
    // stored: the recompute's write for the old version is skipped.
    let row = app.store.petition(xinfang_store::PetitionId(id)).await.unwrap().unwrap();
    let stale = xinfang_store::DeadlineUpdate { id, version: row.version - 1, next_due: None, deadlines: Vec::new() };
    assert_eq!(app.store.update_deadlines(vec![stale]).await.unwrap(), 0);
    let (_, p) = app.get(Some(&handler), &format!("/api/v1/petitions/{id}")).await;
    assert!(p["deadlines"].as_array().unwrap().iter().any(|d| d["clock"] == "handle" && d["due"] == "2027-01-26"));
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0);
    app.finish().await;
}

/// Who may record each step (issue 25 ¶5). Every step is tried first by
/// each kind of user that may not record it — refused, the case unchanged
/// — then recorded by one who may: the unit that has the case or a unit
/// above it; but an objection only by the unit that received the transfer
/// (Art. 23 ¶3), not the one that sent it; an extension asked for at the
/// unit that handles the case and approved by a leader of that unit, not
/// of the unit above (Art. 34). The page offers the same buttons.
pub async fn who_may_record_each_step(b: Backend) {
    use crate::support::Pages;
    const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
    const HIDDEN: StatusCode = StatusCode::NOT_FOUND;
    let app = TestApp::start(b).await;
    let mut tokens = std::collections::HashMap::new();
    for u in ["handler", "leader", "supervisor", "t1", "t1lead", "v1", "t2v1"] {
        tokens.insert(u, app.login(u).await);
    }
    let tok = |u: &str| tokens[u].clone();
    let step = |id: i64, body: Value, refused: Vec<(&'static str, StatusCode)>, by: &'static str| {
        let app = &app;
        let tok = &tok;
        async move {
            let before = app.get(Some(&tok("handler")), &format!("/api/v1/petitions/{id}")).await.1;
            for (user, status) in refused {
                let (s, e) = app.post(Some(&tok(user)), &format!("/api/v1/petitions/{id}/events"), body.clone()).await;
                assert_eq!(s, status, "{user} recording {body}: {e}");
            }
            let after = app.get(Some(&tok("handler")), &format!("/api/v1/petitions/{id}")).await.1;
            assert_eq!(before, after, "a refused {body} changed the case");
            app.event(&tok(by), id, body, StatusCode::CREATED).await
        }
    };
    let transferred = || async {
        let id = app.register(&tok("handler"), petition("C", "2026-03-02", json!({}))).await["id"].as_i64().unwrap();
        app.event(&tok("handler"), id, json!({"type":"transfer","on":"2026-03-02","to":"T1"}), StatusCode::CREATED)
            .await;
        id
    };

    // Art. 23 ¶3: the objection is the receiving unit's (T1), not the sender's (C).
    let a = transferred().await;
    let mut pages = Pages::new(&app);
    pages.login("handler").await;
    let (_, html, _) = pages.get(&format!("/petitions/{a}")).await;
    assert!(!html.contains("id=\"act-objection\""), "the sending unit is not offered the objection");
    let mut receiver = Pages::new(&app);
    receiver.login("t1").await;
    let (_, html, _) = receiver.get(&format!("/petitions/{a}")).await;
    assert!(html.contains("id=\"act-objection\""), "the receiving unit is");
    let objection = json!({"type":"objection","on":"2026-03-03","reason":"不属本单位职责"});
    let refused = vec![
        ("handler", FORBIDDEN),
        ("leader", FORBIDDEN),
        ("supervisor", FORBIDDEN),
        ("v1", HIDDEN),
        ("t2v1", HIDDEN),
    ];
    let e = app.post(Some(&tok("handler")), &format!("/api/v1/petitions/{a}/events"), objection.clone()).await.1;
    assert!(e["error"]["message"].as_str().unwrap().contains("第二十三条第三款"), "{e}");
    let p = step(a, objection, refused, "t1").await;
    assert_eq!(p["unit"]["code"], "C");

    // The handling steps: the unit that has the case (T1) or one above it (C).
    let b = transferred().await;
    let below_or_aside = vec![("supervisor", FORBIDDEN), ("v1", HIDDEN), ("t2v1", HIDDEN)];
    step(b, json!({"type":"accept","on":"2026-03-03"}), below_or_aside.clone(), "handler").await;
    // Art. 34: asked for at T1, approved by T1's leader only.
    let ask = json!({"type":"extend_request","on":"2026-03-04","days":30,"reason":"涉及多个部门"});
    let mut refused = below_or_aside.clone();
    refused.extend([("handler", FORBIDDEN), ("leader", FORBIDDEN)]);
    step(b, ask, refused, "t1").await;
    let (_, html, _) = receiver.get(&format!("/petitions/{b}")).await;
    assert!(!html.contains("id=\"act-extend\""), "a handler is not offered the approval");
    let mut lead = Pages::new(&app);
    lead.login("t1lead").await;
    let (_, html, _) = lead.get(&format!("/petitions/{b}")).await;
    assert!(html.contains("id=\"act-extend\"") && html.contains("申请延长 30 日"), "the leader is, with the request");
    let mut refused = below_or_aside.clone();
    refused.extend([("t1", FORBIDDEN), ("handler", FORBIDDEN), ("leader", FORBIDDEN)]);
    let p = step(b, json!({"type":"extend","on":"2026-03-05"}), refused, "t1lead").await;
    let handle = p["deadlines"].as_array().unwrap().iter().find(|d| d["clock"] == "handle").unwrap();
    assert!(handle["explanation"].as_str().unwrap().contains("经批准延长 30 日"), "{handle}");
    step(b, json!({"type":"hearing_start","on":"2026-03-06"}), below_or_aside.clone(), "t1").await;
    step(b, json!({"type":"hearing_end","on":"2026-03-07"}), below_or_aside.clone(), "handler").await;
    let opinion = json!({"type":"opinion","on":"2026-03-10","decision":"support","basis":"已协调补发"});
    step(b, opinion, below_or_aside.clone(), "t1").await;
    step(b, json!({"type":"serve","on":"2026-03-11"}), below_or_aside.clone(), "t1").await;
    step(b, json!({"type":"evaluate","on":"2026-03-12","value":"dissatisfied"}), below_or_aside.clone(), "t1").await;
    // A review goes to the body above T1 (C): from then on T1 may not act.
    let p = step(b, json!({"type":"review_request","on":"2026-03-13"}), below_or_aside.clone(), "t1").await;
    assert_eq!(p["unit"]["code"], "C");
    let review = json!({"type":"review_opinion","on":"2026-03-20","decision":"support","basis":"维持"});
    let mut refused = below_or_aside.clone();
    refused.push(("t1", FORBIDDEN));
    step(b, review, refused.clone(), "leader").await;
    step(b, json!({"type":"close","on":"2026-03-21"}), refused, "handler").await;

    // A decline and a transfer onward: the unit that has it, or above.
    let c = transferred().await;
    let decline = json!({"type":"decline","on":"2026-03-03","route":"litigation","reason":"应通过诉讼解决"});
    step(c, decline, below_or_aside.clone(), "t1").await;
    let d = transferred().await;
    let assign = json!({"type":"assign","on":"2026-03-03","to":"T1-V1","due":"2026-03-20"});
    step(d, assign, below_or_aside, "t1").await;
    app.finish().await;
}
