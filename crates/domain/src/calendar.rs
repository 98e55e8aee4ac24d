//! The official working calendar (工作日历): weekends, the statutory holiday
//! periods and the make-up working days (调休上班日) of the State Council's
//! yearly notices. 2024–2026 ship with the product (legal-spec §5); another
//! year is loaded from a file of the same format (see docs/calendar.md).
//!
//! A year with no data falls back to Monday–Friday; clocks that touch such a
//! year say their result is provisional.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The calendar that ships with the product.
pub const BUILTIN_JSON: &str = include_str!("../../../data/calendar/cn-2024-2026.json");

/// What a day is for counting periods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    Working,
    /// A Saturday or Sunday that is not a make-up working day.
    Weekend,
    /// A day of a statutory holiday period, with the holiday's name.
    Holiday(String),
    /// A Saturday or Sunday worked in exchange for a holiday (调休上班日).
    MakeUpWorkday,
}

impl DayKind {
    pub fn is_working(&self) -> bool {
        matches!(self, DayKind::Working | DayKind::MakeUpWorkday)
    }
}

/// The file format of a calendar import: holiday periods by year with their
/// dates, and the make-up working days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    #[serde(default)]
    pub source: String,
    #[serde(deserialize_with = "unique_keys")]
    pub years: BTreeMap<String, YearFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearFile {
    pub holidays: Vec<HolidayFile>,
    #[serde(default)]
    pub make_up_workdays: Vec<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayFile {
    pub name: String,
    pub dates: Vec<NaiveDate>,
}

/// The most holiday days one year may list: the State Council's notices
/// give about 30; more is a file gone wrong, not a calendar.
pub const MAX_HOLIDAYS_PER_YEAR: usize = 60;

/// A map whose keys appear once: a year given twice would otherwise keep
/// only its last entry and lose the first one's days without a word.
fn unique_keys<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, YearFile>, D::Error> {
    struct Years;
    impl<'de> serde::de::Visitor<'de> for Years {
        type Value = BTreeMap<String, YearFile>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("年份到假日安排的对象")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, YearFile>()? {
                if out.contains_key(&k) {
                    return Err(serde::de::Error::custom(format!("年份 {k} 出现了两次")));
                }
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Years)
}

/// "第 N 行：" for the first line of `text` naming `needle`, so an error
/// about a date points at it in the file.
fn line_of(text: &str, needle: &str) -> String {
    text.lines().position(|l| l.contains(needle)).map(|n| format!("第 {} 行：", n + 1)).unwrap_or_default()
}

/// A JSON error in Chinese, with its line and column.
fn json_error(e: &serde_json::Error) -> String {
    let detail = e.to_string();
    let detail = detail.split(" at line ").next().unwrap_or_default();
    let zh = if let Some(rest) = detail.strip_prefix("unknown field ") {
        let field = rest.split(',').next().unwrap_or(rest);
        format!("未知的字段 {field}（可用字段：source、years、holidays、make_up_workdays、name、dates）")
    } else if let Some(rest) = detail.strip_prefix("missing field ") {
        format!("缺少字段 {rest}")
    } else if detail.contains("input is out of range")
        || detail.contains("premature end of input")
        || detail.contains("input contains invalid characters")
        || detail.contains("trailing input")
    {
        "日期无效（应为真实存在的日期，格式 YYYY-MM-DD）".to_string()
    } else {
        detail.to_string()
    };
    format!("日历文件第 {} 行第 {} 列有误：{zh}", e.line(), e.column())
}

/// One day that differs from the Monday–Friday rule, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialDay {
    pub day: NaiveDate,
    /// `None` for a make-up working day, the holiday's name otherwise.
    pub holiday: Option<String>,
}

impl CalendarFile {
    /// Parses and checks a calendar file. Every error is in Chinese and says
    /// which date or year is wrong; nothing is half-loaded.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let file: CalendarFile = serde_json::from_str(text).map_err(|e| json_error(&e))?;
        file.check(text)?;
        Ok(file)
    }

    /// Either form a clerk may have: the JSON file, or the lines of the
    /// notice as an office types them ([`parse_lines`](Self::parse_lines)).
    pub fn parse_any(text: &str) -> Result<Self, String> {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        if text.trim_start().starts_with('{') { Self::parse(text) } else { Self::parse_lines(text) }
    }

    /// The notice as lines (issue 25 ¶6), one holiday or the make-up working
    /// days a line:
    ///
    /// ```text
    /// 2027
    /// 元旦 2027-01-01
    /// 春节 2027-02-06 至 2027-02-12
    /// 调休上班 2027-02-14 2027-02-20
    /// ```
    ///
    /// A line of a year alone is a heading; `至`, `到`, `~` or `—` join the
    /// first and last day of a holiday; `#` starts a comment. Checked as the
    /// JSON file is, every error naming its line.
    pub fn parse_lines(text: &str) -> Result<Self, String> {
        let mut years: BTreeMap<String, YearFile> = BTreeMap::new();
        for (i, raw) in text.lines().enumerate() {
            let at = format!("第 {} 行：", i + 1);
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let spaced = line.replace(['至', '到', '~', '～', '—'], " 至 ");
            let words: Vec<&str> = spaced.split_whitespace().collect();
            if words.len() == 1 && words[0].len() == 4 && words[0].bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let (name, rest) = words.split_first().ok_or_else(|| format!("{at}空行"))?;
            let date = |w: &str| {
                NaiveDate::parse_from_str(w, "%Y-%m-%d")
                    .map_err(|_| format!("{at}“{w}”不是日期：日期应写作 YYYY-MM-DD，且须是存在的日期"))
            };
            let mut dates: Vec<NaiveDate> = Vec::new();
            let mut k = 0;
            while k < rest.len() {
                let first = date(rest[k])?;
                if rest.get(k + 1) == Some(&"至") {
                    let last = date(rest.get(k + 2).ok_or_else(|| format!("{at}“至”后缺少结束日期"))?)?;
                    if last < first || (last - first).num_days() > 15 {
                        return Err(format!("{at}{first} 至 {last} 不是一段 16 天以内的假期"));
                    }
                    dates.extend(first.iter_days().take_while(|d| *d <= last));
                    k += 3;
                } else {
                    dates.push(first);
                    k += 1;
                }
            }
            if dates.is_empty() {
                return Err(format!("{at}“{name}”后缺少日期"));
            }
            let makeup = matches!(*name, "调休上班" | "上班" | "调休");
            let mut by_year: BTreeMap<i32, Vec<NaiveDate>> = BTreeMap::new();
            for d in dates {
                by_year.entry(d.year()).or_default().push(d);
            }
            for (y, ds) in by_year {
                let year = years
                    .entry(y.to_string())
                    .or_insert_with(|| YearFile { holidays: Vec::new(), make_up_workdays: Vec::new() });
                if makeup {
                    year.make_up_workdays.extend(ds);
                } else {
                    year.holidays.push(HolidayFile { name: (*name).to_string(), dates: ds });
                }
            }
        }
        let file = CalendarFile { source: "按行导入的放假安排".into(), years };
        file.check(text)?;
        Ok(file)
    }

    /// The checks every form of the file passes.
    fn check(&self, text: &str) -> Result<(), String> {
        let file = self;
        if file.years.is_empty() {
            return Err("日历文件中没有任何年份".into());
        }
        for (key, year) in &file.years {
            let y: i32 = key.parse().map_err(|_| format!("{}年份“{key}”不是数字", line_of(text, key)))?;
            if y.to_string() != *key {
                return Err(format!("{}年份应写作四位数字，如 “{y}”，而不是 “{key}”", line_of(text, key)));
            }
            if !(2000..=2100).contains(&y) {
                return Err(format!("{}年份 {y} 超出 2000–2100", line_of(text, key)));
            }
            let mut seen = BTreeSet::new();
            let mut holidays = 0;
            for h in &year.holidays {
                if h.name.trim().is_empty() || h.dates.is_empty() {
                    return Err(format!("{y} 年有一个节日缺少名称或日期"));
                }
                for d in &h.dates {
                    let at = line_of(text, &d.to_string());
                    if d.year() != y {
                        return Err(format!("{at}{d} 不属于 {y} 年"));
                    }
                    if !seen.insert(*d) {
                        return Err(format!("{at}{d} 重复出现"));
                    }
                    holidays += 1;
                }
            }
            if holidays > MAX_HOLIDAYS_PER_YEAR {
                return Err(format!(
                    "{y} 年列出了 {holidays} 个假日，超过 {MAX_HOLIDAYS_PER_YEAR} 个：请核对文件（国务院通知每年约 30 天）"
                ));
            }
            for d in &year.make_up_workdays {
                let at = line_of(text, &d.to_string());
                if d.year() != y {
                    return Err(format!("{at}调休上班日 {d} 不属于 {y} 年"));
                }
                if !seen.insert(*d) {
                    return Err(format!("{at}{d} 既是假日又是调休上班日，或重复出现"));
                }
                if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                    return Err(format!("{at}调休上班日 {d} 不是周六或周日"));
                }
            }
        }
        Ok(())
    }

    /// The years in the file with their special days, ready to store.
    pub fn special_days(&self) -> BTreeMap<i32, Vec<SpecialDay>> {
        let mut out = BTreeMap::new();
        for (key, year) in &self.years {
            let Ok(y) = key.parse::<i32>() else { continue };
            let mut days: Vec<SpecialDay> = year
                .holidays
                .iter()
                .flat_map(|h| h.dates.iter().map(|d| SpecialDay { day: *d, holiday: Some(h.name.clone()) }))
                .chain(year.make_up_workdays.iter().map(|d| SpecialDay { day: *d, holiday: None }))
                .collect();
            days.sort_by_key(|d| d.day);
            out.insert(y, days);
        }
        out
    }
}

