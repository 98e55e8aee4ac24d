//! Attachments (附件) of any record: what a file is, told from its first
//! bytes and never from its name, and the limits an upload must keep.
//!
//! The kinds allowed are what an office files: scans and photos (PDF, JPEG,
//! PNG, TIFF), Office documents (DOCX, XLSX, and the older DOC, XLS) and
//! plain text. Anything else — a program renamed `.pdf`, an archive, a
//! script — is refused whatever its name says.

use crate::error::Invalid;

/// What a file is, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Tiff,
    Docx,
    Xlsx,
    /// Word 97–2003 (an OLE2 compound file named `.doc`).
    Doc,
    /// Excel 97–2003 (an OLE2 compound file named `.xls`).
    Xls,
    /// UTF-8 text without control characters other than tab and line ends.
    Text,
}

impl FileKind {
    /// The media type it is stored and served with.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Tiff => "image/tiff",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Doc => "application/msword",
            FileKind::Xls => "application/vnd.ms-excel",
            FileKind::Text => "text/plain; charset=utf-8",
        }
    }

    /// Whether a browser shows it as a picture (a thumbnail on the page);
    /// TIFF scans are downloaded instead.
    pub fn is_image(self) -> bool {
        matches!(self, FileKind::Jpeg | FileKind::Png)
    }

    /// The kind a stored media type names.
    pub fn from_content_type(s: &str) -> Option<Self> {
        ALL.into_iter().find(|k| k.content_type() == s)
    }
}

const ALL: [FileKind; 9] = [
    FileKind::Pdf,
    FileKind::Jpeg,
    FileKind::Png,
    FileKind::Tiff,
    FileKind::Docx,
    FileKind::Xlsx,
    FileKind::Doc,
    FileKind::Xls,
    FileKind::Text,
];

/// What the file is, from its bytes; `name` only tells a Word 97 file from
/// an Excel 97 one, which share one container. `None`: not a kind allowed.
pub fn sniff(bytes: &[u8], name: &str) -> Option<FileKind> {
    let lower = name.to_lowercase();
    if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some(FileKind::Png)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(FileKind::Tiff)
    } else if bytes.starts_with(b"PK\x03\x04") {
        // An Office Open XML package names its main part in a local file
        // header, stored as plain bytes; any other zip is refused.
        if contains(bytes, b"word/document.xml") {
            Some(FileKind::Docx)
        } else if contains(bytes, b"xl/workbook.xml") {
            Some(FileKind::Xlsx)
        } else {
            None
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if lower.ends_with(".xls") || lower.ends_with(".et") {
            Some(FileKind::Xls)
        } else if lower.ends_with(".doc") || lower.ends_with(".wps") {
            Some(FileKind::Doc)
        } else {
            None
        }
    } else if is_text(bytes) {
        Some(FileKind::Text)
    } else {
        None
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn is_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && std::str::from_utf8(bytes)
            .is_ok_and(|s| s.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{feff}')))
}

/// How much may be uploaded: per file and per record, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_file: u64,
    pub per_record: u64,
    /// How many files one record may hold.
    pub files: u32,
}

impl Limits {
    /// The staff pages and the API: scans of a whole file folder.
    pub const STAFF: Limits = Limits { per_file: 20 << 20, per_record: 200 << 20, files: 100 };
    /// The portal: a citizen's few pages and photos.
    pub const PORTAL: Limits = Limits { per_file: 5 << 20, per_record: 20 << 20, files: 10 };
}

/// An upload as it arrives: the name the sender gave and the bytes.
pub struct Upload<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// The name kept for a file: the last path segment, control characters
/// dropped, at most 120 characters; never empty.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    let kept = kept.trim().to_string();
    if kept.is_empty() { "附件".to_string() } else { kept }
}

