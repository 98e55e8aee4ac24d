//! Where a petition's materials may go. Art. 30 ¶3: report materials
//! (检举控告) are never disclosed or passed to the people or units reported
//! on; here, never to the unit reported on nor any unit below it.

use super::PetitionClass;
use crate::error::RuleViolation;
use crate::org::UnitPlace;

/// Art. 30 ¶3: may a petition of `class`, naming `respondent` as the unit
/// reported on, be at `target` (registered, transferred or assigned there)?
pub fn check_not_respondent(
    class: PetitionClass,
    target: UnitPlace<'_>,
    respondent: Option<UnitPlace<'_>>,
) -> Result<(), RuleViolation> {
    match respondent {
        Some(r) if class == PetitionClass::Report && r.contains(&target) => Err(RuleViolation::new(
            "art30_report_to_respondent",
            format!(
                "检举控告材料不得透露或者转给被检举、揭发的单位（《信访工作条例》第三十条第三款）：{} 属于被反映单位 {}",
                target.name, r.name
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNTY: UnitPlace<'static> = UnitPlace { path: "/1/", name: "县信访局" };
    const BUREAU: UnitPlace<'static> = UnitPlace { path: "/1/2/", name: "住建局" };
    const OFFICE: UnitPlace<'static> = UnitPlace { path: "/1/2/3/", name: "住建局执法大队" };
    const OTHER: UnitPlace<'static> = UnitPlace { path: "/1/20/", name: "人社局" };

    #[test]
    fn art30_p3_a_report_never_goes_to_the_unit_reported_on_nor_below_it() {
        for target in [BUREAU, OFFICE] {
            let e = check_not_respondent(PetitionClass::Report, target, Some(BUREAU)).unwrap_err();
            assert_eq!(e.code, "art30_report_to_respondent");
            assert!(e.message.contains("第三十条第三款") && e.message.contains("被反映单位 住建局"), "{}", e.message);
        }
    }

    #[test]
    fn art30_p3_a_report_may_go_above_or_beside_the_unit_reported_on() {
        for target in [COUNTY, OTHER] {
            assert!(check_not_respondent(PetitionClass::Report, target, Some(BUREAU)).is_ok());
        }
        assert!(check_not_respondent(PetitionClass::Report, BUREAU, None).is_ok());
    }

    #[test]
    fn art30_p3_binds_reports_only() {
        for class in [PetitionClass::Suggestion, PetitionClass::Appeal] {
            assert!(check_not_respondent(class, BUREAU, Some(BUREAU)).is_ok());
        }
    }
}
