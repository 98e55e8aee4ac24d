//! The petitioner portal's API: online submission and the petitioner's own
//! steps, and a look-up that leaks no personal data.

use crate::support::{Backend, TestApp, petition};
use reqwest::StatusCode;
use serde_json::json;

pub async fn public_submission_and_petitioner_steps(b: Backend) {
    let app = TestApp::start(b).await;
    let body = json!({
        "channel":"online","received_on": crate::support::today(),"unit":"T1","class":"appeal",
        "petitioners":[{"name":"赵六","address":"二号镇","phone":"13912345678"}],
        "request":"请求修复村道","facts":"村道塌陷"
    });
    let (s, v) = app.post(None, "/api/v1/public/petitions", body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let code = v["query_code"].as_str().unwrap().to_string();
    assert!(v["case_no"].as_str().unwrap().starts_with("XF"));
    assert!(!v.to_string().contains("13912345678") && !v.to_string().contains("赵六"));
    // A visit cannot be "submitted online"; nor a collective one; a phone is needed to look it up.
    let mut bad = body.clone();
    bad["channel"] = json!("visit");
    assert_eq!(app.post(None, "/api/v1/public/petitions", bad).await.0, StatusCode::BAD_REQUEST);
    let mut bad = body.clone();
    bad["petitioners"] = json!([{"name":"赵六"}]);
    assert_eq!(app.post(None, "/api/v1/public/petitions", bad).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    // Before a reply nothing can be evaluated; staff cannot be impersonated.
    let ev = format!("/api/v1/public/petitions/{code}/events");
    let (s, e) = app
        .post(
            None,
            &ev,
            json!({"phone_last4":"5678","type":"evaluate","on":crate::support::today(),"value":"satisfied"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, _) = app.post(None, &ev, json!({"phone_last4":"5678","type":"accept","on":crate::support::today()})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post(
            None,
            &ev,
            json!({"phone_last4":"0000","type":"evaluate","on":crate::support::today(),"value":"satisfied"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let t = app.login("t1").await;
    let (_, list) = app.get(Some(&t), "/api/v1/petitions?channel=online").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let today = crate::support::today();
    for e in [
        json!({"type":"accept","on":today}),
        json!({"type":"opinion","on":today,"decision":"explain","basis":"已列入明年计划"}),
        json!({"type":"serve","on":today}),
    ] {
        app.event(&t, id, e, StatusCode::CREATED).await;
    }
    let (s, v) =
        app.post(None, &ev, json!({"phone_last4":"5678","type":"evaluate","on":today,"value":"dissatisfied"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["evaluations"][0]["value"], "dissatisfied");
    let (s, v) =
        app.post(None, &ev, json!({"phone_last4":"5678","type":"review_request","on":today,"note":"不服"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "review_requested");
    assert_eq!(v["handling_unit"], "测试县信访局", "the next higher body reviews");
    app.finish().await;
}

pub async fn public_lookup_leaks_no_personal_data(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let other = app
        .register(&handler, petition("C", "2026-03-01", json!({"petitioners":[{"name":"李四","phone":"13911112222"}]})))
        .await;
    let p = app.register(&handler, petition("C", "2026-03-02", json!({}))).await;
    let id = p["id"].as_i64().unwrap();
    let code = p["query_code"].as_str().unwrap().to_string();
    app.event(&handler, id, json!({"type":"accept","on":"2026-03-03"}), StatusCode::CREATED).await;
    app.event(
        &handler,
        id,
        json!({"type":"opinion","on":"2026-03-20","decision":"support","basis":"责成公司十日内补发工资"}),
        StatusCode::CREATED,
    )
    .await;

    // Before service the opinion is not public.
    let (s, v) = app.get(None, &format!("/api/v1/public/petitions/{code}?phone_last4=8000")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["replies"].as_array().unwrap().is_empty());
    app.event(&handler, id, json!({"type":"serve","on":"2026-03-21"}), StatusCode::CREATED).await;

    let typed = format!("{}-{}", &code[..6], &code[6..]).to_lowercase();
    let (s, v) = app.get(None, &format!("/api/v1/public/petitions/{typed}?phone_last4=8000")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["case_no"], p["case_no"]);
    assert_eq!(v["status"], "served");
    assert_eq!(v["replies"][0]["decision"], "support");
    assert_eq!(v["replies"][0]["basis"], "责成公司十日内补发工资");
    assert!(v["deadlines"].as_array().unwrap().iter().any(|d| d["clock"] == "review_request"));
    let text = v.to_string();
    for secret in [
        "13800138000",
        "138****8000",
        "11010519491231002X",
        "110***",
        "张三",
        "一号村3组",
        "李四",
        "13911112222",
        "query_code",
        "测试handler",
    ] {
        assert!(!text.contains(secret), "public view leaks {secret}: {text}");
    }

    // A wrong suffix, a wrong code, a missing suffix and another person's code: one and the same 404.
    let wrong_suffix = app.get(None, &format!("/api/v1/public/petitions/{code}?phone_last4=2222")).await;
    let wrong_code = app.get(None, "/api/v1/public/petitions/ZZZZZZZZZZZZ?phone_last4=8000").await;
    let missing = app.get(None, &format!("/api/v1/public/petitions/{code}")).await;
    let others = app
        .get(None, &format!("/api/v1/public/petitions/{}?phone_last4=8000", other["query_code"].as_str().unwrap()))
        .await;
    for r in [&wrong_suffix, &wrong_code, &missing, &others] {
        assert_eq!(r.0, StatusCode::NOT_FOUND);
        assert_eq!(r.1, wrong_suffix.1);
    }
    app.finish().await;
}

/// What a petitioner submits is dated by the server (China Standard Time):
/// a review request cannot be back-dated into Art. 35's 30 days, and an
/// online submission cannot start in an old year, already overdue.
pub async fn art35_a_petitioner_cannot_choose_the_date(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let p = app.register(&handler, petition("C", "2026-03-02", json!({}))).await;
    let (id, code) = (p["id"].as_i64().unwrap(), p["query_code"].as_str().unwrap().to_string());
    for e in [
        json!({"type":"accept","on":"2026-03-03"}),
        json!({"type":"opinion","on":"2026-03-20","decision":"explain","basis":"已答复"}),
        json!({"type":"serve","on":"2026-03-21"}),
    ] {
        app.event(&handler, id, e, StatusCode::CREATED).await;
    }
    // Served on 21 March; a request "made" on 1 April is made today, long past 30 days.
    let ev = format!("/api/v1/public/petitions/{code}/events");
    let (s, e) = app.post(None, &ev, json!({"phone_last4":"8000","type":"review_request","on":"2026-04-01"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("三十五"), "{e}");
    assert_eq!(app.get(Some(&handler), &format!("/api/v1/petitions/{id}")).await.1["status"], "served");
    // An evaluation is dated today, whatever the body says.
    let (s, v) = app
        .post(None, &ev, json!({"phone_last4":"8000","type":"evaluate","on":"2026-03-22","value":"satisfied"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["evaluations"][0]["on"], crate::support::today());

    let old = json!({
        "channel":"online","received_on":"2020-01-02","unit":"T1","class":"appeal",
        "petitioners":[{"name":"赵六","phone":"13912345678"}],"request":"请求修复村道","facts":"村道塌陷"
    });
    let (s, v) = app.post(None, "/api/v1/public/petitions", old).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["received_on"], crate::support::today(), "{v}");
    app.finish().await;
}

/// Free text with no login behind it is bounded and cleaned as everywhere
/// else: a 200,005-character comment is refused and stores nothing, NUL and
/// U+202E are removed, and the portal's form refuses bytes that are not
/// UTF-8 as the API refuses such JSON.
pub async fn petitioner_text_is_bounded_and_cleaned(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let today = crate::support::today();
    let p = app.register(&handler, petition("C", &today, json!({}))).await;
    let (id, code) = (p["id"].as_i64().unwrap(), p["query_code"].as_str().unwrap().to_string());
    for e in [
        json!({"type":"accept","on":today}),
        json!({"type":"opinion","on":today,"decision":"explain","basis":"已答复"}),
        json!({"type":"serve","on":today,"method":"x".repeat(200_005)}),
    ] {
        let expect = if e["type"] == "serve" { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::CREATED };
        app.event(&handler, id, e, expect).await;
    }
    app.event(&handler, id, json!({"type":"serve","on":today,"method":"直接\u{0}送达\u{202E}"}), StatusCode::CREATED)
        .await;
    let ev = format!("/api/v1/public/petitions/{code}/events");
    let long = json!({"phone_last4":"8000","type":"evaluate","value":"satisfied","comment":"x".repeat(200_005)});
    let (s, e) = app.post(None, &ev, long).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["fields"][0]["field"], "comment");
    let (s, _) =
        app.post(None, &ev, json!({"phone_last4":"8000","type":"review_request","note":"不服\u{0}\u{202E}"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, v) = app.get(Some(&handler), &format!("/api/v1/petitions/{id}")).await;
    let text = v["events"].to_string();
    assert!(text.contains("直接送达") && text.contains("不服"), "{text}");
    assert!(!text.contains('\u{202E}') && !text.contains("\\u0000"), "{text}");
    assert!(v["evaluations"].is_null() || !text.contains("xxxx"));

    let before = app.scalar_i64("SELECT COUNT(*) FROM petitions").await;
    let res = app
        .client
        .post(format!("{}/portal/submit", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(&b"unit=T1&class=appeal&name=%FF%FE&phone=13912345678&request=%E8%AF%B7%E6"[..])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("UTF-8"));
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM petitions").await, before);
    app.finish().await;
}

/// The look-up keeps the query code and the phone digits out of addresses,
/// the history and logs (issue 24 ¶12): by POST in the API and on the
/// pages, where a signed pass then carries them; a submission redirects to
/// its receipt, which a reload shows again without registering anything.
pub async fn the_look_up_keeps_the_code_out_of_addresses(b: Backend) {
    use crate::support::{Pages, field};
    let app = TestApp::start(b).await;
    let mut p = Pages::new(&app);
    let (_, html, _) = p.get("/portal/submit").await;
    let csrf = field(&html, "csrf");
    // The portal names the office it is of, and offers the bodies a citizen
    // addresses, grouped; villages are reached through their township.
    assert!(html.contains("portal-office\">测试县信访局"), "the office in the header");
    assert!(html.contains("<optgroup label=\"乡镇（街道）\">") && html.contains("value=\"T1\""));
    assert!(!html.contains("value=\"T1-V1\""), "no village in the list");
    let before = app.scalar_i64("SELECT COUNT(*) FROM petitions").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "赵六"),
        ("address", "二号镇"),
        ("phone", "139 1234 5678"),
        ("unit", "T1"),
        ("class", "appeal"),
        ("request", "请求修复村道"),
        ("facts", "村道塌陷"),
    ];
    let (s, _, loc) = p.post("/portal/submit", &form).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/portal/receipt")), "post/redirect/get");
    let (s, first, _) = p.get("/portal/receipt").await;
    assert_eq!(s, StatusCode::OK);
    assert!(first.contains("信访事项已提交") && !first.contains("受理回执"), "submitted, not accepted: {first}");
    let (_, again, _) = p.get("/portal/receipt").await;
    let code_of = |html: &str| html.split("id=\"query-code\">").nth(1).unwrap()[..12].to_string();
    let code = code_of(&first);
    assert_eq!(code_of(&again), code, "a reload shows the same receipt");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM petitions").await, before + 1, "and registers nothing");

    // The API: the same answer by POST as by GET, the same 404 when wrong.
    let (s, v) =
        app.post(None, "/api/v1/public/petitions/lookup", json!({"query_code": code, "phone_last4": "5678"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, by_get) = app.get(None, &format!("/api/v1/public/petitions/{code}?phone_last4=5678")).await;
    assert_eq!(v, by_get);
    let (s, e) =
        app.post(None, "/api/v1/public/petitions/lookup", json!({"query_code": code, "phone_last4": "0000"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");

    // The page: the code and digits go by POST, then nowhere in an address.
    let mut q = Pages::new(&app);
    let (s, html, _) = q.post("/portal/lookup", &[("code", &code), ("phone_last4", "0000")]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("未找到与查询码和电话后四位相符的信访事项"));
    assert!(q.cookies.iter().all(|(k, _)| k != "xf_pass"), "no pass for a wrong suffix");
    let res = q
        .http
        .post(format!("{}/portal/lookup", app.base))
        .form(&[("code", code.as_str()), ("phone_last4", "5678")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/portal/case");
    let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set.starts_with("xf_pass=") && set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    assert!(!set.contains("Max-Age") && !set.contains("Expires"), "gone when the browser closes: {set}");
    q.keep(&res);
    let (s, html, _) = q.get("/portal/case").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("办理进展") && html.contains("退出查询"), "{html}");

    // A pass cannot be made up or moved to another case.
    let mut forged = Pages::new(&app);
    let real = q.cookies.iter().find(|(k, _)| k == "xf_pass").unwrap().1.clone();
    forged.cookies.push(("xf_pass".into(), real.replacen(&code[..1], if &code[..1] == "A" { "B" } else { "A" }, 1)));
    let (s, html, _) = forged.get("/portal/case").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("查询已结束") && !html.contains("办理进展 ·"), "{html}");

    // The petitioner's step goes back to the case, its code in no address.
    let (_, html, _) = q.get("/portal/case").await;
    assert!(!html.contains("name=\"code\""), "the code is not in the page's forms either");
    let t = app.login("t1").await;
    let (_, list) = app.get(Some(&t), "/api/v1/petitions?channel=online").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let today = crate::support::today();
    for e in [
        json!({"type":"accept","on":today}),
        json!({"type":"opinion","on":today,"decision":"explain","basis":"已列入明年计划"}),
        json!({"type":"serve","on":today}),
    ] {
        app.event(&t, id, e, StatusCode::CREATED).await;
    }
    let (_, html, _) = q.get("/portal/case").await;
    assert!(html.contains("<option value=\"\" selected disabled>请选择</option>"), "no preset evaluation");
    let csrf = field(&html, "csrf");
    let (s, _, loc) = q.post("/portal/events", &[("csrf", &csrf), ("type", "evaluate"), ("value", "satisfied")]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/portal/case?notice=evaluate")));
    let (_, html, _) = q.get("/portal/case?notice=evaluate").await;
    assert!(html.contains("评价已提交"), "{html}");

    // 退出查询 ends the pass; the old address with the code in it leads to the form.
    let (s, _, loc) = q.post("/portal/end", &[]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/portal")));
    let (_, html, _) = q.get("/portal/case").await;
    assert!(html.contains("查询已结束"), "{html}");
    let (s, _, loc) = q.get(&format!("/portal/lookup?code={code}&phone_last4=5678")).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/portal")));
    app.finish().await;
}

/// An `Idempotency-Key` on the portal's submission (issue 25 ¶11): the same
/// key with the same request gets the first answer and registers nothing
/// new, even when the repeats arrive together; another request under the
/// key is refused; a refused request frees its key.
pub async fn a_submission_sent_twice_is_registered_once(b: Backend) {
    let app = TestApp::start(b).await;
    let body = json!({
        "channel":"online","received_on": crate::support::today(),"unit":"T1","class":"appeal",
        "petitioners":[{"name":"赵六","address":"二号镇","phone":"13912345678"}],
        "request":"请求修复村道","facts":"村道塌陷"
    });
    let send = |key: &'static str, body: serde_json::Value| {
        let app = &app;
        async move {
            let res = app
                .client
                .post(format!("{}/api/v1/public/petitions", app.base))
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            let replayed = res.headers().get("idempotent-replayed").is_some();
            (res.status(), replayed, res.json::<serde_json::Value>().await.unwrap())
        }
    };
    let count = || app.scalar_i64("SELECT COUNT(*) FROM petitions");
    let before = count().await;
    let (s, replayed, first) = send("retry-0001", body.clone()).await;
    assert_eq!((s, replayed), (StatusCode::CREATED, false), "{first}");
    let (s, replayed, again) = send("retry-0001", body.clone()).await;
    assert_eq!((s, replayed), (StatusCode::CREATED, true));
    assert_eq!(again, first, "the first answer, as it was");
    assert_eq!(count().await, before + 1, "registered once");

    let mut other = body.clone();
    other["request"] = json!("请求修复另一条村道");
    let (s, _, e) = send("retry-0001", other.clone()).await;
    assert_eq!((s, e["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused")));

    // A refused request frees its key for the corrected one.
    let mut bad = body.clone();
    bad["request"] = json!("");
    assert_eq!(send("retry-0002", bad).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(send("retry-0002", other).await.0, StatusCode::CREATED);
    assert_eq!(count().await, before + 2);

    // Sent five times at once: one registration, every answer the same case or "in progress".
    let mut third = body.clone();
    third["request"] = json!("请求修复第三条村道");
    let (a, b, c, d, e) = tokio::join!(
        send("retry-0003", third.clone()),
        send("retry-0003", third.clone()),
        send("retry-0003", third.clone()),
        send("retry-0003", third.clone()),
        send("retry-0003", third.clone())
    );
    let answers = [a, b, c, d, e];
    assert_eq!(count().await, before + 3, "five sends, one registration");
    let cases: std::collections::BTreeSet<String> = answers
        .iter()
        .filter(|(s, ..)| *s == StatusCode::CREATED)
        .map(|(_, _, v)| v["case_no"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(cases.len(), 1, "{answers:?}");
    assert!(answers.iter().all(|(s, ..)| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{answers:?}");

    for key in ["", "键", &"k".repeat(201)] {
        let res = app
            .client
            .post(format!("{}/api/v1/public/petitions", app.base))
            .header("idempotency-key", key.as_bytes())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{key:?}");
    }
    assert_eq!(count().await, before + 3);
    app.finish().await;
}
