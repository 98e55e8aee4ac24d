//! Turns on the PostgreSQL variants of the integration tests when
//! `XINFANG_TEST_PG_URL` is set at build time, the browser tests when
//! `XINFANG_TEST_BROWSER=1` and the LibreOffice round when
//! `XINFANG_TEST_OFFICE=1`; without them those tests are reported as
//! ignored, never as passed.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(xinfang_pg)");
    println!("cargo::rustc-check-cfg=cfg(xinfang_browser)");
    println!("cargo::rustc-check-cfg=cfg(xinfang_office)");
    println!("cargo::rerun-if-env-changed=XINFANG_TEST_OFFICE");
    println!("cargo::rerun-if-env-changed=XINFANG_TEST_PG_URL");
    println!("cargo::rerun-if-env-changed=XINFANG_TEST_BROWSER");
    // The browser tests drive Debian's Chromium through chromedriver.
    if std::env::var("XINFANG_TEST_BROWSER").is_ok_and(|v| !v.is_empty() && v != "0") {
        println!("cargo::rustc-cfg=xinfang_browser");
    }
    // The notices are converted by Debian's LibreOffice and read by pdftotext.
    if std::env::var("XINFANG_TEST_OFFICE").is_ok_and(|v| !v.is_empty() && v != "0") {
        println!("cargo::rustc-cfg=xinfang_office");
    }
    if std::env::var("XINFANG_TEST_PG_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=xinfang_pg");
    }
}
