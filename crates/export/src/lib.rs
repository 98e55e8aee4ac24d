//! The notices of the procedure as Word files ([`docx`]), and the petition
//! ledger (信访事项台账) as files that Excel opens: `.xlsx`
//! with Chinese headers, fitting widths, real dates and a title row saying
//! what was exported and when; CSV with a UTF-8 byte-order mark so Excel
//! reads the Chinese correctly. Personal numbers arrive already masked.
//!
//! The workbook is written in constant-memory mode (row by row to a temporary
//! file), so exporting a large ledger does not hold it in memory.

pub mod disputes;
pub mod docx;

use chrono::{Datelike, NaiveDate};
pub use rust_xlsxwriter::XlsxError;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook};
use std::path::Path;

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub case_no: String,
    pub received_on: NaiveDate,
    pub channel: String,
    pub class: String,
    /// 内容分类, e.g. `劳动和社会保障 / 拖欠工资`.
    pub category: String,
    pub subject: String,
    pub petitioner: String,
    /// Masked, e.g. `138****8000`.
    pub phone: String,
    pub persons: Option<i64>,
    /// 问题属地.
    pub problem_unit: String,
    pub unit: String,
    /// 承办人.
    pub handler: String,
    pub status: String,
    /// The clock of the nearest deadline (受理告知, 办理 …).
    pub next_clock: String,
    pub next_due: Option<NaiveDate>,
    pub overdue: bool,
    pub accepted_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    /// 处理结果.
    pub result: String,
    /// 满意度.
    pub satisfaction: String,
    /// 附件: the names of the files attached (not withdrawn), never their
    /// contents.
    pub attachments: String,
}

/// A cell of a ledger line, as both files write it.
pub enum Cell<'a> {
    Text(&'a str),
    Date(Option<NaiveDate>),
    Number(Option<i64>),
    /// 是 or 否, never blank.
    YesNo(bool),
}

/// Column headers and widths (in characters), in the order of
/// [`LedgerRow::cells`].
pub const COLUMNS: [(&str, f64); 22] = [
    ("信访件编号", 15.0),
    ("收到日期", 12.0),
    ("渠道", 8.0),
    ("类别", 11.0),
    ("内容分类", 22.0),
    ("标题", 36.0),
    ("信访人", 10.0),
    ("联系电话", 13.0),
    ("是否集体访", 10.0),
    ("人数", 6.0),
    ("问题属地", 16.0),
    ("办理单位", 22.0),
    ("承办人", 10.0),
    ("状态", 18.0),
    ("最近期限类型", 12.0),
    ("最近期限", 12.0),
    ("是否超期", 9.0),
    ("受理日期", 12.0),
    ("办结日期", 12.0),
    ("处理结果", 14.0),
    ("满意度", 10.0),
    ("附件", 30.0),
];

