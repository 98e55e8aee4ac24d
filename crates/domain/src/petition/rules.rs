//! The rule set as data: every period of the procedure with its unit, its
//! holder and its article. The national 2022 rules ship with the product
//! (`data/rules/cn-national-2022.json`); a province that differs gets a file
//! of its own, keyed by jurisdiction and effective date (legal-spec §2.1).

use super::ClockName;
use crate::clock::{Holder, PeriodUnit};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const NATIONAL_2022_JSON: &str = include_str!("../../../../data/rules/cn-national-2022.json");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockRule {
    pub days: u32,
    pub unit: PeriodUnit,
    pub holder: Holder,
    /// The article, in Chinese (e.g. 第三十四条).
    pub article: String,
    /// What the start date is, in Chinese (e.g. 受理之日).
    pub start: String,
    /// Is acting before the date a duty (late is 超期), or only a window
    /// that closes (the objection of Art. 23 ¶3, the petitioner's requests)?
    #[serde(default = "duty_by_default")]
    pub duty: bool,
}

fn duty_by_default() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    pub id: String,
    pub name: String,
    pub jurisdiction: String,
    pub effective_from: NaiveDate,
    /// Move a calendar-day period's last day to the next working day when it
    /// is a rest day (民法典 Art. 203 by analogy, legal-spec §3.3 item 3).
    pub roll_forward_to_working_day: bool,
    /// Art. 34: an extension of no more than 30 days.
    pub max_extension_days: u32,
    /// Art. 20 ¶3: no more than 5 representatives.
    pub max_representatives: usize,
    pub clocks: BTreeMap<ClockName, ClockRule>,
}

impl RuleSet {
    /// The 2022 national rules.
    pub fn national_2022() -> Self {
        Self::parse(NATIONAL_2022_JSON).unwrap_or_else(|e| panic!("built-in rule set is broken: {e}"))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let rules: RuleSet = serde_json::from_str(text).map_err(|e| format!("规则集格式错误：{e}"))?;
        for name in [
            ClockName::Acknowledge,
            ClockName::Objection,
            ClockName::Handle,
            ClockName::ReviewRequest,
            ClockName::Review,
            ClockName::RecheckRequest,
            ClockName::Recheck,
        ] {
            if !rules.clocks.contains_key(&name) {
                return Err(format!("规则集缺少期限 {name}"));
            }
        }
        Ok(rules)
    }

    /// The rule of a clock. Every clock but `assigned` (whose date the
    /// assigning body sets) is present, as `parse` checks.
    pub fn clock(&self, name: ClockName) -> &ClockRule {
        static FALLBACK: std::sync::OnceLock<ClockRule> = std::sync::OnceLock::new();
        self.clocks.get(&name).unwrap_or_else(|| {
            FALLBACK.get_or_init(|| ClockRule {
                days: 0,
                unit: PeriodUnit::CalendarDays,
                holder: Holder::Office,
                article: "第二十二条第一款第三项".into(),
                start: "交办之日".into(),
                duty: true,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_rules_follow_the_2022_text() {
        let r = RuleSet::national_2022();
        assert_eq!(r.clock(ClockName::Acknowledge).days, 15); // Art. 22 ¶1
        assert_eq!(r.clock(ClockName::Objection).unit, PeriodUnit::WorkingDays); // Art. 23 ¶3
        assert_eq!(r.clock(ClockName::Objection).days, 5);
        assert_eq!(r.clock(ClockName::Handle).days, 60); // Art. 34
        assert_eq!(r.max_extension_days, 30); // Art. 34
        assert_eq!(r.clock(ClockName::ReviewRequest).holder, Holder::Petitioner); // Art. 35
        assert_eq!(r.clock(ClockName::Recheck).days, 30); // Art. 36
        assert_eq!(r.max_representatives, 5); // Art. 20 ¶3
    }

    #[test]
    fn a_rule_set_missing_a_clock_is_refused() {
        let broken = NATIONAL_2022_JSON.replace("\"recheck\":", "\"recheck_x\":");
        assert!(RuleSet::parse(&broken).is_err());
    }
}
