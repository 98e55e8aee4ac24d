//! The checks of a step that need no case state: its date is not in the
//! future, its texts are cleaned, present and within limits (every note
//! too), the extension within Art. 34.

use super::{Event, EventKind};
use crate::error::Invalid;
use crate::petition::input::text_field;
use crate::petition::rules::RuleSet;
use chrono::NaiveDate;

impl Event {
    /// Field checks that need no state: the date is not in the future, texts
    /// are present and within limits, the extension within Art. 34.
    pub fn validate(&mut self, today: NaiveDate, rules: &RuleSet) -> Result<(), Vec<Invalid>> {
        let mut errors = Vec::new();
        if self.on > today {
            errors.push(Invalid::new("on", "future_date", format!("日期不得晚于今天（{today}）")));
        }
        let text = |errors: &mut Vec<Invalid>, field: &str, label: &str, value: &mut String, max: usize| {
            let cleaned = text_field(errors, field, label, Some(value.as_str()), true, max);
            *value = cleaned;
        };
        match &mut self.kind {
            EventKind::Register { .. } => {
                errors.push(Invalid::new("type", "invalid_event_type", "登记事件由登记接口产生，不能单独提交"));
            }
            EventKind::Decline { reason, .. } | EventKind::Objection { reason } => {
                text(&mut errors, "reason", "理由", reason, 2_000)
            }
            // The approver is the leader who records it; the days and the
            // reason are the request's.
            EventKind::Extend { days, approver, reason }
                if days.is_some() || approver.is_some() || reason.is_some() =>
            {
                errors.push(Invalid::new(
                    "type",
                    "art34_extension_needs_request",
                    "延期由承办单位申请（extend_request，填写天数和理由），本单位负责人批准（extend，只填日期）（第三十四条）",
                ));
            }
            EventKind::ExtendRequest { days, reason } => {
                text(&mut errors, "reason", "延期理由", reason, 2_000);
                if *days == 0 || *days > rules.max_extension_days {
                    errors.push(Invalid::new(
                        "days",
                        "art34_extension_too_long",
                        format!("延长期限应为 1 至 {} 日（《信访工作条例》第三十四条）", rules.max_extension_days),
                    ));
                }
            }
            EventKind::Opinion { basis, .. }
            | EventKind::ReviewOpinion { basis, .. }
            | EventKind::RecheckOpinion { basis, .. } => text(&mut errors, "basis", "事实和依据", basis, 20_000),
            EventKind::AssignHandler { user } => {
                *user = user.trim().to_string();
                if user.is_empty() || user.chars().count() > 64 {
                    errors.push(Invalid::new("user", "required", "须指明承办人的用户名"));
                }
            }
            EventKind::Transfer { to, .. } | EventKind::Assign { to, .. } => {
                *to = to.trim().to_string();
                if to.is_empty() {
                    errors.push(Invalid::new("to", "required", "须指明转送（交办）的单位代码"));
                } else if to.chars().count() > 64 {
                    errors.push(Invalid::new("to", "too_long", "单位代码不得超过 64 个字符"));
                }
            }
            _ => {}
        }
        // Every optional note is cleaned and bounded like the required
        // texts: no field stores NUL, a bidirectional override or a novel.
        let note = match &mut self.kind {
            EventKind::Transfer { note, .. }
            | EventKind::Assign { note, .. }
            | EventKind::Accept { note }
            | EventKind::HearingStart { note }
            | EventKind::HearingEnd { note }
            | EventKind::ReviewRequest { note }
            | EventKind::RecheckRequest { note }
            | EventKind::Close { note, .. } => Some(("note", "备注", note, 2_000)),
            EventKind::Serve { method } => Some(("method", "送达方式", method, 100)),
            EventKind::Evaluate { comment, .. } => Some(("comment", "评价意见", comment, 2_000)),
            _ => None,
        };
        if let Some((field, label, value, max)) = note
            && let Some(raw) = value.take()
        {
            let cleaned = text_field(&mut errors, field, label, Some(&raw), false, max);
            *value = Some(cleaned).filter(|c| !c.is_empty());
        }
        if let EventKind::Assign { due, .. } = &self.kind
            && *due <= self.on
        {
            errors.push(Invalid::new("due", "invalid_date", "交办的办理期限应晚于交办日期"));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}
