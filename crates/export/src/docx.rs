//! The office's notices as Word files (.docx), laid out as GB/T 9704-2012
//! lays out official documents (党政机关公文格式): A4 with its margins
//! (37 mm top, 35 mm bottom, 28 mm left, 26 mm right), the title in 二号
//! 小标宋 centred, the body in 三号仿宋 with a two-character first-line
//! indent on a 28.95 pt line, the issuing office and the date (Arabic
//! numerals) on the right, the seal line above them. Word and LibreOffice
//! open them; the XML is written here, a few hundred lines of
//! WordprocessingML, zipped.

use chrono::{Datelike, NaiveDate};
use std::io::Write;

/// One notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialDoc {
    /// 标题, e.g. 信访事项受理告知书.
    pub title: String,
    /// 文号 under the title, e.g. 〔2026〕XF2026-000123 号.
    pub number: Option<String>,
    /// 主送: the person or body addressed, without the colon.
    pub addressee: Option<String>,
    /// The body, one paragraph each.
    pub paragraphs: Vec<String>,
    /// A form of two columns (送达回证, 回执): label and value.
    pub table: Vec<(String, String)>,
    /// 发文机关署名.
    pub issuer: String,
    /// 成文日期.
    pub date: NaiveDate,
    /// A note after the date (附注), e.g. what the receipt is not.
    pub note: Option<String>,
}

#[derive(Debug)]
pub struct DocxError(String);

impl std::fmt::Display for DocxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "docx: {}", self.0)
    }
}

impl std::error::Error for DocxError {}

/// The date as official documents write it: 2026年3月3日.
pub fn official_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // XML 1.0 has no place for other control characters.
            c if (c as u32) < 0x20 && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt.
const TITLE_SIZE: u32 = 44;
const BODY_SIZE: u32 = 32;
const SMALL_SIZE: u32 = 28;
const TITLE_FONT: &str = "方正小标宋简体";
const BODY_FONT: &str = "仿宋";

/// A run of text in `font` at `size` half-points.
fn run(text: &str, font: &str, size: u32) -> String {
    format!(
        "<w:r><w:rPr><w:rFonts w:ascii=\"{font}\" w:hAnsi=\"{font}\" w:eastAsia=\"{font}\"/><w:sz w:val=\"{size}\"/>\
         <w:szCs w:val=\"{size}\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
        escape(text)
    )
}

/// A paragraph: `ppr` is its properties (alignment, indents).
fn para(ppr: &str, runs: &str) -> String {
    format!("<w:p><w:pPr><w:spacing w:line=\"579\" w:lineRule=\"exact\"/>{ppr}</w:pPr>{runs}</w:p>")
}

fn body_xml(doc: &OfficialDoc) -> String {
    let mut x = String::new();
    x.push_str(&para("<w:jc w:val=\"center\"/>", &run(&doc.title, TITLE_FONT, TITLE_SIZE)));
    if let Some(n) = &doc.number {
        x.push_str(&para("<w:jc w:val=\"center\"/>", &run(n, BODY_FONT, BODY_SIZE)));
    }
    // One empty line between the title and the text.
    x.push_str(&para("", ""));
    if let Some(a) = &doc.addressee {
        x.push_str(&para("", &run(&format!("{a}："), BODY_FONT, BODY_SIZE)));
    }
    for p in &doc.paragraphs {
        x.push_str(&para(
            "<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/><w:jc w:val=\"both\"/>",
            &run(p, BODY_FONT, BODY_SIZE),
        ));
    }
    if !doc.table.is_empty() {
        x.push_str(&table_xml(&doc.table));
    }
    x.push_str(&para("", ""));
    x.push_str(&para("", ""));
    // The seal goes over the issuer and the date (GB/T 9704 7.3.5.1).
    x.push_str(&para("<w:ind w:right=\"1280\"/><w:jc w:val=\"right\"/>", &run("（印章）", BODY_FONT, BODY_SIZE)));
    x.push_str(&para("<w:ind w:right=\"1280\"/><w:jc w:val=\"right\"/>", &run(&doc.issuer, BODY_FONT, BODY_SIZE)));
    x.push_str(&para(
        "<w:ind w:right=\"1280\"/><w:jc w:val=\"right\"/>",
        &run(&official_date(doc.date), BODY_FONT, BODY_SIZE),
    ));
    if let Some(n) = &doc.note {
        x.push_str(&para("", ""));
        x.push_str(&para(
            "<w:ind w:firstLineChars=\"200\" w:firstLine=\"560\"/>",
            &run(&format!("（{n}）"), BODY_FONT, SMALL_SIZE),
        ));
    }
    x
}

