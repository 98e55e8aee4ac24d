//! The disputes module (矛盾纠纷排查化解, ledgers-spec §2.C): a dispute is a
//! matter between parties — never a file on a person — registered from a
//! sweep, a petition, an application or a referral, assigned, mediated,
//! settled by an agreement (人民调解法 Arts. 28–31) whose judicial
//! confirmation window runs 30 days from its effect (Art. 33; 民事诉讼法
//! Art. 205, the last day rolled past a rest day per Art. 85), and resolved,
//! referred, terminated or closed. Its words are in [`vocab`], the steps
//! and their rules in [`procedure`].

pub mod procedure;
#[cfg(test)]
mod procedure_tests;
pub mod vocab;

pub use procedure::{DisputeClock, DisputeEvent, DisputeState, StepKind};
pub use vocab::*;

use crate::error::Invalid;
use crate::ids::{IdNumber, Phone};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A party as the API takes it. Only a party's name is required; the
/// numbers are checked, then kept encrypted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyInput {
    pub role: PartyRole,
    #[serde(default = "natural")]
    pub kind: PartyKind,
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
}

fn natural() -> PartyKind {
    PartyKind::Person
}

/// A dispute to register, as the API takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisputeInput {
    /// The registering unit's code.
    pub unit: String,
    pub source: Source,
    /// The petition it comes from (source `petition`), by id.
    #[serde(default)]
    pub petition_id: Option<i64>,
    /// The date it was found or received.
    pub found_on: NaiveDate,
    pub category: DisputeCategory,
    /// Where it happens (村组、小区、工地…).
    pub place: String,
    /// 简要情况.
    pub summary: String,
    /// What the parties ask for.
    #[serde(default)]
    pub claims: String,
    pub parties: Vec<PartyInput>,
    #[serde(default)]
    pub people_involved: Option<u32>,
    /// The amount in dispute, in yuan.
    #[serde(default)]
    pub amount_yuan: Option<f64>,
    pub risk: Risk,
    /// Why the matter carries that risk (required above 一般).
    #[serde(default)]
    pub risk_reason: String,
}

/// A party checked: the numbers normalized, ready to be sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    pub role: PartyRole,
    pub kind: PartyKind,
    pub name: String,
    pub address: String,
    pub phone: Option<Phone>,
    pub id_number: Option<IdNumber>,
}

/// A dispute checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDispute {
    pub input: DisputeInput,
    pub parties: Vec<Party>,
    /// The amount in fen (分).
    pub amount_fen: Option<i64>,
}

/// Longest free texts.
const SHORT: usize = 200;
const LONG: usize = 5000;

fn text(field: &str, value: &str, max: usize, required: bool, errors: &mut Vec<Invalid>) {
    let n = value.trim().chars().count();
    if required && n == 0 {
        errors.push(Invalid::new(field, "required", "此项必填"));
    } else if n > max {
        errors.push(Invalid::new(field, "too_long", format!("不超过 {max} 字")));
    }
}

impl NewDispute {
    /// Checks a registration on `today`: every error at once, each with its
    /// field.
    pub fn parse(input: &DisputeInput, today: NaiveDate) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        text("place", &input.place, SHORT, true, &mut errors);
        text("summary", &input.summary, LONG, true, &mut errors);
        text("claims", &input.claims, LONG, false, &mut errors);
        text("risk_reason", &input.risk_reason, SHORT * 5, input.risk != Risk::Ordinary, &mut errors);
        if input.found_on > today {
            errors.push(Invalid::new("found_on", "in_future", "日期不能晚于今天"));
        }
        if input.source == Source::Petition && input.petition_id.is_none() {
            errors.push(Invalid::new("petition_id", "required", "来自信访事项的纠纷须注明该信访事项"));
        }
        let amount_fen = match input.amount_yuan {
            Some(y) if !(0.0..=1e11).contains(&y) || !y.is_finite() => {
                errors.push(Invalid::new("amount_yuan", "out_of_range", "争议金额应为 0 至 1000 亿元"));
                None
            }
            Some(y) => Some((y * 100.0).round() as i64),
            None => None,
        };
        if input.people_involved.is_some_and(|n| n == 0 || n > 100_000) {
            errors.push(Invalid::new("people_involved", "out_of_range", "涉及人数应为 1 至 100000"));
        }
        if input.parties.len() < 2 && input.category != DisputeCategory::WageArrears {
            errors.push(Invalid::new("parties", "too_few", "纠纷至少有两方当事人"));
        }
        if input.parties.is_empty() || input.parties.len() > 50 {
            errors.push(Invalid::new("parties", "count", "当事人应为 1 至 50 方"));
        }
        let mut parties = Vec::with_capacity(input.parties.len());
        for (i, p) in input.parties.iter().enumerate() {
            let f = |name: &str| format!("parties[{i}].{name}");
            text(&f("name"), &p.name, 100, true, &mut errors);
            text(&f("address"), &p.address, SHORT, false, &mut errors);
            let phone = match p.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => Phone::parse(&f("phone"), s).map_err(|e| errors.push(e)).ok(),
                None => None,
            };
            let id_number = match p.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(s) => IdNumber::parse(&f("id_number"), s).map_err(|e| errors.push(e)).ok(),
                None => None,
            };
            parties.push(Party {
                role: p.role,
                kind: p.kind,
                name: p.name.trim().to_string(),
                address: p.address.trim().to_string(),
                phone,
                id_number,
            });
        }
        if errors.is_empty() { Ok(NewDispute { input: input.clone(), parties, amount_fen }) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn input() -> DisputeInput {
        DisputeInput {
            unit: "T1".into(),
            source: Source::Application,
            petition_id: None,
            found_on: NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
            category: DisputeCategory::Neighbour,
            place: "一号村3组".into(),
            summary: "宅基地边界争执".into(),
            claims: "拆除越界围墙".into(),
            parties: vec![
                PartyInput {
                    role: PartyRole::Applicant,
                    kind: PartyKind::Person,
                    name: "甲".into(),
                    address: String::new(),
                    phone: Some("13800138000".into()),
                    id_number: None,
                },
                PartyInput {
                    role: PartyRole::Respondent,
                    kind: PartyKind::Person,
                    name: "乙".into(),
                    address: String::new(),
                    phone: None,
                    id_number: None,
                },
            ],
            people_involved: Some(2),
            amount_yuan: Some(1200.5),
            risk: Risk::Ordinary,
            risk_reason: String::new(),
        }
    }

    #[test]
    fn a_registration_is_checked_whole() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 3).expect("date");
        let d = NewDispute::parse(&input(), today).expect("valid");
        assert_eq!(d.amount_fen, Some(120_050));
        let mut bad = input();
        bad.place = String::new();
        bad.risk = Risk::Major;
        bad.parties[0].phone = Some("123".into());
        bad.parties.truncate(1);
        let errors = NewDispute::parse(&bad, today).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["place", "risk_reason", "parties", "parties[0].phone"]);
    }
}
