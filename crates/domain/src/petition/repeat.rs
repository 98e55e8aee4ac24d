//! Repeat petitions (重复信访): how likely an earlier petition is the same
//! matter as a new one, and which rules of the law then come into play.
//! Nothing here refuses anything: the flags are shown to a person, who
//! decides (the law's "不予受理" is a decision with reasons, not a filter).

use super::PetitionStatus;
use serde::Serialize;

/// Why an earlier petition is a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RepeatReason {
    /// The same petitioner (ID number, or name with phone or address).
    SamePerson,
    /// Much the same text from someone else (a copy, a co-signed letter).
    SimilarText,
    /// The same petitioner and similar text.
    Both,
}

impl RepeatReason {
    pub fn label(self) -> &'static str {
        match self {
            RepeatReason::SamePerson => "同一信访人",
            RepeatReason::SimilarText => "内容相似",
            RepeatReason::Both => "同一信访人且内容相似",
        }
    }
}

/// The estimated word-set similarity from which the same petitioner's
/// petition counts as "similar text" too.
pub const SIMILAR_TEXT: f64 = 0.3;
/// From this similarity a petition by someone else is a candidate at all.
pub const SHOWN_TEXT: f64 = 0.3;
/// A candidate whose score reaches this is a likely repeat.
pub const LIKELY: f64 = 0.5;

/// How an earlier petition compares with a new one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RepeatAssessment {
    /// 0 to 1; [`LIKELY`] and above: probably the same matter.
    pub score: f64,
    pub reason: RepeatReason,
    pub likely: bool,
}

/// Scores an earlier petition: `same_person` from the petitioners' ID
/// numbers, or names with phones or addresses, `similarity` the estimated Jaccard
/// similarity of the two texts' content words. `None`: not a candidate.
///
/// The same person writing again about the same matter rewords it, so a
/// modest overlap is enough (the score reaches [`LIKELY`] at a similarity
/// of 0.1); the same person on another matter shares little beyond
/// boiler-plate. Someone else's petition must be close to a copy (0.5).
pub fn assess(same_person: bool, similarity: f64) -> Option<RepeatAssessment> {
    let similarity = similarity.clamp(0.0, 1.0);
    let (score, reason) = if same_person {
        let reason = if similarity >= SIMILAR_TEXT { RepeatReason::Both } else { RepeatReason::SamePerson };
        ((0.4 + similarity).min(1.0), reason)
    } else if similarity >= SHOWN_TEXT {
        (similarity, RepeatReason::SimilarText)
    } else {
        return None;
    };
    Some(RepeatAssessment { score, reason, likely: score >= LIKELY })
}

/// A rule of the law that may apply to a repeat, for a person to decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepeatFlag {
    pub code: &'static str,
    pub article: &'static str,
    pub message: &'static str,
}

/// The flags for a likely repeat of an earlier case with status `status`,
/// now at a unit below the one registering the new petition (`below`), on
/// which a recheck opinion has (`rechecked`) been issued.
pub fn flags(status: PetitionStatus, below: bool, rechecked: bool) -> Vec<RepeatFlag> {
    let mut out = Vec::new();
    if below && matches!(status, PetitionStatus::Accepted | PetitionStatus::OpinionIssued) {
        out.push(RepeatFlag {
            code: "art19_same_matter_handled_below",
            article: "《信访工作条例》第十九条第三款",
            message: "同一信访事项已由下级受理、正在办理期限内，向上级提出的，上级不予受理（请工作人员核实后决定）",
        });
    }
    if rechecked {
        out.push(RepeatFlag {
            code: "art36_after_recheck",
            article: "《信访工作条例》第三十六条第三款",
            message: "该事项已出具复核意见；以同一事实和理由再次提出的，不再受理（请工作人员核实事实和理由是否相同后决定）",
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_person_needs_little_overlap_others_need_a_copy() {
        let a = assess(true, 0.15).expect("candidate");
        assert!(a.likely);
        assert_eq!(a.reason, RepeatReason::SamePerson);
        assert_eq!(assess(true, 0.6).map(|a| a.reason), Some(RepeatReason::Both));
        // The same person with nothing in common: shown, not likely.
        let b = assess(true, 0.0).expect("candidate");
        assert!(!b.likely);
        assert_eq!(assess(false, 0.2), None);
        assert!(!assess(false, 0.35).expect("candidate").likely);
        assert!(assess(false, 0.7).expect("candidate").likely);
    }

    /// Art. 19 ¶3: the same matter, accepted and still within handling at a
    /// lower level, is not accepted by the higher level.
    #[test]
    fn art19_3_flags_a_matter_still_handled_below() {
        assert_eq!(flags(PetitionStatus::Accepted, true, false)[0].code, "art19_same_matter_handled_below");
        assert!(flags(PetitionStatus::Accepted, false, false).is_empty());
        assert!(flags(PetitionStatus::Closed, true, false).is_empty());
    }

    /// Art. 36 ¶3: after a recheck opinion, the same facts and reasons are
    /// not accepted again.
    #[test]
    fn art36_3_flags_a_matter_after_recheck() {
        assert_eq!(flags(PetitionStatus::Closed, false, true)[0].code, "art36_after_recheck");
    }
}
