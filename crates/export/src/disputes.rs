//! The disputes ledger (矛盾纠纷排查化解台账) as `.xlsx`, in the column
//! order offices keep it in Excel (ledgers-spec §2.C); parties by name,
//! numbers never.

use crate::{Cell, XlsxTable};
use chrono::NaiveDate;
use rust_xlsxwriter::XlsxError;

/// Column headers and widths, in the order of [`DisputeLedgerRow::cells`].
pub const COLUMNS: [(&str, f64); 15] = [
    ("序号", 6.0),
    ("编号", 15.0),
    ("登记日期", 12.0),
    ("纠纷类别", 14.0),
    ("当事人", 24.0),
    ("地点", 18.0),
    ("简要情况", 40.0),
    ("风险等级", 9.0),
    ("责任领导", 12.0),
    ("责任单位", 18.0),
    ("责任人", 12.0),
    ("化解时限", 12.0),
    ("调解方式", 14.0),
    ("进展", 14.0),
    ("结案日期", 12.0),
];

/// One line of the disputes ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeLedgerRow {
    pub seq: i64,
    pub case_no: String,
    pub found_on: NaiveDate,
    pub category: String,
    /// The parties' names, 、-separated.
    pub parties: String,
    pub place: String,
    pub summary: String,
    pub risk: String,
    /// 责任领导: the leader who owns it (包案).
    pub leader: String,
    pub unit: String,
    pub person: String,
    pub resolve_by: Option<NaiveDate>,
    pub mediation: String,
    pub status: String,
    pub closed_on: Option<NaiveDate>,
}

impl DisputeLedgerRow {
    fn cells(&self) -> [Cell<'_>; 15] {
        [
            Cell::Number(Some(self.seq)),
            Cell::Text(&self.case_no),
            Cell::Date(Some(self.found_on)),
            Cell::Text(&self.category),
            Cell::Text(&self.parties),
            Cell::Text(&self.place),
            Cell::Text(&self.summary),
            Cell::Text(&self.risk),
            Cell::Text(&self.leader),
            Cell::Text(&self.unit),
            Cell::Text(&self.person),
            Cell::Date(self.resolve_by),
            Cell::Text(&self.mediation),
            Cell::Text(&self.status),
            Cell::Date(self.closed_on),
        ]
    }
}

/// The disputes ledger as a workbook.
pub struct XlsxDisputes(XlsxTable);

impl XlsxDisputes {
    pub fn new(title: &str) -> Result<Self, XlsxError> {
        Ok(XlsxDisputes(XlsxTable::new("矛盾纠纷排查化解台账", title, &COLUMNS)?))
    }

    pub fn push(&mut self, r: &DisputeLedgerRow) -> Result<(), XlsxError> {
        self.0.push(&r.cells())
    }

    pub fn save(self, path: &std::path::Path) -> Result<(), XlsxError> {
        self.0.save(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx, open_workbook};

    #[test]
    fn the_disputes_ledger_reads_back_in_the_offices_order() {
        let path = std::env::temp_dir().join(format!("xinfang-disputes-{}.xlsx", std::process::id()));
        let mut x = XlsxDisputes::new("矛盾纠纷排查化解台账（测试）").expect("book");
        let d = |day| NaiveDate::from_ymd_opt(2026, 3, day);
        x.push(&DisputeLedgerRow {
            seq: 1,
            case_no: "MD2026-000001".into(),
            found_on: d(2).expect("date"),
            category: "邻里纠纷".into(),
            parties: "甲某、乙某".into(),
            place: "一号村".into(),
            summary: "=1+1 宅基地".into(),
            risk: "一般".into(),
            leader: "陈镇长".into(),
            unit: "一号村".into(),
            person: "王调解员".into(),
            resolve_by: d(31),
            mediation: "人民调解".into(),
            status: "调处中".into(),
            closed_on: None,
        })
        .expect("row");
        x.save(&path).expect("save");
        let mut wb: Xlsx<_> = open_workbook(&path).expect("open");
        let range = wb.worksheet_range("矛盾纠纷排查化解台账").expect("sheet");
        let headers: Vec<String> =
            (0..15).map(|c| range.get_value((1, c)).map(|v| v.to_string()).unwrap_or_default()).collect();
        assert_eq!(headers, COLUMNS.map(|c| c.0.to_string()));
        assert_eq!(range.get_value((2, 4)), Some(&Data::String("甲某、乙某".into())));
        assert_eq!(range.get_value((2, 6)), Some(&Data::String("=1+1 宅基地".into())), "text, never a formula");
        assert!(matches!(range.get_value((2, 11)), Some(Data::DateTime(_))));
        assert_eq!(range.get_value((2, 8)), Some(&Data::String("陈镇长".into())));
        let _ = std::fs::remove_file(path);
    }
}
