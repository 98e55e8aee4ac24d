//! Turns on the variants of the crash test that need more than `cargo`:
//! the PostgreSQL one when `XINFANG_TEST_PG_URL` is set at build time, the
//! power-cut one when `XINFANG_TEST_POWER_CUT=1` is (it mounts a file system
//! of its own: root, loop devices, `xfs_io` from xfsprogs). Without them
//! those tests are reported as ignored, never as passed.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(xinfang_pg)");
    println!("cargo::rustc-check-cfg=cfg(xinfang_power_cut)");
    println!("cargo::rerun-if-env-changed=XINFANG_TEST_PG_URL");
    println!("cargo::rerun-if-env-changed=XINFANG_TEST_POWER_CUT");
    if std::env::var("XINFANG_TEST_PG_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=xinfang_pg");
    }
    if std::env::var("XINFANG_TEST_POWER_CUT").is_ok_and(|v| !v.is_empty() && v != "0") {
        println!("cargo::rustc-cfg=xinfang_power_cut");
    }
}