/// The calendar in force: which years are known, and their special days.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calendar {
    holidays: BTreeMap<NaiveDate, String>,
    make_up: BTreeSet<NaiveDate>,
    years: BTreeSet<i32>,
}

impl Calendar {
    /// The calendar that ships with the product (2024–2026).
    pub fn builtin() -> Self {
        let file = CalendarFile::parse(BUILTIN_JSON).unwrap_or_else(|e| panic!("built-in calendar is broken: {e}"));
        let mut cal = Calendar::default();
        cal.load(&file);
        cal
    }

    /// Adds (or replaces) the years of a file.
    pub fn load(&mut self, file: &CalendarFile) {
        for (year, days) in file.special_days() {
            self.set_year(year, &days);
        }
    }

    /// Replaces one year's special days.
    pub fn set_year(&mut self, year: i32, days: &[SpecialDay]) {
        self.holidays.retain(|d, _| d.year() != year);
        self.make_up.retain(|d| d.year() != year);
        for d in days {
            match &d.holiday {
                Some(name) => {
                    self.holidays.insert(d.day, name.clone());
                }
                None => {
                    self.make_up.insert(d.day);
                }
            }
        }
        self.years.insert(year);
    }

    /// The years with official data.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The special days of one year, in date order.
    pub fn year_days(&self, year: i32) -> Vec<SpecialDay> {
        let mut v: Vec<SpecialDay> = self
            .holidays
            .iter()
            .filter(|(d, _)| d.year() == year)
            .map(|(d, n)| SpecialDay { day: *d, holiday: Some(n.clone()) })
            .chain(self.make_up.iter().filter(|d| d.year() == year).map(|d| SpecialDay { day: *d, holiday: None }))
            .collect();
        v.sort_by_key(|d| d.day);
        v
    }