impl LedgerRow {
    fn cells(&self) -> [Cell<'_>; 22] {
        [
            Cell::Text(&self.case_no),
            Cell::Date(Some(self.received_on)),
            Cell::Text(&self.channel),
            Cell::Text(&self.class),
            Cell::Text(&self.category),
            Cell::Text(&self.subject),
            Cell::Text(&self.petitioner),
            Cell::Text(&self.phone),
            Cell::YesNo(self.persons.is_some()),
            Cell::Number(self.persons),
            Cell::Text(&self.problem_unit),
            Cell::Text(&self.unit),
            Cell::Text(&self.handler),
            Cell::Text(&self.status),
            Cell::Text(&self.next_clock),
            Cell::Date(self.next_due),
            Cell::YesNo(self.overdue),
            Cell::Date(self.accepted_on),
            Cell::Date(self.closed_on),
            Cell::Text(&self.result),
            Cell::Text(&self.satisfaction),
            Cell::Text(&self.attachments),
        ]
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// The first line of the CSV: the byte-order mark and the headers.
pub fn csv_header() -> String {
    let names: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
    format!("\u{feff}{}\r\n", names.join(","))
}

fn csv_field(s: &str) -> String {
    // Quote everything that needs it; neutralise leading formula characters
    // so a spreadsheet never runs text as a formula (CSV injection).
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// One CSV line (CRLF, as Excel writes them).
pub fn csv_row(r: &LedgerRow) -> String {
    let line: Vec<String> = r
        .cells()
        .iter()
        .map(|c| match c {
            Cell::Text(t) => csv_field(t),
            Cell::Date(d) => d.map(|d| d.to_string()).unwrap_or_default(),
            Cell::Number(n) => n.map(|n| n.to_string()).unwrap_or_default(),
            Cell::YesNo(b) => yes_no(*b).to_string(),
        })
        .collect();
    format!("{}\r\n", line.join(","))
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// Writes a table, row by row, into an `.xlsx` file: a title row, a
/// header row of `columns` (name, width in characters), real dates, an
/// auto-filter; any ledger of any module.
pub struct XlsxTable {
    workbook: Workbook,
    row: u32,
    date: Format,
    columns: &'static [(&'static str, f64)],
}

impl XlsxTable {
    /// A workbook with one sheet named `sheet`, the title row (`title`)
    /// and the header row.
    pub fn new(sheet_name: &str, title: &str, columns: &'static [(&'static str, f64)]) -> Result<Self, XlsxError> {
        let mut workbook = Workbook::new();
        let header =
            Format::new().set_bold().set_background_color("#DDEBF7").set_border(rust_xlsxwriter::FormatBorder::Thin);
        let title_format = Format::new().set_bold().set_font_size(13).set_align(FormatAlign::Left);
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(sheet_name)?;
        for (i, (_, width)) in columns.iter().enumerate() {
            sheet.set_column_width(i as u16, *width)?;
        }
        sheet.merge_range(0, 0, 0, (columns.len() - 1) as u16, title, &title_format)?;
        for (i, (name, _)) in columns.iter().enumerate() {
            sheet.write_string_with_format(1, i as u16, *name, &header)?;
        }
        sheet.set_freeze_panes(2, 0)?;
        Ok(XlsxTable { workbook, row: 2, date: Format::new().set_num_format("yyyy-mm-dd"), columns })
    }

    /// Writes one line, its cells in the order of the columns.
    pub fn push(&mut self, cells: &[Cell<'_>]) -> Result<(), XlsxError> {
        let row = self.row;
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (col, cell) in cells.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(t) => {
                    sheet.write_string(row, col, *t)?;
                }
                Cell::Date(Some(d)) => {
                    sheet.write_datetime_with_format(row, col, &excel_date(*d)?, &self.date)?;
                }
                Cell::Number(Some(n)) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                Cell::Date(None) | Cell::Number(None) => {}
                Cell::YesNo(b) => {
                    sheet.write_string(row, col, yes_no(*b))?;
                }
            }
        }
        self.row += 1;
        Ok(())
    }

    /// Rows written so far (without the title and header rows).
    pub fn rows(&self) -> u32 {
        self.row - 2
    }

    /// Saves the workbook, with an auto-filter over the header and every
    /// row written.
    pub fn save(mut self, path: &Path) -> Result<(), XlsxError> {
        let last = self.row.saturating_sub(1).max(1);
        self.workbook.worksheet_from_index(0)?.autofilter(1, 0, last, (self.columns.len() - 1) as u16)?;
        self.workbook.save(path)
    }
}

/// Writes the petitions' ledger, row by row, into an `.xlsx` file.
pub struct XlsxLedger(XlsxTable);

impl XlsxLedger {
    /// A workbook with the title row (`title`) and the header row.
    pub fn new(title: &str) -> Result<Self, XlsxError> {
        Ok(XlsxLedger(XlsxTable::new("信访事项台账", title, &COLUMNS)?))
    }

    pub fn push(&mut self, r: &LedgerRow) -> Result<(), XlsxError> {
        self.0.push(&r.cells())
    }

    /// Rows written so far (without the title and header rows).
    pub fn rows(&self) -> u32 {
        self.0.rows()
    }

