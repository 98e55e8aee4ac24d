//! Deadline clocks: a start date, a period in calendar or working days, paused
//! days, and the calendar. Every computed deadline carries its explanation in
//! Chinese, so a clerk can check it by hand.
//!
//! Counting follows legal-spec §3.3: the start day is not counted (民法典
//! Art. 201); a calendar-day period whose last day is a rest day ends on the
//! next working day (Art. 203, when the rule set says so); a working-day
//! period counts days that are not weekends or holidays, make-up working days
//! included.

use crate::calendar::Calendar;
use crate::petition::{ClockName, ClockRule};
use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// Whether a period counts calendar days (日) or working days (工作日);
/// legal-spec §3.3: the text's wording decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodUnit {
    CalendarDays,
    WorkingDays,
}

/// Who must act before a clock runs out: the office (its lateness is
/// 超期) or the petitioner (a window for a request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    Office,
    Petitioner,
}

/// A deadline of a case as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub clock: ClockName,
    /// The last day on which the step is on time.
    pub due: NaiveDate,
    pub holder: Holder,
    /// Computed over a year whose holidays are not loaded (Mon–Fri assumed).
    pub provisional: bool,
    /// Stopped for a hearing in progress (Art. 36 ¶2); `due` assumes the
    /// hearing ends today.
    pub paused: bool,
    /// Missing the date is a failure of duty (超期); otherwise the date only
    /// closes a window (an objection, a petitioner's request).
    pub duty: bool,
    pub explanation: String,
}

impl Deadline {
    /// The earliest date among `deadlines` that the office must meet (a
    /// duty, not paused): the date the workbench and the overdue filter use.
    pub fn next_office_due(deadlines: &[Deadline]) -> Option<NaiveDate> {
        deadlines.iter().filter(|d| d.is_duty()).map(|d| d.due).min()
    }

    /// A running office duty: one whose passing makes the case overdue.
    pub fn is_duty(&self) -> bool {
        self.holder == Holder::Office && self.duty && !self.paused
    }

    /// Has this duty's date passed?
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.is_duty() && self.due < today
    }
}

/// A period to count.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub days: u32,
    pub unit: PeriodUnit,
}

/// The result of counting a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub due: NaiveDate,
    pub provisional: bool,
    /// How it was counted, in Chinese, without the rule's name.
    pub explanation: String,
}

/// Counts `period` from `start` (not counted), adding `paused_days` to a
/// calendar-day period.
pub fn count(cal: &Calendar, start: NaiveDate, period: Period, paused_days: u32, roll_forward: bool) -> Counted {
    let (due, mut explanation) = match period.unit {
        PeriodUnit::CalendarDays => {
            let total = period.days + paused_days;
            let last = start.checked_add_days(Days::new(total.into())).unwrap_or(NaiveDate::MAX);
            let mut text = format!("{start} 起算（当日不计）{} 日", period.days);
            if paused_days > 0 {
                text.push_str(&format!("，另加不计入期限的 {paused_days} 日"));
            }
            text.push_str(&format!("，期间末日 {last}"));
            let mut due = last;
            if roll_forward && !cal.is_working_day(last) {
                due = next_working_day(cal, last);
                text.push_str(&format!("，该日为{}，顺延至下一工作日 {due}", cal.rest_reason(last)));
            }
            (due, text)
        }
        PeriodUnit::WorkingDays => {
            let due = add_working_days(cal, start, period.days);
            let text = format!(
                "{start} 起算（当日不计）{} 个工作日（不含周六、周日和法定节假日，调休上班日计入），末日 {due}",
                period.days
            );
            (due, text)
        }
    };
    let missing: Vec<i32> = (start.year()..=due.year()).filter(|y| !cal.has_year(*y)).collect();
    let provisional = !missing.is_empty();
    if provisional {
        let years: Vec<String> = missing.iter().map(|y| y.to_string()).collect();
        explanation.push_str(&format!(
            "。注意：{} 年节假日安排尚未导入，按周一至周五推算，此期限为临时结果",
            years.join("、")
        ));
    }
    Counted { due, provisional, explanation }
}

/// Computes a named clock from its rule.
pub fn deadline(
    cal: &Calendar,
    name: ClockName,
    rule: &ClockRule,
    start: NaiveDate,
    extra_days: u32,
    paused_days: u32,
    roll_forward: bool,
) -> Deadline {
    let period = Period { days: rule.days + extra_days, unit: rule.unit };
    let c = count(cal, start, period, paused_days, roll_forward);
    let mut explanation = format!("{}：{} {}", name.label(), rule.start, c.explanation);
    if extra_days > 0 {
        explanation = explanation.replacen(
            &format!("{} 日", rule.days + extra_days),
            &format!("{} 日（法定 {} 日，经批准延长 {extra_days} 日）", rule.days + extra_days, rule.days),
            1,
        );
    }
    explanation.push_str(&format!("。依据《信访工作条例》{}", rule.article));
    Deadline {
        clock: name,
        due: c.due,
        holder: rule.holder,
        provisional: c.provisional,
        paused: false,
        duty: rule.duty,
        explanation,
    }
}

/// The first working day after `day`.
pub fn next_working_day(cal: &Calendar, day: NaiveDate) -> NaiveDate {
    let mut d = day;
    loop {
        d = d.succ_opt().unwrap_or(NaiveDate::MAX);
        if d == NaiveDate::MAX || cal.is_working_day(d) {
            return d;
        }
    }
}