fn table_xml(rows: &[(String, String)]) -> String {
    let border = |side: &str| format!("<w:{side} w:val=\"single\" w:sz=\"6\" w:space=\"0\" w:color=\"000000\"/>");
    let borders: String = ["top", "left", "bottom", "right", "insideH", "insideV"].iter().map(|s| border(s)).collect();
    let mut x = format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblBorders>{borders}</w:tblBorders>\
         <w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"2200\"/><w:gridCol w:w=\"6644\"/></w:tblGrid>"
    );
    for (label, value) in rows {
        let cell = |w: u32, text: &str, jc: &str| {
            format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/></w:tcPr>{}</w:tc>",
                para(&format!("<w:jc w:val=\"{jc}\"/>"), &run(text, BODY_FONT, SMALL_SIZE))
            )
        };
        x.push_str(&format!(
            "<w:tr><w:trPr><w:trHeight w:val=\"720\"/></w:trPr>{}{}</w:tr>",
            cell(2200, label, "center"),
            cell(6644, value, "left")
        ));
    }
    x.push_str("</w:tbl>");
    x
}

fn document_xml(doc: &OfficialDoc) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>{}\
         <w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/>\
         <w:pgMar w:top=\"2098\" w:right=\"1474\" w:bottom=\"1984\" w:left=\"1588\" w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/>\
         <w:docGrid w:type=\"linesAndChars\" w:linePitch=\"579\" w:charSpace=\"0\"/></w:sectPr></w:body></w:document>",
        body_xml(doc)
    )
}

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>\
<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
</Types>";

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
</Relationships>";

const DOCUMENT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
</Relationships>";

/// The defaults: 仿宋 三号 for anything not set, Chinese as the language.
fn styles_xml() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:docDefaults>\
         <w:rPrDefault><w:rPr><w:rFonts w:ascii=\"{BODY_FONT}\" w:hAnsi=\"{BODY_FONT}\" w:eastAsia=\"{BODY_FONT}\" w:cs=\"{BODY_FONT}\"/>\
         <w:sz w:val=\"{BODY_SIZE}\"/><w:szCs w:val=\"{BODY_SIZE}\"/><w:lang w:val=\"zh-CN\" w:eastAsia=\"zh-CN\"/></w:rPr></w:rPrDefault>\
         <w:pPrDefault><w:pPr><w:spacing w:after=\"0\" w:line=\"579\" w:lineRule=\"exact\"/></w:pPr></w:pPrDefault></w:docDefaults>\
         <w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/></w:style></w:styles>"
    )
}

fn core_xml(doc: &OfficialDoc) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:creator>{}</dc:creator></cp:coreProperties>",
        escape(&doc.title),
        escape(&doc.issuer)
    )
}

/// The .docx file of `doc`.
pub fn write_docx(doc: &OfficialDoc) -> Result<Vec<u8>, DocxError> {
    let err = |e: &dyn std::fmt::Display| DocxError(e.to_string());
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, String); 6] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", ROOT_RELS.to_string()),
        ("docProps/core.xml", core_xml(doc)),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_string()),
        ("word/styles.xml", styles_xml()),
        ("word/document.xml", document_xml(doc)),
    ];
    for (name, text) in parts {
        zip.start_file(name, opts).map_err(|e| err(&e))?;
        zip.write_all(text.as_bytes()).map_err(|e| err(&e))?;
    }
    Ok(zip.finish().map_err(|e| err(&e))?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> OfficialDoc {
        OfficialDoc {
            title: "信访事项受理告知书".into(),
            number: Some("〔2026〕XF2026-000001 号".into()),
            addressee: Some("张三".into()),
            paragraphs: vec!["你于2026年3月2日提出的信访事项 <已受理> & 办理中。".into()],
            table: vec![("受送达人".into(), "张三".into())],
            issuer: "青溪县信访局".into(),
            date: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            note: Some("本告知书一式两份".into()),
        }
    }

    /// The package holds the parts Word needs, the text escaped, the page
    /// and fonts of GB/T 9704.
    #[test]
    fn a_notice_is_a_whole_docx_package() {
        let bytes = write_docx(&sample()).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        for part in ["[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "docProps/core.xml"]
        {
            assert!(zip.by_name(part).is_ok(), "{part}");
        }
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
        assert!(xml.contains("&lt;已受理&gt; &amp; 办理中"), "escaped");
        assert!(xml.contains("<w:pgSz w:w=\"11906\" w:h=\"16838\"/>"), "A4");
        assert!(xml.contains("w:top=\"2098\"") && xml.contains("w:left=\"1588\""), "GB/T 9704 margins");
        assert!(xml.contains("方正小标宋简体") && xml.contains("<w:sz w:val=\"44\"/>"), "二号小标宋 title");
        assert!(xml.contains("2026年3月3日") && xml.contains("青溪县信访局") && xml.contains("张三："));
        assert!(xml.contains("<w:tbl>"));
    }

    #[test]
    fn control_characters_never_reach_the_xml() {
        assert_eq!(escape("a\u{0}b\u{1b}c\td"), "abc\td");
    }
}
