//! The handling steps (Arts. 32–34): extension, hearings, the written
//! opinion and its service, and closing.

use super::*;

impl CaseState {
    /// An extension of the handling period, Art. 34: at most 30 days in all, approved before the period ends.
    fn check_extension(&self, days: u32, ctx: &Ctx<'_>, on: NaiveDate) -> Result<(), RuleViolation> {
        self.expect(&[PetitionStatus::Accepted], "延长办理期限", "（第三十四条）")?;
        if self.class != PetitionClass::Appeal {
            return refuse("art34_no_period", "第三十四条的办理期限仅适用于申诉求决类事项，此类事项无需延期");
        }
        if self.extension_days + days > ctx.rules.max_extension_days {
            return refuse(
                "art34_extension_too_long",
                format!(
                    "延长期限累计不得超过 {} 日（第三十四条），已延长 {} 日",
                    ctx.rules.max_extension_days, self.extension_days
                ),
            );
        }
        if let Some(due) = self.due_of(ctx, ClockName::Handle)
            && on > due
        {
            return refuse(
                "art34_extension_after_due",
                format!("办理期限已于 {due} 届满，延期须在期限届满前批准（第三十四条）"),
            );
        }
        Ok(())
    }

    /// The unit handling the case asks for an extension (Art. 34): held to
    /// the rules of the extension itself, it waits for a leader's approval.
    pub(super) fn request_extension(
        &mut self,
        days: u32,
        reason: &str,
        ctx: &Ctx<'_>,
        on: NaiveDate,
    ) -> Result<(), RuleViolation> {
        if let Some(r) = &self.extension_request {
            return refuse(
                "art34_request_pending",
                format!("{} 申请的延期（{} 日）尚待负责人批准（第三十四条）", r.on, r.days),
            );
        }
        self.check_extension(days, ctx, on)?;
        self.extension_request = Some(ExtensionRequest { days, reason: reason.to_string(), on });
        Ok(())
    }

    /// A leader of the unit approves the pending request (Art. 34). A step
    /// recorded before requests existed names its days itself.
    pub(super) fn approve_extension(
        &mut self,
        days: Option<u32>,
        ctx: &Ctx<'_>,
        on: NaiveDate,
    ) -> Result<(), RuleViolation> {
        let days = match (days, &self.extension_request) {
            (Some(days), _) => days,
            (None, Some(r)) => r.days,
            (None, None) => {
                return refuse(
                    "art34_no_request",
                    "没有待批准的延期申请：延期须先由承办单位申请，再由本单位负责人批准（第三十四条）",
                );
            }
        };
        self.check_extension(days, ctx, on)?;
        self.extension_days += days;
        self.extension_request = None;
        Ok(())
    }

    /// A hearing (听证) begins, Arts. 31(6) and 36 ¶2.
    pub(super) fn start_hearing(&mut self, on: NaiveDate) -> Result<(), RuleViolation> {
        self.expect(
            &[PetitionStatus::Accepted, PetitionStatus::RecheckRequested],
            "举行听证",
            "（第三十一条第六项、第三十六条第二款）",
        )?;
        if self.open_hearing().is_some() {
            return refuse("hearing_open", "已有听证正在进行，须先记录听证结束");
        }
        let stage = if self.status == PetitionStatus::Accepted { Stage::Handling } else { Stage::Recheck };
        self.hearings.push(Hearing { stage, start: on, end: None });
        Ok(())
    }

    /// The hearing in progress ends.
    pub(super) fn end_hearing(&mut self, on: NaiveDate) -> Result<(), RuleViolation> {
        let Some(h) = self.hearings.iter_mut().find(|h| h.end.is_none()) else {
            return refuse("no_hearing_open", "没有正在进行的听证");
        };
        h.end = Some(on);
        Ok(())
    }

    /// The written opinion (处理意见书), Art. 32.
    pub(super) fn issue_opinion(
        &mut self,
        decision: Decision,
        basis: &str,
        on: NaiveDate,
    ) -> Result<(), RuleViolation> {
        self.expect(&[PetitionStatus::Accepted], "出具处理意见书", "（第三十二条）")?;
        self.no_open_hearing()?;
        self.opinion = Some(Opinion { decision, basis: basis.to_string(), issued_on: on, served_on: None });
        self.status = PetitionStatus::OpinionIssued;
        Ok(())
    }

    /// Service of the written opinion, review opinion or recheck opinion waiting to be served.
    pub(super) fn serve(&mut self, on: NaiveDate) -> Result<(), RuleViolation> {
        let target = match self.status {
            PetitionStatus::OpinionIssued => self.opinion.as_mut(),
            PetitionStatus::Reviewed => self.review.as_mut().and_then(|r| r.opinion.as_mut()),
            PetitionStatus::Rechecked => self.recheck.as_mut().and_then(|r| r.opinion.as_mut()),
            _ => None,
        };
        match target {
            Some(o) if o.served_on.is_none() => {
                o.served_on = Some(on);
                if self.status == PetitionStatus::OpinionIssued {
                    self.status = PetitionStatus::Served;
                }
                Ok(())
            }
            Some(_) => refuse("already_served", "该书面意见已送达"),
            None => refuse("nothing_to_serve", format!("当前状态为“{}”，没有待送达的书面意见", self.status.label())),
        }
    }

    /// Closing the case (办结), for the reason its stage allows.
    pub(super) fn close(&mut self, reason: Option<CloseReason>, on: NaiveDate) -> Result<(), RuleViolation> {
        let default = match self.status {
            PetitionStatus::Served => CloseReason::Concluded,
            PetitionStatus::Reviewed => CloseReason::ReviewFinal,
            PetitionStatus::Rechecked => CloseReason::RecheckFinal,
            _ => CloseReason::Withdrawn,
        };
        let reason = reason.unwrap_or(default);
        let allowed = match reason {
            CloseReason::Withdrawn => true,
            CloseReason::Mediated => self.status == PetitionStatus::Accepted,
            CloseReason::RoutedOut => false,
            other => other == default,
        };
        if !allowed {
            return refuse(
                "close_reason_not_allowed",
                format!("当前状态为“{}”，不能以“{}”办结", self.status.label(), reason.label()),
            );
        }
        self.no_open_hearing()?;
        self.status = PetitionStatus::Closed;
        self.closed = Some(Closure { on, reason });
        Ok(())
    }
}
