//! The group-commit writer: each command answered alone, a refused step
//! leaves nothing of itself, and a bulk load's set-aside indexes come back.

use crate::support::{Backend, TestApp, petition};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;
use xinfang_store::{PetitionId, UnitId};

/// An acceptance (受理) of the case `row` on 2026-03-03, written straight to
/// the store, with `note`; the case's state is left as it was.
fn accept_step(row: &xinfang_store::PetitionRow, note: &str) -> xinfang_store::AppendEvent {
    xinfang_store::AppendEvent {
        petition_id: row.id,
        expected_version: row.version,
        status: row.status.as_str().into(),
        unit_id: row.unit.id,
        state: row.state.clone(),
        next_due: row.next_due,
        deadlines: Vec::new(),
        event: xinfang_store::EventRecord {
            kind: "accept".into(),
            on: chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            body: format!("{{\"type\":\"accept\",\"on\":\"2026-03-03\",\"note\":\"{note}\"}}"),
            actor_id: None,
        },
        add_unit_ids: Vec::new(),
        handler_id: None,
        notice: None,
    }
}

pub async fn group_commit_answers_each_command_alone(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(app.register(&t, petition("C", "2026-03-02", json!({}))).await["id"].as_i64().unwrap());
    }
    // Twenty appends at once: ten carry a stale version and must fail alone,
    // ten are good and must all be stored, whatever batches they share.
    let mut handles = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        for stale in [false, true] {
            let store = app.store.clone();
            let id = *id;
            handles.push(tokio::spawn(async move {
                let row = store.petition(PetitionId(id)).await.unwrap().unwrap();
                let mut append = accept_step(&row, &i.to_string());
                if stale {
                    append.expected_version += 7;
                }
                (stale, store.append_event(append).await)
            }));
        }
    }
    for h in handles {
        let (stale, r) = h.await.unwrap();
        match (stale, r) {
            (true, Err(xinfang_store::StoreError::Conflict(_))) | (false, Ok(())) => {}
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    for id in ids {
        assert_eq!(app.store.events(PetitionId(id)).await.unwrap().len(), 2);
    }
    assert!(app.store.verify_audit().await.unwrap().is_ok());
    app.finish().await;
}

/// A registration record made as the service makes one, for writing
/// straight to the store.
async fn record(app: &TestApp, subject: &str) -> xinfang_store::NewPetitionRecord {
    use xinfang_domain::petition::{NewPetition, PetitionInput};
    let st = &app.state;
    let input: PetitionInput =
        serde_json::from_value(petition("C", "2026-03-03", json!({ "subject": subject }))).unwrap();
    let np = NewPetition::parse(&input, chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(), &st.rules).unwrap();
    let unit = app.store.unit_by_code("C").await.unwrap().unwrap();
    let cal = st.calendar();
    let (mut rec, state) = xinfang_app::petitions::prepare(st, &np, &unit, None, None, None, &cal).unwrap();
    xinfang_app::petitions::settle_record(st, &mut rec, &state, &cal).unwrap();
    rec
}

/// Registrations that share a batch are written together; one the database
/// refuses (here a query code already taken) fails alone and the others
/// are stored whole, with their audit lines, counts and search rows.
pub async fn group_commit_registers_each_petition_alone(b: Backend) {
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    let first = app.register(&t, petition("C", "2026-03-02", json!({}))).await;
    let taken = app.store.petition(PetitionId(first["id"].as_i64().unwrap())).await.unwrap().unwrap().query_code;
    let mut handles = Vec::new();
    for i in 0..24 {
        let mut rec = record(&app, &format!("批量登记第{i}件 拖欠工资")).await;
        let bad = i % 8 == 3;
        if bad {
            rec.query_code = taken.clone();
        }
        let store = app.store.clone();
        handles.push(tokio::spawn(async move { (i, bad, store.insert_petitions(vec![rec]).await) }));
    }
    let mut stored = Vec::new();
    for h in handles {
        match h.await.unwrap() {
            (_, true, Err(xinfang_store::StoreError::Conflict(_))) => {}
            (i, false, Ok(ids)) => stored.push((i, ids[0].id)),
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(stored.len(), 21);
    let mut numbers = BTreeSet::new();
    for (i, id) in &stored {
        let row = app.store.petition(*id).await.unwrap().unwrap();
        assert_eq!(row.subject, format!("批量登记第{i}件 拖欠工资"));
        numbers.insert(row.case_no);
        assert_eq!(app.store.events(*id).await.unwrap().len(), 1);
        assert_eq!(app.store.petitioners(*id).await.unwrap().len(), 1);
    }
    // A refused registration used up no case number.
    assert_eq!(numbers, (2..=22).map(|n| format!("XF2026-{n:06}")).collect::<BTreeSet<_>>());
    let (s, v) = app.get(Some(&t), "/api/v1/search?q=%E6%89%B9%E9%87%8F%E7%99%BB%E8%AE%B0&limit=50").await; // 批量登记
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 21, "{v}");
    let (_, v) = app.get(Some(&t), "/api/v1/stats/monthly?year=2026").await;
    assert_eq!(v["totals"]["all"], 22, "{v}");
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0);
    assert!(app.store.verify_audit().await.unwrap().is_ok());
    let lines = app.store.audit_rows(0, 1000).await.unwrap();
    assert_eq!(lines.iter().filter(|l| l.action == "petition.register").count(), 22);
    app.finish().await;
}

/// While another connection holds the write lock, commands queue up and
/// the writer then takes them as one batch, in order. A step the database
/// refuses half-way (it names a unit that does not exist, after the case
/// was updated and its event written) leaves nothing of itself, and the
/// registration after it in the same batch is stored whole.
pub async fn a_refused_step_leaves_nothing_of_itself(b: Backend) {
    use sqlx::Connection;
    let app = TestApp::start(b).await;
    let t = app.login("handler").await;
    let id = app.register(&t, petition("C", "2026-03-02", json!({}))).await["id"].as_i64().unwrap();
    let row = app.store.petition(PetitionId(id)).await.unwrap().unwrap();
    let mut step = accept_step(&row, "");
    step.add_unit_ids = vec![UnitId(row.unit.id.0 + 100_000)];
    // The write lock as the store takes it, held by another connection.
    enum Lock {
        Sqlite(sqlx::SqliteConnection),
        Postgres(sqlx::PgConnection),
    }
    let mut lock = match app.store.backend_name() {
        "sqlite" => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", app.db_path().unwrap())).await.unwrap();
            sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut c).await.unwrap();
            Lock::Sqlite(c)
        }
        _ => {
            let mut c = sqlx::PgConnection::connect(&app.db_url).await.unwrap();
            sqlx::raw_sql("BEGIN; SELECT pg_advisory_xact_lock(7720230501)").execute(&mut c).await.unwrap();
            Lock::Postgres(c)
        }
    };
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(150));
    let (store, rec) = (app.store.clone(), record(&app, "先到的登记").await);
    let waiting = tokio::spawn(async move { store.insert_petitions(vec![rec]).await });
    pause().await; // the writer's first batch now waits for the lock
    let store = app.store.clone();
    let refused = tokio::spawn(async move { store.append_event(step).await });
    pause().await;
    let (store, rec) = (app.store.clone(), record(&app, "同一批次中随后的登记").await);
    let after = tokio::spawn(async move { store.insert_petitions(vec![rec]).await });
    pause().await;
    // Were the lock's statement ever to differ from the store's, nothing
    // would wait and the batch would not be the one this test means.
    assert!(
        !(waiting.is_finished() || refused.is_finished() || after.is_finished()),
        "the writer did not wait for the lock held by the other connection"
    );
    match &mut lock {
        Lock::Sqlite(c) => drop(sqlx::raw_sql("COMMIT").execute(c).await.unwrap()),
        Lock::Postgres(c) => drop(sqlx::raw_sql("COMMIT").execute(c).await.unwrap()),
    }
    waiting.await.unwrap().unwrap();
    assert!(refused.await.unwrap().is_err(), "a step naming no unit was stored");
    let after = after.await.unwrap().expect("the registration after the refused step");
    let case = app.store.petition(PetitionId(id)).await.unwrap().unwrap();
    assert_eq!(
        (case.version, case.status.as_str()),
        (row.version, row.status.as_str()),
        "the refused step moved the case"
    );
    assert_eq!(app.store.events(PetitionId(id)).await.unwrap().len(), 1, "the refused step left its event");
    let stored = app.store.petition(after[0].id).await.unwrap().unwrap();
    assert_eq!(stored.subject, "同一批次中随后的登记");
    assert_eq!(app.store.events(after[0].id).await.unwrap().len(), 1);
    assert_eq!(app.store.due_count_drift().await.unwrap(), 0);
    assert!(app.store.verify_audit().await.unwrap().is_ok());
    app.finish().await;
}

