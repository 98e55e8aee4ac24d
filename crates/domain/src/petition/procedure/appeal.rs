//! The petitioner's remedies (Arts. 21, 35, 36): review and recheck, their
//! opinions, and the evaluation of a served reply.

use super::*;

impl CaseState {
    /// A request for review (复查), Art. 35: within 30 days of the written reply, to the unit above.
    pub(super) fn request_review(&mut self, ctx: &Ctx<'_>, on: NaiveDate) -> Result<(), RuleViolation> {
        self.appeal_class("复查", "第三十五条")?;
        let closed_ok =
            self.closed.as_ref().is_some_and(|c| c.reason == CloseReason::Concluded) && self.review.is_none();
        if self.status != PetitionStatus::Served && !closed_ok {
            self.expect(&[PetitionStatus::Served], "申请复查", "（第三十五条：自收到书面答复之日起30日内）")?;
        }
        let due = self.due_of(ctx, ClockName::ReviewRequest);
        if let Some(due) = due.filter(|due| on > *due) {
            return refuse(
                "art35_review_request_late",
                format!("复查申请须自收到书面答复之日起 30 日内提出（第三十五条），期限已于 {due} 届满"),
            );
        }
        let unit = ctx.higher_unit.unwrap_or(&self.unit).to_string();
        self.review = Some(Appeal { requested_on: on, unit: unit.clone(), opinion: None });
        self.unit = unit;
        self.closed = None;
        self.status = PetitionStatus::ReviewRequested;
        Ok(())
    }

    /// The review opinion, Art. 35.
    pub(super) fn issue_review_opinion(
        &mut self,
        decision: Decision,
        basis: &str,
        on: NaiveDate,
    ) -> Result<(), RuleViolation> {
        self.expect(&[PetitionStatus::ReviewRequested], "出具复查意见", "（第三十五条）")?;
        self.no_open_hearing()?;
        if let Some(r) = self.review.as_mut() {
            r.opinion = Some(Opinion { decision, basis: basis.to_string(), issued_on: on, served_on: None });
        }
        self.status = PetitionStatus::Reviewed;
        Ok(())
    }

    /// A request for recheck (复核), Art. 36 ¶1: within 30 days of the review opinion, to the unit above.
    pub(super) fn request_recheck(&mut self, ctx: &Ctx<'_>, on: NaiveDate) -> Result<(), RuleViolation> {
        self.appeal_class("复核", "第三十六条")?;
        let closed_ok =
            self.closed.as_ref().is_some_and(|c| c.reason == CloseReason::ReviewFinal) && self.recheck.is_none();
        if self.status != PetitionStatus::Reviewed && !closed_ok {
            self.expect(
                &[PetitionStatus::Reviewed],
                "申请复核",
                "（第三十六条第一款：对复查意见不服的，自收到书面答复之日起30日内）",
            )?;
        }
        if let Some(due) = self.due_of(ctx, ClockName::RecheckRequest).filter(|due| on > *due) {
            return refuse(
                "art36_recheck_request_late",
                format!("复核申请须自收到复查意见之日起 30 日内提出（第三十六条第一款），期限已于 {due} 届满"),
            );
        }
        let unit = ctx.higher_unit.unwrap_or(&self.unit).to_string();
        self.recheck = Some(Appeal { requested_on: on, unit: unit.clone(), opinion: None });
        self.unit = unit;
        self.closed = None;
        self.status = PetitionStatus::RecheckRequested;
        Ok(())
    }

    /// The recheck opinion, Art. 36: final.
    pub(super) fn issue_recheck_opinion(
        &mut self,
        decision: Decision,
        basis: &str,
        on: NaiveDate,
    ) -> Result<(), RuleViolation> {
        self.expect(&[PetitionStatus::RecheckRequested], "出具复核意见", "（第三十六条）")?;
        self.no_open_hearing()?;
        if let Some(r) = self.recheck.as_mut() {
            r.opinion = Some(Opinion { decision, basis: basis.to_string(), issued_on: on, served_on: None });
        }
        self.status = PetitionStatus::Rechecked;
        Ok(())
    }

    /// The petitioner's evaluation (满意度) of a served reply, Art. 21: once per reply.
    pub(super) fn evaluate(&mut self, value: Evaluation, on: NaiveDate) -> Result<(), RuleViolation> {
        let stage = if self.recheck.as_ref().is_some_and(|r| r.opinion.is_some()) {
            Stage::Recheck
        } else if self.review.as_ref().is_some_and(|r| r.opinion.is_some()) {
            Stage::Review
        } else if self.opinion.as_ref().is_some_and(|o| o.served_on.is_some()) {
            Stage::Handling
        } else {
            return refuse("nothing_to_evaluate", "书面答复送达后方可评价（第二十一条）");
        };
        if self.evaluations.iter().any(|e| e.stage == stage) {
            return refuse("already_evaluated", "对本次书面答复已作过评价");
        }
        self.evaluations.push(Evaluated { stage, value, on });
        Ok(())
    }
}