/// Checks uploads against `limits`, the record already holding `held`
/// files of `held_bytes`; each file's kind, or the first problem, named
/// by the file.
pub fn check(
    uploads: &[Upload<'_>],
    held: u32,
    held_bytes: u64,
    limits: Limits,
) -> Result<Vec<FileKind>, Vec<Invalid>> {
    let mut problems = Vec::new();
    let mut kinds = Vec::new();
    if uploads.is_empty() {
        problems.push(Invalid::new("file", "no_file", "没有收到文件：请选择要上传的文件（表单字段名为 file）"));
    }
    if held as usize + uploads.len() > limits.files as usize {
        problems.push(Invalid::new(
            "file",
            "too_many_files",
            format!("每件最多 {} 个附件，已有 {held} 个", limits.files),
        ));
    }
    let total: u64 = uploads.iter().map(|u| u.bytes.len() as u64).sum::<u64>() + held_bytes;
    if total > limits.per_record {
        problems.push(Invalid::new(
            "file",
            "record_too_large",
            format!("附件合计不能超过 {}，已有 {}", size_label(limits.per_record), size_label(held_bytes)),
        ));
    }
    for u in uploads {
        let name = clean_name(u.name);
        if u.bytes.is_empty() {
            problems.push(Invalid::new("file", "empty_file", format!("“{name}”是空文件")));
        } else if u.bytes.len() as u64 > limits.per_file {
            problems.push(Invalid::new(
                "file",
                "file_too_large",
                format!("“{name}”超过单个文件上限 {}", size_label(limits.per_file)),
            ));
        } else if let Some(k) = sniff(u.bytes, u.name) {
            kinds.push(k);
        } else {
            problems.push(Invalid::new(
                "file",
                "file_type_not_allowed",
                format!("“{name}”的内容不是允许的类型（PDF、JPEG、PNG、TIFF、DOCX、XLSX、DOC、XLS、纯文本），按内容判断，与文件名无关"),
            ));
        }
    }
    if problems.is_empty() { Ok(kinds) } else { Err(problems) }
}

/// A size as a clerk reads it: 512 KB, 3.2 MB.
pub fn size_label(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_from_the_content_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.7\n...", "scan.jpg"), Some(FileKind::Pdf));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], "photo"), Some(FileKind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0", "x.pdf"), Some(FileKind::Png));
        assert_eq!(sniff(b"II*\0\x08\0", "scan.tif"), Some(FileKind::Tiff));
        assert_eq!(sniff(b"PK\x03\x04....word/document.xml....", "a.zip"), Some(FileKind::Docx));
        assert_eq!(sniff(b"PK\x03\x04....xl/workbook.xml....", "a"), Some(FileKind::Xlsx));
        assert_eq!(sniff("情况说明\r\n第二行\t。".as_bytes(), "说明.txt"), Some(FileKind::Text));
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
        assert_eq!(sniff(&ole, "旧表.XLS"), Some(FileKind::Xls));
        assert_eq!(sniff(&ole, "旧文.doc"), Some(FileKind::Doc));
        assert_eq!(sniff(&ole, "setup.msi"), None, "an installer shares the container");
    }

    #[test]
    fn programs_archives_and_binary_data_are_refused_whatever_their_name() {
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0", "scan.pdf"), None, "a Windows program renamed");
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01", "photo.jpg"), None);
        assert_eq!(sniff(b"PK\x03\x04....evil.exe....", "report.docx"), None, "a plain zip");
        assert_eq!(sniff(b"#!/bin/sh\nrm -rf /\n\x00", "a.txt"), None, "a NUL byte is not text");
        assert_eq!(sniff(&[0xC4, 0xE3, 0xBA, 0xC3], "gbk.txt"), None, "not UTF-8");
        assert_eq!(sniff(b"", "empty.txt"), None);
    }

    #[test]
    fn limits_are_checked_per_file_per_record_and_by_count() {
        let small = Upload { name: "a.txt", bytes: b"hello" };
        let limits = Limits { per_file: 8, per_record: 12, files: 2 };
        assert_eq!(check(&[small], 0, 0, limits).unwrap(), [FileKind::Text]);
        let big = Upload { name: "b.txt", bytes: b"123456789" };
        let e = check(&[big], 0, 0, limits).unwrap_err();
        assert!(e[0].message.contains("单个文件上限"), "{e:?}");
        let e = check(&[Upload { name: "c.txt", bytes: b"1234567" }], 1, 6, limits).unwrap_err();
        assert!(e[0].message.contains("合计"), "{e:?}");
        let e = check(&[Upload { name: "d.txt", bytes: b"1" }], 2, 2, limits).unwrap_err();
        assert!(e[0].message.contains("最多 2 个"), "{e:?}");
        assert!(check(&[], 0, 0, limits).is_err());
    }

    #[test]
    fn names_keep_the_last_segment_without_control_characters() {
        assert_eq!(clean_name("C:\\扫描\\来信.pdf"), "来信.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}b\n.txt"), "ab.txt");
        assert_eq!(clean_name("  "), "附件");
        assert_eq!(size_label(1536), "2 KB");
        assert_eq!(size_label(3 << 20), "3.0 MB");
    }
}
