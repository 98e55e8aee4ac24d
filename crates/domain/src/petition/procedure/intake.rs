//! The intake steps (Arts. 22–23, 31): transfer and assignment, the
//! objection to a wrong transfer, acceptance, and routing an appeal out.

use super::*;

impl CaseState {
    /// Transfer (转送) or assignment (交办) to another unit, Art. 22.
    pub(super) fn route_to(&mut self, event: &Event, to: &str) -> Result<(), RuleViolation> {
        let what = if matches!(event.kind, EventKind::Transfer { .. }) { "转送" } else { "交办" };
        self.expect(&[PetitionStatus::Registered], what, "（第二十二条）")?;
        if *to == self.unit {
            return refuse("transfer_to_self", format!("不能{what}给本单位"));
        }
        let (route, due) = match &event.kind {
            EventKind::Assign { due, .. } => (IntakeRoute::Assigned, Some(*due)),
            _ => (IntakeRoute::Transferred, None),
        };
        self.intake = Intake { route, from: Some(self.unit.clone()), on: event.on, assigned_due: due };
        self.unit = to.to_string();
        Ok(())
    }

    /// The receiving unit's objection to a wrong transfer, Art. 23 ¶3: back to the unit it came from, within 5 working days.
    pub(super) fn object(&mut self, ctx: &Ctx<'_>, on: NaiveDate) -> Result<(), RuleViolation> {
        self.expect(&[PetitionStatus::Registered], "提出异议", "（第二十三条第三款）")?;
        let Some(from) = self
            .intake
            .from
            .clone()
            .filter(|_| matches!(self.intake.route, IntakeRoute::Transferred | IntakeRoute::Assigned))
        else {
            return refuse(
                "art23_objection_not_transferred",
                "只有收到转送、交办的事项才能提出异议（第二十三条第三款）",
            );
        };
        if let Some(due) = self.due_of(ctx, ClockName::Objection)
            && on > due
        {
            return refuse(
                "art23_objection_late",
                format!("异议须在收到之日起 5 个工作日内提出（第二十三条第三款），期限已于 {due} 届满"),
            );
        }
        self.intake = Intake { route: IntakeRoute::Returned, from: Some(self.unit.clone()), on, assigned_due: None };
        self.unit = from;
        Ok(())
    }

    /// Acceptance (受理), Arts. 22–23.
    pub(super) fn accept(&mut self, on: NaiveDate) -> Result<(), RuleViolation> {
        self.expect(&[PetitionStatus::Registered], "受理", "（第二十二条、第二十三条）")?;
        self.status = PetitionStatus::Accepted;
        self.accepted_on = Some(on);
        Ok(())
    }

    /// Routing an appeal out to another lawful procedure, Art. 31(1)–(5).
    pub(super) fn decline(&mut self, route: DeclineRoute, on: NaiveDate) -> Result<(), RuleViolation> {
        self.expect(&[PetitionStatus::Registered], "不予受理", "（第三十一条）")?;
        if self.class != PetitionClass::Appeal {
            return refuse(
                "art31_decline_only_appeals",
                "导入其他法定程序仅适用于申诉求决类事项（第三十一条第一项至第五项）",
            );
        }
        self.declined = Some(route);
        self.status = PetitionStatus::Closed;
        self.closed = Some(Closure { on, reason: CloseReason::RoutedOut });
        Ok(())
    }
}
