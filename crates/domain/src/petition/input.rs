//! Registering a petition (登记, Arts. 19–23): the input as it arrives, and
//! [`NewPetition`], the same input once every field has been checked. All
//! field errors are collected, so a form can show each next to its field.

use super::rules::RuleSet;
use super::vocab::{Channel, PetitionClass};
use crate::error::Invalid;
use crate::ids::{IdNumber, Phone, UnitCode};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use xinfang_text::{char_len, clean, clean_line};

pub const MAX_NAME: usize = 50;
pub const MAX_ADDRESS: usize = 200;
pub const MAX_SUBJECT: usize = 100;
pub const MAX_REQUEST: usize = 5_000;
pub const MAX_LONG_TEXT: usize = 20_000;
pub const MAX_PETITIONERS: usize = 50;
pub const EARLIEST_DATE: &str = "2000-01-01";

/// A registration as submitted (JSON body or form). Strings are parsed here,
/// not by serde, so each error names its field in Chinese.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PetitionInput {
    pub channel: String,
    pub received_on: String,
    pub unit: String,
    pub class: String,
    #[serde(default)]
    pub petitioners: Vec<PetitionerInput>,
    #[serde(default)]
    pub collective: Option<CollectiveInput>,
    #[serde(default)]
    pub subject: Option<String>,
    pub request: String,
    #[serde(default)]
    pub facts: Option<String>,
    #[serde(default)]
    pub reasons: Option<String>,
    /// For a report (检举控告): the unit reported on, which must never see it
    /// (Art. 30 ¶3).
    #[serde(default)]
    pub respondent_unit: Option<String>,
    /// 内容分类: a code of the shipped list (`GET /api/v1/content-categories`);
    /// 未分类 (`00`) when not given.
    #[serde(default)]
    pub content_category: Option<String>,
    /// 问题属地: the unit of the tree where the problem is.
    #[serde(default)]
    pub problem_unit: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PetitionerInput {
    pub name: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CollectiveInput {
    pub persons: i64,
    #[serde(default)]
    pub representatives: Vec<i64>,
}

/// A checked registration.
#[derive(Debug, Clone)]
pub struct NewPetition {
    pub channel: Channel,
    pub received_on: NaiveDate,
    pub unit: UnitCode,
    pub class: PetitionClass,
    pub petitioners: Vec<NewPetitioner>,
    pub collective: Option<Collective>,
    pub subject: String,
    pub request: String,
    pub facts: String,
    pub reasons: String,
    pub respondent_unit: Option<UnitCode>,
    /// A code of [`super::category`]'s list.
    pub content_category: String,
    pub problem_unit: Option<UnitCode>,
}

#[derive(Debug, Clone)]
pub struct NewPetitioner {
    pub name: String,
    pub address: String,
    pub phone: Option<Phone>,
    pub id_number: Option<IdNumber>,
    pub representative: bool,
}

/// A collective visit (Art. 20 ¶3): how many came, and who represents them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collective {
    pub persons: u32,
    pub representatives: usize,
}

/// Parses a date of the form YYYY-MM-DD that is not in the future and not
/// before 2000.
pub fn parse_past_date(field: &str, raw: &str, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| Invalid::new(field, "invalid_date", "日期格式应为 YYYY-MM-DD，且须是存在的日期"))?;
    let earliest: NaiveDate = EARLIEST_DATE.parse().unwrap_or(NaiveDate::MIN);
    if d < earliest {
        return Err(Invalid::new(field, "invalid_date", "日期不得早于 2000-01-01"));
    }
    if d > today {
        return Err(Invalid::new(field, "future_date", format!("日期不得晚于今天（{today}）")));
    }
    Ok(d)
}

/// Checks a free-text field: cleaned, within `max` characters, and present
/// when `required`.
pub fn text_field(
    errors: &mut Vec<Invalid>,
    field: &str,
    label: &str,
    raw: Option<&str>,
    required: bool,
    max: usize,
) -> String {
    let value = clean(raw.unwrap_or(""));
    if required && value.is_empty() {
        errors.push(Invalid::new(field, "required", format!("{label}不能为空")));
    } else if char_len(&value) > max {
        errors.push(Invalid::new(field, "too_long", format!("{label}不得超过 {max} 字")));
    }
    value
}

