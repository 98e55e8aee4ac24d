//! Attachments (附件) of a record, for every module through one path,
//! tried on a petition (issue 26 ¶1): the kind told from the content, all
//! or nothing, the content kept once, every download checked against the
//! record's visibility (Art. 30 ¶3 for a report) and audited, withdrawal
//! that keeps the file, the limits, and the page's form.

use crate::support::{Backend, Pages, TestApp, petition};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0This program cannot be run in DOS mode.";

/// A multipart/form-data body: the fields, then the files as parts
/// named `file`.
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "xinfang-test-boundary-7d3c";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(app: &TestApp, token: &str, id: i64, files: &[(&str, &[u8])]) -> (StatusCode, Value) {
    let (ct, body) = multipart(&[], files);
    app.post_raw(Some(token), &format!("/api/v1/petitions/{id}/attachments"), &ct, body).await
}

async fn download(app: &TestApp, token: &str, id: i64) -> (StatusCode, Vec<u8>, String) {
    let res = app.client.get(format!("{}/api/v1/attachments/{id}", app.base)).bearer_auth(token).send().await.unwrap();
    let status = res.status();
    let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, res.bytes().await.unwrap().to_vec(), ct)
}

pub async fn attachments_are_sniffed_kept_once_guarded_and_withdrawn(b: Backend) {
    let app = TestApp::start(b).await;
    let (intake, t1, v2) = (app.login("intake").await, app.login("t1").await, app.login("v2").await);
    let id = app.register(&intake, petition("T1", "2026-03-02", json!({}))).await["id"].as_i64().unwrap();

    // Two files at once; the kind comes from the bytes, not the name.
    let (s, v) = upload(&app, &t1, id, &[("来信扫描.jpg", PDF), ("现场照片.png", PNG)]).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0]["name"].as_str(), items[0]["content_type"].as_str()),
        (Some("来信扫描.jpg"), Some("application/pdf"))
    );
    assert_eq!(items[1]["content_type"], "image/png");
    use sha2::Digest;
    assert_eq!(items[0]["sha256"], hex::encode(sha2::Sha256::digest(PDF)));
    assert_eq!(items[0]["size"], PDF.len());
    let (pdf_id, png_id) = (items[0]["id"].as_i64().unwrap(), items[1]["id"].as_i64().unwrap());

    // A program renamed .pdf is refused, and with it the good file sent
    // beside it: nothing of the request is stored.
    let blobs = || app.scalar_i64("SELECT COUNT(*) FROM blobs");
    let rows = || app.scalar_i64("SELECT COUNT(*) FROM attachments");
    let (before_blobs, before_rows) = (blobs().await, rows().await);
    let (s, v) = upload(&app, &t1, id, &[("补充材料.pdf", EXE), ("another.txt", "补充说明".as_bytes())]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"][0]["code"], "file_type_not_allowed", "{v}");
    assert!(v["error"]["fields"][0]["message"].as_str().unwrap().contains("补充材料.pdf"), "{v}");
    let (s, v) = upload(&app, &t1, id, &[]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!((blobs().await, rows().await), (before_blobs, before_rows), "nothing stored");

    // The same content again is a second attachment of the one content.
    let (s, _) = upload(&app, &t1, id, &[("再次上传.pdf", PDF)]).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!((blobs().await, rows().await), (before_blobs, before_rows + 1), "the bytes kept once");

    // Downloads: the bytes as uploaded, audited; 404 where the case is not
    // seen (another township's village), as for the case itself.
    let (s, bytes, ct) = download(&app, &t1, pdf_id).await;
    assert_eq!((s, bytes.as_slice(), ct.as_str()), (StatusCode::OK, PDF, "application/pdf"));
    assert!(app.scalar_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'attachment.download'").await >= 1);
    assert_eq!(download(&app, &v2, pdf_id).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(Some(&v2), &format!("/api/v1/petitions/{id}/attachments")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(download(&app, &t1, 999_999).await.0, StatusCode::NOT_FOUND);
    // Those who only read may read, not attach.
    let supervisor = app.login("supervisor").await;
    assert_eq!(download(&app, &supervisor, png_id).await.0, StatusCode::OK);
    assert_eq!(upload(&app, &supervisor, id, &[("a.pdf", PDF)]).await.0, StatusCode::FORBIDDEN);

    // Withdrawal needs a reason, keeps the file for the audit only.
    let path = format!("/api/v1/attachments/{png_id}/withdraw");
    let (s, v) = app.post(Some(&t1), &path, json!({"reason": "  "})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app.post(Some(&t1), &path, json!({"reason": "误传了其他事项的照片"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["withdrawn"].as_bool(), v["withdrawn_reason"].as_str()), (Some(true), Some("误传了其他事项的照片")));
    assert_eq!(app.post(Some(&t1), &path, json!({"reason": "again"})).await.0, StatusCode::CONFLICT);
    assert_eq!(download(&app, &t1, png_id).await.0, StatusCode::CONFLICT, "withdrawn: not for the clerk");
    let auditor = app.login("auditor").await;
    assert_eq!(download(&app, &auditor, png_id).await.1, PNG, "kept for the audit");
    let (_, list) = app.get(Some(&t1), &format!("/api/v1/petitions/{id}/attachments")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3, "{list}");
    assert_eq!(list["items"][1]["withdrawn"], true);
    // The ledger's export names the files (never their bytes), withdrawn
    // ones left out.
    let res =
        app.client.get(format!("{}/api/v1/petitions/export.csv", app.base)).bearer_auth(&t1).send().await.unwrap();
    let csv = res.text().await.unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",附件"), "{csv}");
    assert!(csv.contains("来信扫描.jpg；再次上传.pdf") && !csv.contains("现场照片.png"), "{csv}");
    assert!(!csv.contains("%PDF"), "no bytes in the export");
    assert!(app.store.verify_audit().await.unwrap().is_ok());
    app.finish().await;
}

/// A report's attachments stay with the report: the unit reported on never
/// gets them (Art. 30 ¶3).
pub async fn art30_a_reports_attachments_never_reach_the_unit_reported_on(b: Backend) {
    let app = TestApp::start(b).await;
    let (intake, v2) = (app.login("intake").await, app.login("v2").await);
    let report = json!({"class":"report","respondent_unit":"T1-V2"});
    let id = app.register(&intake, petition("T1", "2026-03-02", report)).await["id"].as_i64().unwrap();
    let t1 = app.login("t1").await;
    let (s, v) = upload(&app, &t1, id, &[("举报材料.pdf", PDF)]).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let aid = v["items"][0]["id"].as_i64().unwrap();
    assert_eq!(download(&app, &v2, aid).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(Some(&v2), &format!("/api/v1/petitions/{id}/attachments")).await.0, StatusCode::NOT_FOUND);
    app.finish().await;
}

/// The limits: per file, per record, configurable; the body is refused as
/// it arrives (413), nothing stored.
pub async fn attachment_limits_are_kept(b: Backend) {
    let mut options = xinfang_app::state::Options::default();
    options.attachments.staff = xinfang_domain::attachment::Limits { per_file: 1000, per_record: 1500, files: 3 };
    let app = TestApp::builder(b).options(options).start().await;
    let (intake, t1) = (app.login("intake").await, app.login("t1").await);
    let id = app.register(&intake, petition("T1", "2026-03-02", json!({}))).await["id"].as_i64().unwrap();
    let big = vec![b'a'; 1001];
    let (s, v) = upload(&app, &t1, id, &[("big.txt", big.as_slice())]).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("单个文件上限"), "{v}");
    let ok = vec![b'a'; 900];
    assert_eq!(upload(&app, &t1, id, &[("a.txt", ok.as_slice())]).await.0, StatusCode::CREATED);
    let (s, v) = upload(&app, &t1, id, &[("b.txt", ok.as_slice())]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "the record's total: {v}");
    assert_eq!(v["error"]["fields"][0]["code"], "record_too_large");
    assert_eq!(app.scalar_i64("SELECT COUNT(*) FROM attachments").await, 1);
    app.finish().await;
}

/// The petition page: the form takes several files, the list shows an
/// image as a thumbnail, a refused file is named on the page, a withdrawn
/// one is struck through with its reason.
pub async fn attachments_on_the_petition_page(b: Backend) {
    let app = TestApp::start(b).await;
    let intake = app.login("intake").await;
    let id = app.register(&intake, petition("T1", "2026-03-02", json!({}))).await["id"].as_i64().unwrap();
    let mut p = Pages::new(&app);
    let csrf = p.login("t1").await;
    let post = |fields: Vec<(&'static str, String)>, files: Vec<(&'static str, &'static [u8])>| {
        let fields: Vec<(&str, String)> = fields;
        let (ct, body) = multipart(&fields.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(), &files);
        p.http
            .post(format!("{}/petitions/{id}/attachments", app.base))
            .header("cookie", p.cookie_header())
            .header("content-type", ct)
            .body(body)
    };
    let res = post(vec![("csrf", csrf.clone())], vec![("现场.png", PNG), ("来信.pdf", PDF)]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = post(vec![("csrf", "wrong".into())], vec![("x.pdf", PDF)]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "the form's token is checked");
    let res = post(vec![("csrf", csrf.clone())], vec![("病毒.pdf", EXE)]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("病毒.pdf") && html.contains("不是允许的类型"), "{html}");

    let (_, html, _) = p.get(&format!("/petitions/{id}")).await;
    let section = html.split("id=\"attachments\"").nth(1).unwrap().split("<h2").next().unwrap();
    assert!(section.contains("现场.png") && section.contains("来信.pdf"), "{section}");
    assert_eq!(section.matches("<img class=\"thumb\"").count(), 1, "the image as a thumbnail: {section}");
    let aid = section.split("/attachments/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let res =
        p.http.get(format!("{}/attachments/{aid}", app.base)).header("cookie", p.cookie_header()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG, "the thumbnail's bytes");
    let (s, _, loc) =
        p.post(&format!("/attachments/{aid}/withdraw"), &[("csrf", &csrf), ("reason", "照片与本件无关")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html, _) = p.get(loc.as_deref().unwrap()).await;
    assert!(
        html.contains("附件已撤回") && html.contains("照片与本件无关") && html.contains("<s>现场.png</s>"),
        "{html}"
    );
    app.finish().await;
}

/// An online submission carries its files (issue 26 ¶1): they are written
/// in the registration's own transaction, within the portal's tighter
/// limits; a refused file registers nothing and the form comes back with
/// what was typed.
pub async fn a_portal_submission_carries_its_files(b: Backend) {
    use crate::support::field;
    let mut options = xinfang_app::state::Options::default();
    options.attachments.portal = xinfang_domain::attachment::Limits { per_file: 4096, per_record: 8192, files: 3 };
    let app = TestApp::builder(b).options(options).start().await;
    let mut p = Pages::new(&app);
    let petitions = || app.scalar_i64("SELECT COUNT(*) FROM petitions");
    let before = petitions().await;
    let mut send = async |files: &[(&str, &[u8])]| {
        let (_, html, _) = p.get("/portal/submit").await;
        assert!(html.contains("enctype=\"multipart/form-data\"") && html.contains("name=\"file\""));
        let csrf = field(&html, "csrf");
        let fields = [
            ("csrf", csrf.as_str()),
            ("name", "赵六"),
            ("address", "二号镇"),
            ("phone", "139 1234 5678"),
            ("unit", "T1"),
            ("class", "appeal"),
            ("request", "请求修复塌陷的村道"),
            ("facts", "村道塌陷已三个月"),
        ];
        let (ct, body) = multipart(&fields, files);
        let res = p
            .http
            .post(format!("{}/portal/submit", app.base))
            .header("cookie", p.cookie_header())
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        p.keep(&res);
        (res.status(), res.text().await.unwrap())
    };
    let (s, html) = send(&[("现场.png", PNG), ("病毒.pdf", EXE)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("病毒.pdf") && html.contains("请重新选择附件"), "{html}");
    assert!(html.contains("请求修复塌陷的村道") && html.contains("村道塌陷已三个月"), "the form keeps what was typed");
    let big = vec![b'a'; 5000];
    let (s, html) = send(&[("长文.txt", big.as_slice())]).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{html}");
    assert!(html.contains("单个文件上限") && html.contains("请求修复塌陷的村道"), "{html}");
    assert_eq!(petitions().await, before, "nothing registered");

    let (s, _) = send(&[("现场.png", PNG), ("来信.pdf", PDF)]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(petitions().await, before + 1);
    let id = app.scalar_i64("SELECT MAX(id) FROM petitions").await;
    let t1 = app.login("t1").await;
    let (_, list) = app.get(Some(&t1), &format!("/api/v1/petitions/{id}/attachments")).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    assert!(items.iter().all(|a| a["uploaded_by"].is_null()), "sent by the petitioner: {list}");
    assert_eq!(download(&app, &t1, items[1]["id"].as_i64().unwrap()).await.1, PDF);
    app.finish().await;
}

/// The directory store (`--attachment-dir`): the bytes go to the directory,
/// named by their SHA-256, the database keeps the hash and size; a file
/// changed or lost there is named as such, never served.
pub async fn attachments_can_live_in_a_directory(b: Backend) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "xinfang-attachments-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let options = xinfang_app::state::Options { attachment_dir: Some(dir.clone()), ..Default::default() };
    let app = TestApp::builder(b).options(options).start().await;
    let (intake, t1) = (app.login("intake").await, app.login("t1").await);
    let id = app.register(&intake, petition("T1", "2026-03-02", json!({}))).await["id"].as_i64().unwrap();
    let (s, v) = upload(&app, &t1, id, &[("来信.pdf", PDF), ("现场.png", PNG)]).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM blobs WHERE data IS NULL").await,
        2,
        "the bytes are not in the database"
    );
    let sha = v["items"][0]["sha256"].as_str().unwrap().to_string();
    let path = dir.join(&sha[..2]).join(&sha[2..4]).join(&sha);
    assert_eq!(std::fs::read(&path).unwrap(), PDF, "named by its SHA-256 in the directory");
    let aid = v["items"][0]["id"].as_i64().unwrap();
    assert_eq!(download(&app, &t1, aid).await.1, PDF);
    // The same content again is not written twice.
    assert_eq!(upload(&app, &t1, id, &[("again.pdf", PDF)]).await.0, StatusCode::CREATED);
    assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    // A file changed behind the application is refused, and one lost too.
    std::fs::write(&path, b"%PDF-1.4 changed").unwrap();
    let (s, body, _) = download(&app, &t1, aid).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(String::from_utf8_lossy(&body).contains("已被改动"), "{}", String::from_utf8_lossy(&body));
    std::fs::remove_file(&path).unwrap();
    let (_, body, _) = download(&app, &t1, aid).await;
    assert!(String::from_utf8_lossy(&body).contains("找不到"), "{}", String::from_utf8_lossy(&body));
    app.finish().await;
    let _ = std::fs::remove_dir_all(dir);
}
