//! Turns on the PostgreSQL variant of the crash test when
//! `XINFANG_TEST_PG_URL` is set at build time; without it that test is
//! reported as ignored, never as passed.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(xinfang_pg)");
    println!("cargo::rerun-if-env-changed=XINFANG_TEST_PG_URL");
    if std::env::var("XINFANG_TEST_PG_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=xinfang_pg");
    }
}
