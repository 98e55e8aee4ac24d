//! The petition ledger (信访事项台账) as files that Excel opens: `.xlsx`
//! with Chinese headers, fitting widths, real dates and a title row saying
//! what was exported and when; CSV with a UTF-8 byte-order mark so Excel
//! reads the Chinese correctly. Personal numbers arrive already masked.
//!
//! The workbook is written in constant-memory mode (row by row to a temporary
//! file), so exporting a large ledger does not hold it in memory.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, XlsxError};
use std::path::Path;

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub case_no: String,
    pub received_on: NaiveDate,
    pub channel: String,
    pub class: String,
    pub subject: String,
    pub petitioner: String,
    /// Masked, e.g. `138****8000`.
    pub phone: String,
    pub persons: Option<i64>,
    pub unit: String,
    pub status: String,
    pub next_due: Option<NaiveDate>,
    pub overdue: bool,
}

/// Column headers and widths (in characters).
pub const COLUMNS: [(&str, f64); 12] = [
    ("信访件编号", 15.0),
    ("收到日期", 12.0),
    ("渠道", 9.0),
    ("类别", 11.0),
    ("标题", 36.0),
    ("信访人", 10.0),
    ("联系电话", 13.0),
    ("人数", 6.0),
    ("办理单位", 24.0),
    ("状态", 18.0),
    ("最近期限", 12.0),
    ("是否超期", 9.0),
];

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
    let fields = [
        r.case_no.clone(),
        r.received_on.to_string(),
        r.channel.clone(),
        r.class.clone(),
        r.subject.clone(),
        r.petitioner.clone(),
        r.phone.clone(),
        r.persons.map(|p| p.to_string()).unwrap_or_default(),
        r.unit.clone(),
        r.status.clone(),
        r.next_due.map(|d| d.to_string()).unwrap_or_default(),
        if r.overdue { "是".into() } else { String::new() },
    ];
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    format!("{}\r\n", line.join(","))
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// Writes the ledger, row by row, into an `.xlsx` file at `path`.
pub struct XlsxLedger {
    workbook: Workbook,
    row: u32,
    date: Format,
}

impl XlsxLedger {
    /// A workbook with the title row (`title`) and the header row.
    pub fn new(title: &str) -> Result<Self, XlsxError> {
        let mut workbook = Workbook::new();
        let header =
            Format::new().set_bold().set_background_color("#DDEBF7").set_border(rust_xlsxwriter::FormatBorder::Thin);
        let title_format = Format::new().set_bold().set_font_size(13).set_align(FormatAlign::Left);
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name("信访事项台账")?;
        for (i, (_, width)) in COLUMNS.iter().enumerate() {
            sheet.set_column_width(i as u16, *width)?;
        }
        sheet.merge_range(0, 0, 0, (COLUMNS.len() - 1) as u16, title, &title_format)?;
        for (i, (name, _)) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(1, i as u16, *name, &header)?;
        }
        sheet.set_freeze_panes(2, 0)?;
        Ok(XlsxLedger { workbook, row: 2, date: Format::new().set_num_format("yyyy-mm-dd") })
    }

    pub fn push(&mut self, r: &LedgerRow) -> Result<(), XlsxError> {
        let row = self.row;
        let sheet = self.workbook.worksheet_from_index(0)?;
        sheet.write_string(row, 0, &r.case_no)?;
        sheet.write_datetime_with_format(row, 1, &excel_date(r.received_on)?, &self.date)?;
        sheet.write_string(row, 2, &r.channel)?;
        sheet.write_string(row, 3, &r.class)?;
        sheet.write_string(row, 4, &r.subject)?;
        sheet.write_string(row, 5, &r.petitioner)?;
        sheet.write_string(row, 6, &r.phone)?;
        if let Some(p) = r.persons {
            sheet.write_number(row, 7, p as f64)?;
        }
        sheet.write_string(row, 8, &r.unit)?;
        sheet.write_string(row, 9, &r.status)?;
        if let Some(d) = r.next_due {
            sheet.write_datetime_with_format(row, 10, &excel_date(d)?, &self.date)?;
        }
        if r.overdue {
            sheet.write_string(row, 11, "是")?;
        }
        self.row += 1;
        Ok(())
    }

    /// Rows written so far (without the title and header rows).
    pub fn rows(&self) -> u32 {
        self.row - 2
    }

    pub fn save(mut self, path: &Path) -> Result<(), XlsxError> {
        self.workbook.save(path)
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
            subject: "=HYPERLINK(\"x\") 拖欠工资, \"急\"".into(),
            petitioner: "张三".into(),
            phone: "138****8000".into(),
            persons: if i == 0 { Some(12) } else { None },
            unit: "青溪县信访局".into(),
            status: "已受理，办理中".into(),
            next_due: NaiveDate::from_ymd_opt(2026, 4, 2),
            overdue: i == 1,
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
        assert_eq!(range.get_value((2, 6)), Some(&Data::String("138****8000".into())));
        assert_eq!(range.get_value((2, 7)), Some(&Data::Float(12.0)));
        assert_eq!(range.get_value((3, 11)), Some(&Data::String("是".into())));
        assert_eq!(range.height(), 5);
        let _ = std::fs::remove_file(path);
    }
}