    pub fn save(self, path: &Path) -> Result<(), XlsxError> {
        self.0.save(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx, open_workbook};

    fn row(i: usize) -> LedgerRow {
        LedgerRow {
            case_no: format!("XF2026-{i:06}"),
            received_on: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            channel: "来信".into(),
            class: "申诉求决类".into(),
            category: "劳动和社会保障 / 拖欠工资".into(),
            subject: "=HYPERLINK(\"x\") 拖欠工资, \"急\"".into(),
            petitioner: "张三".into(),
            phone: "138****8000".into(),
            persons: if i == 0 { Some(12) } else { None },
            problem_unit: "一号村".into(),
            unit: "青溪县信访局".into(),
            handler: if i == 0 { "王敏".into() } else { String::new() },
            status: "已受理，办理中".into(),
            next_clock: "办理".into(),
            next_due: NaiveDate::from_ymd_opt(2026, 4, 2),
            overdue: i == 1,
            accepted_on: NaiveDate::from_ymd_opt(2026, 2, 3),
            closed_on: None,
            result: String::new(),
            satisfaction: String::new(),
            attachments: String::new(),
        }
    }

    #[test]
    fn csv_starts_with_the_bom_and_quotes_and_defuses() {
        let h = csv_header();
        assert!(h.starts_with('\u{feff}'));
        assert!(h.contains("信访件编号,收到日期"));
        let line = csv_row(&row(0));
        assert!(line.contains("\"'=HYPERLINK(\"\"x\"\") 拖欠工资, \"\"急\"\"\""), "{line}");
        assert!(line.ends_with("\r\n"));
    }

    #[test]
    fn xlsx_reads_back_with_dates_as_dates() {
        let path = std::env::temp_dir().join(format!("xinfang-export-{}.xlsx", std::process::id()));
        let mut x = XlsxLedger::new("信访事项台账（测试）").unwrap();
        for i in 0..3 {
            x.push(&row(i)).unwrap();
        }
        assert_eq!(x.rows(), 3);
        x.save(&path).unwrap();
        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let range = wb.worksheet_range("信访事项台账").unwrap();
        assert_eq!(range.get_value((0, 0)), Some(&Data::String("信访事项台账（测试）".into())));
        assert_eq!(range.get_value((1, 0)), Some(&Data::String("信访件编号".into())));
        assert_eq!(range.get_value((2, 0)), Some(&Data::String("XF2026-000000".into())));
        match range.get_value((2, 1)) {
            Some(Data::DateTime(d)) => {
                // Excel's day number: days since 1899-12-30.
                let serial = (NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()
                    - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap())
                .num_days();
                assert_eq!(d.as_f64(), serial as f64);
            }
            other => panic!("not a date: {other:?}"),
        }
        let col = |name: &str| COLUMNS.iter().position(|c| c.0 == name).unwrap() as u32;
        assert_eq!(range.get_value((2, col("联系电话"))), Some(&Data::String("138****8000".into())));
        assert_eq!(range.get_value((2, col("人数"))), Some(&Data::Float(12.0)));
        assert_eq!(range.get_value((2, col("内容分类"))), Some(&Data::String("劳动和社会保障 / 拖欠工资".into())));
        assert_eq!(range.get_value((3, col("是否超期"))), Some(&Data::String("是".into())));
        // Every yes/no column says 是 or 否, never blank.
        for (r, c) in [(2, "是否超期"), (4, "是否超期"), (2, "是否集体访"), (3, "是否集体访")] {
            assert!(matches!(range.get_value((r, col(c))), Some(Data::String(s)) if s == "是" || s == "否"), "{r} {c}");
        }
        assert_eq!(range.get_value((3, col("是否集体访"))), Some(&Data::String("否".into())));
        assert!(matches!(range.get_value((2, col("受理日期"))), Some(Data::DateTime(_))));
        assert_eq!(range.height(), 5);
        // The auto-filter covers the header row and every line.
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut xml).unwrap();
        assert!(xml.contains("<autoFilter ref=\"A2:V5\""), "{}", &xml[xml.len().saturating_sub(600)..]);
        let _ = std::fs::remove_file(path);
    }
}
