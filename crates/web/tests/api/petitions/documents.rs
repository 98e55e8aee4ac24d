//! The notices as Word files (issue 25 ¶12): each is refused (409) until the
//! case reaches its step, then filled from the case; visibility and the
//! audit log as for every read of personal data. `office` converts each
//! with LibreOffice and reads the PDF back.

use crate::support::{Backend, TestApp, petition};
use reqwest::StatusCode;
use serde_json::json;

/// The text of a .docx: its paragraphs' runs, tags stripped.
pub fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").expect("document.xml"), &mut xml).unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
}

/// A case taken through every step that has a notice: registered at a
/// visit, transferred, accepted, answered, served, reviewed and rechecked;
/// and one declined. Returns (walked id, declined id, case numbers).
pub async fn walked_case(app: &TestApp) -> (i64, i64, String) {
    let (intake, t1) = (app.login("intake").await, app.login("t1").await);
    let (handler, leader) = (app.login("handler").await, app.login("leader").await);
    let p = app.register(&intake, petition("C", "2026-03-02", json!({"channel":"visit"}))).await;
    let (id, case_no) = (p["id"].as_i64().unwrap(), p["case_no"].as_str().unwrap().to_string());
    for (who, body) in [
        (&intake, json!({"type":"transfer","on":"2026-03-03","to":"T1"})),
        (&t1, json!({"type":"accept","on":"2026-03-04"})),
        (&t1, json!({"type":"opinion","on":"2026-03-20","decision":"reject","basis":"经调查，工程款已结清"})),
        (&t1, json!({"type":"serve","on":"2026-03-21","method":"直接送达"})),
        (&t1, json!({"type":"review_request","on":"2026-03-25"})),
        (&leader, json!({"type":"review_opinion","on":"2026-04-10","decision":"reject","basis":"维持原处理意见"})),
        (&handler, json!({"type":"serve","on":"2026-04-11"})),
    ] {
        app.event(who, id, body, StatusCode::CREATED).await;
    }
    let d = app.register(&intake, petition("C", "2026-03-02", json!({}))).await;
    let did = d["id"].as_i64().unwrap();
    app.event(
        &intake,
        did,
        json!({"type":"decline","on":"2026-03-03","route":"arbitration","reason":"属于劳动争议"}),
        StatusCode::CREATED,
    )
    .await;
    (id, did, case_no)
}