/// The `n`th working day after `start` (`start` itself not counted).
pub fn add_working_days(cal: &Calendar, start: NaiveDate, n: u32) -> NaiveDate {
    let mut d = start;
    for _ in 0..n {
        d = next_working_day(cal, d);
    }
    d
}

/// How many working days lie in (from, to].
pub fn working_days_between(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> u32 {
    from.iter_days().skip(1).take_while(|d| *d <= to).filter(|d| cal.is_working_day(*d)).count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn cal() -> Calendar {
        Calendar::builtin()
    }

    #[test]
    fn art34_sixty_days_from_acceptance_start_day_not_counted() {
        let c = count(&cal(), d("2026-02-01"), Period { days: 60, unit: PeriodUnit::CalendarDays }, 0, true);
        // 2026-02-01 + 60 = 2026-04-02, a Thursday and a working day.
        assert_eq!(c.due, d("2026-04-02"));
        assert!(!c.provisional);
        assert!(c.explanation.contains("2026-02-01 起算（当日不计）60 日"), "{}", c.explanation);
    }

    #[test]
    fn a_last_day_in_the_spring_festival_rolls_forward() {
        // 2026-02-01 + 15 = 2026-02-16, in the 春节 period (2/15–2/23): next working day 2/24.
        let c = count(&cal(), d("2026-02-01"), Period { days: 15, unit: PeriodUnit::CalendarDays }, 0, true);
        assert_eq!(c.due, d("2026-02-24"));
        assert!(c.explanation.contains("春节假期"), "{}", c.explanation);
        let no_roll = count(&cal(), d("2026-02-01"), Period { days: 15, unit: PeriodUnit::CalendarDays }, 0, false);
        assert_eq!(no_roll.due, d("2026-02-16"));
    }

    #[test]
    fn a_last_day_on_a_make_up_working_day_stays() {
        // 2026-02-13 + 15 = 2026-02-28, a Saturday worked in exchange (调休上班日).
        let c = count(&cal(), d("2026-02-13"), Period { days: 15, unit: PeriodUnit::CalendarDays }, 0, true);
        assert_eq!(c.due, d("2026-02-28"));
    }

    #[test]
    fn art23_five_working_days_over_national_day() {
        // Received Tue 2026-09-29: 9/30 (1), then 10/1–10/7 holiday, 10/8 (2), 10/9 (3),
        // 10/10 Saturday make-up (4), 10/12 (5).
        let c = count(&cal(), d("2026-09-29"), Period { days: 5, unit: PeriodUnit::WorkingDays }, 0, true);
        assert_eq!(c.due, d("2026-10-12"));
    }

    #[test]
    fn a_year_without_data_is_provisional() {
        let c = count(&cal(), d("2026-12-20"), Period { days: 30, unit: PeriodUnit::CalendarDays }, 0, true);
        assert!(c.provisional);
        assert!(c.explanation.contains("2027 年节假日安排尚未导入"), "{}", c.explanation);
        // 2026-12-20 + 30 = 2027-01-19 (Tuesday under the Mon–Fri fallback).
        assert_eq!(c.due, d("2027-01-19"));
    }

    #[test]
    fn art36_paused_hearing_days_are_added() {
        let c = count(&cal(), d("2026-03-02"), Period { days: 30, unit: PeriodUnit::CalendarDays }, 5, true);
        assert_eq!(c.due, d("2026-04-07")); // 4/6 is 清明 → 4/7
        assert!(c.explanation.contains("不计入期限的 5 日"));
    }

    fn date_2024_2026() -> impl Strategy<Value = NaiveDate> {
        (0i64..(365 * 3 - 120)).prop_map(|n| d("2024-01-01") + chrono::Duration::days(n))
    }

    proptest! {
        #[test]
        fn calendar_day_due_is_a_working_day(start in date_2024_2026(), days in 1u32..90) {
            let c = count(&cal(), start, Period { days, unit: PeriodUnit::CalendarDays }, 0, true);
            prop_assert!(cal().is_working_day(c.due));
            prop_assert!(c.due >= start + chrono::Duration::days(days.into()));
            // Nothing between the nominal last day and the due date is a working day.
            let last = start + chrono::Duration::days(days.into());
            prop_assert!(last.iter_days().take_while(|x| *x < c.due).all(|x| !cal().is_working_day(x)));
        }

        #[test]
        fn n_working_days_contain_exactly_n_working_days(start in date_2024_2026(), n in 1u32..40) {
            let c = count(&cal(), start, Period { days: n, unit: PeriodUnit::WorkingDays }, 0, true);
            prop_assert!(cal().is_working_day(c.due));
            prop_assert_eq!(working_days_between(&cal(), start, c.due), n);
        }

        #[test]
        fn longer_periods_never_end_earlier(start in date_2024_2026(), a in 1u32..60, b in 1u32..60) {
            let (lo, hi) = (a.min(b), a.max(b));
            for unit in [PeriodUnit::CalendarDays, PeriodUnit::WorkingDays] {
                let x = count(&cal(), start, Period { days: lo, unit }, 0, true).due;
                let y = count(&cal(), start, Period { days: hi, unit }, 0, true).due;
                prop_assert!(x <= y);
            }
        }
    }
}