    pub fn kind(&self, day: NaiveDate) -> DayKind {
        if let Some(name) = self.holidays.get(&day) {
            return DayKind::Holiday(name.clone());
        }
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        match (weekend, self.make_up.contains(&day)) {
            (true, true) => DayKind::MakeUpWorkday,
            (true, false) => DayKind::Weekend,
            _ => DayKind::Working,
        }
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        self.kind(day).is_working()
    }

    /// A short Chinese description of why a day is not worked, e.g. "星期六"
    /// or "春节假期".
    pub fn rest_reason(&self, day: NaiveDate) -> String {
        match self.kind(day) {
            DayKind::Holiday(name) => format!("{name}假期"),
            DayKind::Weekend => weekday_zh(day.weekday()).to_string(),
            DayKind::Working | DayKind::MakeUpWorkday => "工作日".to_string(),
        }
    }
}

pub fn weekday_zh(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn builtin_matches_the_state_council_notices() {
        let cal = Calendar::builtin();
        assert_eq!(cal.years().collect::<Vec<_>>(), vec![2024, 2025, 2026]);
        // 2026 Spring Festival 2/15–2/23, make-up days 2/14 and 2/28 (legal-spec §5.3).
        assert_eq!(cal.kind(d("2026-02-16")), DayKind::Holiday("春节".into()));
        assert_eq!(cal.kind(d("2026-02-14")), DayKind::MakeUpWorkday);
        assert_eq!(cal.kind(d("2026-02-28")), DayKind::MakeUpWorkday);
        assert_eq!(cal.kind(d("2026-02-24")), DayKind::Working);
        assert_eq!(cal.kind(d("2026-03-07")), DayKind::Weekend);
        // 2025: 国庆 + 中秋 10/1–10/8, make-up 9/28 and 10/11.
        assert!(!cal.is_working_day(d("2025-10-06")));
        assert!(cal.is_working_day(d("2025-10-11")));
        // 2024: 除夕 2/9 is not an official day off.
        assert!(cal.is_working_day(d("2024-02-09")));
    }

    #[test]
    fn import_file_errors_are_clear() {
        assert!(CalendarFile::parse("{").unwrap_err().contains("第 1 行"));
        // The notice as an office types it (issue 25 ¶6).
        let lines = "2027\n元旦 2027-01-01\n春节 2027-02-06 至 2027-02-12  # 七天\n调休上班 2027-02-14 2027-02-20\n";
        let file = CalendarFile::parse_any(lines).unwrap();
        let days = &file.special_days()[&2027];
        assert_eq!(days.iter().filter(|d| d.holiday.as_deref() == Some("春节")).count(), 7);
        assert_eq!(days.iter().filter(|d| d.holiday.is_none()).count(), 2);
        assert!(CalendarFile::parse_any("春节 2027-02-06 到 2027-02-31").unwrap_err().contains("第 1 行"));
        assert!(CalendarFile::parse_any("2027\n调休上班 2027-02-15").unwrap_err().contains("不是周六或周日"));
        assert!(
            CalendarFile::parse_any("元旦 2027-01-01\n春节 2027-03-01 至 2027-02-01").unwrap_err().contains("第 2 行")
        );
        assert!(CalendarFile::parse_any("春节").unwrap_err().contains("缺少日期"));
        let wrong_year = r#"{"years":{"2027":{"holidays":[{"name":"元旦","dates":["2026-01-01"]}]}}}"#;
        assert!(CalendarFile::parse(wrong_year).unwrap_err().contains("不属于 2027 年"));
        let weekday_makeup = r#"{"years":{"2027":{"holidays":[],"make_up_workdays":["2027-02-10"]}}}"#;
        assert!(CalendarFile::parse(weekday_makeup).unwrap_err().contains("不是周六或周日"));
    }

    /// What an import used to drop without a word: a year given twice, a
    /// misspelt key, a year with leading zeros, an impossible date, a
    /// year of 61 holidays. Each is refused naming the line; a BOM is fine.
    #[test]
    fn an_import_that_would_lose_days_is_refused() {
        let twice = "{\"years\":{\n\"2027\":{\"holidays\":[{\"name\":\"元旦\",\"dates\":[\"2027-01-01\"]}]},\n\"2027\":{\"holidays\":[]}}}";
        assert!(CalendarFile::parse(twice).unwrap_err().contains("年份 2027 出现了两次"));
        let padded = "{\"years\":{\n\"2027\":{\"holidays\":[]},\n\"02027\":{\"holidays\":[]}}}";
        let e = CalendarFile::parse(padded).unwrap_err();
        assert!(e.contains("第 3 行") && e.contains("02027"), "{e}");
        let misspelt = "{\"years\":{\"2027\":{\"holidays\":[],\n\"makeup_workday\":[\"2027-02-07\"]}}}";
        let e = CalendarFile::parse(misspelt).unwrap_err();
        assert!(e.contains("第 2 行") && e.contains("未知的字段") && e.contains("makeup_workday"), "{e}");
        let impossible = "{\"years\":{\"2027\":{\"holidays\":[{\"name\":\"春节\",\n\"dates\":[\"2027-02-30\"]}]}}}";
        let e = CalendarFile::parse(impossible).unwrap_err();
        assert!(e.contains("第 2 行") && e.contains("日期无效"), "{e}");
        let dates: Vec<String> =
            (0..61).map(|i| format!("\"{}\"", d("2027-03-01") + chrono::Duration::days(i))).collect();
        let many = format!(
            "{{\"years\":{{\"2027\":{{\"holidays\":[{{\"name\":\"假\",\"dates\":[{}]}}]}}}}}}",
            dates.join(",")
        );
        assert!(CalendarFile::parse(&many).unwrap_err().contains("61 个假日"));
        let repeated =
            "{\"years\":{\"2027\":{\"holidays\":[{\"name\":\"元旦\",\"dates\":[\"2027-01-01\",\n\"2027-01-01\"]}]}}}";
        assert!(CalendarFile::parse(repeated).unwrap_err().starts_with("第 1 行：2027-01-01 重复出现"));
        let bom = "\u{FEFF}{\"years\":{\"2027\":{\"holidays\":[{\"name\":\"元旦\",\"dates\":[\"2027-01-01\"]}]}}}";
        assert!(CalendarFile::parse(bom).is_ok());
    }

    #[test]
    fn set_year_replaces_a_year() {
        let mut cal = Calendar::builtin();
        let file = CalendarFile::parse(
            r#"{"source":"test","years":{"2027":{"holidays":[{"name":"元旦","dates":["2027-01-01"]}],"make_up_workdays":["2027-01-09"]}}}"#,
        )
        .unwrap();
        cal.load(&file);
        assert!(cal.has_year(2027));
        assert_eq!(cal.year_days(2027).len(), 2);
        assert_eq!(cal.kind(d("2027-01-09")), DayKind::MakeUpWorkday);
    }
}