pub async fn notices_are_word_files_filled_from_the_case(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let intake = app.login("intake").await;
    let fetch = |token: String, id: i64, file: &'static str| {
        let app = &app;
        async move {
            let res = app
                .client
                .get(format!("{}/api/v1/petitions/{id}/documents/{file}", app.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let status = res.status();
            let ctype = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
            (status, ctype, res.bytes().await.unwrap().to_vec())
        }
    };
    // Before any step: only the walk-in receipt of a visit.
    let fresh = app.register(&intake, petition("C", "2026-03-02", json!({"channel":"visit"}))).await;
    let fid = fresh["id"].as_i64().unwrap();
    for file in [
        "acceptance_notice.docx",
        "non_acceptance_notice.docx",
        "transfer_letter.docx",
        "opinion.docx",
        "review_opinion.docx",
        "recheck_opinion.docx",
        "service_receipt.docx",
    ] {
        let (s, _, body) = fetch(handler.clone(), fid, file).await;
        assert_eq!(s, StatusCode::CONFLICT, "{file}: {}", String::from_utf8_lossy(&body));
        let e: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(e["error"]["code"], "document_not_reached", "{file}");
    }
    let (s, ctype, body) = fetch(handler.clone(), fid, "visit_receipt.docx").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ctype, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    let text = docx_text(&body);
    assert!(text.contains("来访登记回执") && text.contains(fresh["query_code"].as_str().unwrap()), "{text}");
    assert!(text.contains("不代表已受理") && !text.contains("13800138000") && !text.contains("11010519491231002X"));
    assert_eq!(fetch(handler.clone(), fid, "nonsense.docx").await.0, StatusCode::NOT_FOUND);

    let (id, declined, case_no) = walked_case(&app).await;
    let expect: [(&str, &[&str]); 7] = [
        ("acceptance_notice.docx", &["信访事项受理告知书", "一号镇", "2026年3月4日", "60日内办结"]),
        ("transfer_letter.docx", &["信访事项转送函", "一号镇：", "5个工作日内提出异议", "测试县信访局"]),
        ("opinion.docx", &["信访事项处理意见书", "经调查，工程款已结清", "不予支持", "30日内请求测试县信访局复查"]),
        ("review_opinion.docx", &["信访事项复查意见书", "维持原处理意见", "复核"]),
        ("service_receipt.docx", &["送达回证", "信访事项复查意见书", "受送达人签收", "2026年4月11日"]),
        ("visit_receipt.docx", &["来访登记回执", "张三"]),
        ("acceptance_notice.docx", &["张三："]),
    ];
    for (file, words) in expect {
        let (s, _, body) = fetch(handler.clone(), id, file).await;
        assert_eq!(s, StatusCode::OK, "{file}: {}", String::from_utf8_lossy(&body));
        let text = docx_text(&body);
        assert!(text.contains(&case_no), "{file} names the case");
        for w in words {
            assert!(text.contains(w), "{file} says {w}: {text}");
        }
    }
    assert_eq!(fetch(handler.clone(), id, "recheck_opinion.docx").await.0, StatusCode::CONFLICT);
    let (s, _, body) = fetch(handler.clone(), declined, "non_acceptance_notice.docx").await;
    assert_eq!(s, StatusCode::OK);
    let text = docx_text(&body);
    assert!(text.contains("属于劳动争议") && text.contains("仲裁途径") && text.contains("第三十一条"), "{text}");

    // Who may not see the case gets nothing of it; each notice made is audited.
    let t2v1 = app.login("t2v1").await;
    assert_eq!(fetch(t2v1, id, "opinion.docx").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        fetch(app.login("supervisor").await, id, "opinion.docx").await.0,
        StatusCode::OK,
        "reading is not acting"
    );
    let rows = app.store.audit_rows(0, 10_000).await.unwrap();
    assert!(rows.iter().any(|r| r.action == "petition.document.opinion" && r.object == case_no));
    app.finish().await;
}

/// Each notice opens in LibreOffice: converted to PDF, its text is there.
pub async fn notices_open_in_libreoffice(b: Backend) {
    let app = TestApp::start(b).await;
    let handler = app.login("handler").await;
    let (id, declined, case_no) = walked_case(&app).await;
    let dir = std::env::temp_dir().join(format!("xinfang-docx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        (id, "acceptance_notice", "受理告知书"),
        (declined, "non_acceptance_notice", "不予受理告知书"),
        (id, "transfer_letter", "转送函"),
        (id, "opinion", "处理意见书"),
        (id, "review_opinion", "复查意见书"),
        (id, "service_receipt", "送达回证"),
        (id, "visit_receipt", "来访登记回执"),
    ];
    for (pid, kind, _) in files {
        let res = app
            .client
            .get(format!("{}/api/v1/petitions/{pid}/documents/{kind}.docx", app.base))
            .bearer_auth(&handler)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{kind}");
        std::fs::write(dir.join(format!("{kind}.docx")), res.bytes().await.unwrap()).unwrap();
    }
    let profile = format!("-env:UserInstallation=file://{}", dir.join("profile").display());
    let mut args = vec![profile.clone(), "--headless".into(), "--convert-to".into(), "pdf".into(), "--outdir".into()];
    args.push(dir.display().to_string());
    args.extend(files.iter().map(|(_, kind, _)| dir.join(format!("{kind}.docx")).display().to_string()));
    let out = std::process::Command::new("soffice").args(&args).output().expect("soffice (LibreOffice) is installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for (_, kind, title) in files {
        let pdf = dir.join(format!("{kind}.pdf"));
        assert!(pdf.exists(), "{kind}: LibreOffice made no PDF: {}", String::from_utf8_lossy(&out.stdout));
        let text =
            std::process::Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext (poppler-utils)");
        let text = String::from_utf8_lossy(&text.stdout).replace([' ', '\n'], "");
        assert!(text.contains(title), "{kind}: {text}");
        assert!(text.contains("测试县信访局") || text.contains("一号镇"), "{kind} names the issuer: {text}");
        if kind != "non_acceptance_notice" {
            assert!(text.contains(&case_no), "{kind}: {text}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    app.finish().await;
}