impl NewPetition {
    /// Checks every field; returns all the errors found.
    pub fn parse(input: &PetitionInput, today: NaiveDate, rules: &RuleSet) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let channel = Channel::parse(input.channel.trim());
        if channel.is_none() {
            errors.push(Invalid::new("channel", "invalid_channel", "信访渠道应为 online、letter、visit、phone 或 fax"));
        }
        let class = PetitionClass::parse(input.class.trim());
        if class.is_none() {
            errors.push(Invalid::new(
                "class",
                "invalid_class",
                "信访事项类别应为 suggestion（建议意见）、report（检举控告）或 appeal（申诉求决）",
            ));
        }
        let received_on = parse_past_date("received_on", &input.received_on, today).map_err(|e| errors.push(e)).ok();
        let unit = UnitCode::parse("unit", &input.unit).map_err(|e| errors.push(e)).ok();
        let respondent_unit = match input.respondent_unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => {
                if class != Some(PetitionClass::Report) {
                    errors.push(Invalid::new(
                        "respondent_unit",
                        "respondent_only_for_reports",
                        "被反映单位仅用于检举控告类事项",
                    ));
                }
                UnitCode::parse("respondent_unit", raw).map_err(|e| errors.push(e)).ok()
            }
        };
        let content_category = parse_category(input.content_category.as_deref(), &mut errors);
        let problem_unit = match input.problem_unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => UnitCode::parse("problem_unit", raw).map_err(|e| errors.push(e)).ok(),
        };

        let mut petitioners = parse_petitioners(&input.petitioners, &mut errors);
        let collective = input.collective.as_ref().map(|c| parse_collective(c, rules, &mut petitioners, &mut errors));

        let request = text_field(&mut errors, "request", "信访请求", Some(&input.request), true, MAX_REQUEST);
        let facts = text_field(&mut errors, "facts", "事实", input.facts.as_deref(), true, MAX_LONG_TEXT);
        let reasons = text_field(&mut errors, "reasons", "理由", input.reasons.as_deref(), false, MAX_LONG_TEXT);
        let mut subject = text_field(&mut errors, "subject", "标题", input.subject.as_deref(), false, MAX_SUBJECT);
        if subject.is_empty() {
            subject = clean_line(&request).chars().take(30).collect();
        }

        match (channel, class, received_on, unit) {
            (Some(channel), Some(class), Some(received_on), Some(unit)) if errors.is_empty() => Ok(NewPetition {
                channel,
                received_on,
                unit,
                class,
                petitioners,
                collective,
                subject,
                request,
                facts,
                reasons,
                respondent_unit,
                content_category,
                problem_unit,
            }),
            _ => Err(errors),
        }
    }
}

/// A content category: a code of the shipped list, 未分类 when none is
/// given.
pub fn parse_category(raw: Option<&str>, errors: &mut Vec<Invalid>) -> String {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => super::category::UNCLASSIFIED.to_string(),
        Some(code) if super::category::find(code).is_some() => code.to_string(),
        Some(code) => {
            errors.push(Invalid::new(
                "content_category",
                "unknown_category",
                format!(
                    "没有这个内容分类：{}（见 /api/v1/content-categories）",
                    code.chars().take(20).collect::<String>()
                ),
            ));
            String::new()
        }
    }
}

/// The petitioners of a registration (Art. 19: name and address), each
/// field checked; at most [`MAX_PETITIONERS`] are read.
fn parse_petitioners(input: &[PetitionerInput], errors: &mut Vec<Invalid>) -> Vec<NewPetitioner> {
    if input.is_empty() {
        errors.push(Invalid::new("petitioners", "required", "至少登记一名信访人（第十九条：姓名、住址）"));
    }
    if input.len() > MAX_PETITIONERS {
        errors.push(Invalid::new("petitioners", "too_many", format!("信访人不得超过 {MAX_PETITIONERS} 名")));
    }
    let mut petitioners = Vec::new();
    for (i, p) in input.iter().take(MAX_PETITIONERS).enumerate() {
        let f = |name: &str| format!("petitioners[{i}].{name}");
        let name = clean_line(&p.name);
        if name.is_empty() {
            errors.push(Invalid::new(f("name"), "required", "信访人姓名（名称）不能为空（第十九条）"));
        } else if char_len(&name) > MAX_NAME {
            errors.push(Invalid::new(f("name"), "too_long", format!("姓名不得超过 {MAX_NAME} 字")));
        }
        let address = clean_line(p.address.as_deref().unwrap_or(""));
        if char_len(&address) > MAX_ADDRESS {
            errors.push(Invalid::new(f("address"), "too_long", format!("住址不得超过 {MAX_ADDRESS} 字")));
        }
        let phone = match p.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Phone::parse(&f("phone"), raw).map_err(|e| errors.push(e)).ok(),
        };
        let id_number = match p.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => IdNumber::parse(&f("id_number"), raw).map_err(|e| errors.push(e)).ok(),
        };
        // Someone must be reachable with the answer: an address, or a phone.
        if address.is_empty() && p.phone.as_deref().is_none_or(|s| s.trim().is_empty()) {
            errors.push(Invalid::new(
                f("address"),
                "required",
                "住址和联系电话至少填写一项，以便告知和送达（第十九条）",
            ));
        }
        petitioners.push(NewPetitioner { name, address, phone, id_number, representative: false });
    }
    petitioners
}

