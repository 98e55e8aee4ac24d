//! What every template must respect.

/// The Content-Security-Policy forbids inline styles and scripts, so no
/// template may carry one: they would be silently dropped by the browser.
#[test]
fn templates_have_no_inline_style_or_script() {
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() { dirs.push(path) } else { files.push(path) }
        }
    }
    assert!(files.len() > 15, "every module's templates are read: {}", files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("style=\""), "{} has an inline style", path.display());
        assert!(!text.contains("<style"), "{} has a style element", path.display());
        assert!(!text.contains("onclick=") && !text.contains("<script>"), "{} has inline script", path.display());
    }
}