/// A bulk load sets aside the ledger's secondary indexes (and, on
/// PostgreSQL, its foreign keys) and restores them after it. A load that
/// never finished (the process killed in the middle) leaves nothing broken:
/// the next opening of the database restores them, with the rows written
/// meanwhile, before any migration runs.
pub async fn indexes_dropped_for_a_load_come_back(b: Backend) {
    let app = TestApp::start(b).await;
    let before = app.store.load_set_aside().await.unwrap();
    let names: Vec<&str> = before.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "index:petitioners_phone",
        "index:petitioners_id",
        "index:petitioners_name",
        "index:deadlines_office_due",
        "index:petitions_status",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    assert!(
        !names.iter().any(|n| n.contains("pkey") || n.contains("sqlite_autoindex")),
        "primary keys and unique constraints stay: {names:?}"
    );
    let pg = matches!(b, Backend::Postgres);
    let fks = ["constraint:events_petition_id_fkey", "constraint:petitions_unit_id_fkey"];
    assert!(fks.iter().all(|fk| names.contains(fk) == pg), "foreign keys are set aside on PostgreSQL only: {names:?}");
    assert_eq!(app.store.set_aside_for_load().await.unwrap(), before.len());
    assert!(app.store.load_set_aside().await.unwrap().is_empty());

    // Written while they are away; then the process "dies".
    let intake = app.login("intake").await;
    let phone = json!({"petitioners": [{"name": "王五", "address": "测试县", "phone": "13700001111"}]});
    let id = app.register(&intake, petition("C", "2026-03-02", phone)).await["id"].as_i64().unwrap();

    // The next start: opening the database restores them as they were.
    let reopened = xinfang_store::Store::open(&app.db_url).await.unwrap();
    assert_eq!(reopened.load_set_aside().await.unwrap(), before);
    assert_eq!(reopened.restore_after_load().await.unwrap(), 0, "nothing is left to restore");
    assert_eq!(reopened.integrity_check().await.unwrap(), "ok");
    reopened.close().await;
    // The rebuilt index holds the row written without it.
    let (s, v) = app.get(Some(&intake), "/api/v1/search?q=13700001111").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ids: Vec<i64> = v["items"].as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [id], "{v}");
    // And the foreign keys hold again: an event of no petition is refused.
    let orphan = "INSERT INTO events (petition_id, seq, type, on_date, body, recorded_at) \
                  VALUES (999999, 1, 'note', '2026-03-02', '{}', '2026-03-02T08:00:00Z')";
    assert!(app.try_raw_sql(orphan).await.is_err(), "an event of no petition was stored");
    app.finish().await;
}