/// A collective visit (集体访, Art. 20 ¶3): the number of people and the
/// representatives chosen among the petitioners, who are marked as such.
fn parse_collective(
    c: &CollectiveInput,
    rules: &RuleSet,
    petitioners: &mut [NewPetitioner],
    errors: &mut Vec<Invalid>,
) -> Collective {
    if c.persons < 2 || c.persons > 100_000 {
        errors.push(Invalid::new("collective.persons", "invalid_persons", "集体访人数应在 2 至 100000 之间"));
    }
    if c.representatives.is_empty() {
        errors.push(Invalid::new("collective.representatives", "required", "集体访应推选代表（第二十条第三款）"));
    }
    if c.representatives.len() > rules.max_representatives {
        errors.push(Invalid::new(
            "collective.representatives",
            "art20_too_many_representatives",
            format!("集体访代表人数不得超过 {} 人（《信访工作条例》第二十条第三款）", rules.max_representatives),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for r in &c.representatives {
        let idx = usize::try_from(*r).ok().filter(|i| *i < petitioners.len());
        match idx {
            Some(i) if seen.insert(i) => petitioners[i].representative = true,
            Some(_) => errors.push(Invalid::new("collective.representatives", "duplicate", "代表重复")),
            None => errors.push(Invalid::new(
                "collective.representatives",
                "invalid_representative",
                "代表应为已登记信访人的序号（从 0 开始）",
            )),
        }
    }
    if c.persons >= 0 && (c.persons as usize) < c.representatives.len() {
        errors.push(Invalid::new("collective.persons", "invalid_persons", "集体访人数不得少于代表人数"));
    }
    Collective { persons: c.persons.clamp(0, i64::from(u32::MAX)) as u32, representatives: c.representatives.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        "2026-03-01".parse().unwrap()
    }

    fn input() -> PetitionInput {
        PetitionInput {
            channel: "letter".into(),
            received_on: "2026-02-01".into(),
            unit: "XF001".into(),
            class: "appeal".into(),
            petitioners: vec![PetitionerInput {
                name: " 张三 ".into(),
                address: Some("某县某镇某村".into()),
                phone: Some("13800138000".into()),
                id_number: Some("11010519491231002X".into()),
            }],
            request: "请求补发拖欠工资".into(),
            facts: Some("在某工地务工三个月未领到工资".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_registration_parses() {
        let p = NewPetition::parse(&input(), today(), &RuleSet::national_2022()).unwrap();
        assert_eq!(p.petitioners[0].name, "张三");
        assert_eq!(p.subject, "请求补发拖欠工资");
    }

    #[test]
    fn art20_at_most_five_representatives() {
        let mut i = input();
        i.petitioners = (0..6)
            .map(|k| PetitionerInput {
                name: format!("代表{k}"), address: Some("某村".into()), ..Default::default()
            })
            .collect();
        i.collective = Some(CollectiveInput { persons: 30, representatives: (0..6).collect() });
        let errs = NewPetition::parse(&i, today(), &RuleSet::national_2022()).unwrap_err();
        assert!(errs.iter().any(|e| e.code == "art20_too_many_representatives"));
        i.collective = Some(CollectiveInput { persons: 30, representatives: (0..5).collect() });
        let ok = NewPetition::parse(&i, today(), &RuleSet::national_2022()).unwrap();
        assert_eq!(ok.collective, Some(Collective { persons: 30, representatives: 5 }));
        assert!(ok.petitioners[4].representative && !ok.petitioners[5].representative);
    }

    /// Art. 19: the name, an address or a way to reach them, the request
    /// and the facts; every missing one named, once.
    #[test]
    fn art19_name_and_request_are_required_and_every_error_is_reported() {
        let mut i = input();
        i.petitioners[0].name = "  ".into();
        i.request = "".into();
        i.facts = Some(" ".into());
        i.received_on = "2026-02-30".into();
        i.petitioners[0].id_number = Some("110105194912310021".into());
        let errs = NewPetition::parse(&i, today(), &RuleSet::national_2022()).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["received_on", "petitioners[0].name", "petitioners[0].id_number", "request", "facts"]);
        // An address or a phone: either is enough, neither is not.
        let mut i = input();
        i.petitioners[0].address = None;
        assert!(NewPetition::parse(&i, today(), &RuleSet::national_2022()).is_ok(), "a phone is enough");
        i.petitioners[0].phone = Some(" ".into());
        let errs = NewPetition::parse(&i, today(), &RuleSet::national_2022()).unwrap_err();
        assert_eq!((errs[0].field.as_str(), errs.len()), ("petitioners[0].address", 1), "{errs:?}");
    }

    #[test]
    fn future_dates_and_reports_only_respondents() {
        let mut i = input();
        i.received_on = "2026-03-02".into();
        i.respondent_unit = Some("V1".into());
        let errs = NewPetition::parse(&i, today(), &RuleSet::national_2022()).unwrap_err();
        assert!(errs.iter().any(|e| e.code == "future_date"));
        assert!(errs.iter().any(|e| e.code == "respondent_only_for_reports"));
    }
}
