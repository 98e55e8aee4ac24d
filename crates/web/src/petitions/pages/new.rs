//! Registration (登记) from the form, with the errors next to each field.

use crate::error::AppError;
use crate::extract::PageForm;
use crate::i18n::Tr;
use crate::page::Options;
use crate::page::{Layout, PageUser, options, render, see_other};
use crate::petitions::pages::list::unit_options;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use xinfang_app::{AppState, petitions, today};
use xinfang_domain::petition::{Channel, CollectiveInput, PetitionClass, PetitionInput, PetitionerInput};
use xinfang_store::Unit;

pub(crate) const FORM_ROWS: usize = 5;

/// The registration form's fields: once for what was typed, once for the
/// error next to each.
#[derive(Default)]
pub(crate) struct Values {
    pub(crate) channel: String,
    pub(crate) received_on: String,
    pub(crate) unit: String,
    pub(crate) class: String,
    pub(crate) respondent_unit: String,
    pub(crate) content_category: String,
    pub(crate) problem_unit: String,
    pub(crate) persons: String,
    pub(crate) subject: String,
    pub(crate) request: String,
    pub(crate) facts: String,
    pub(crate) reasons: String,
    pub(crate) petitioners: String,
}

pub(crate) type Errors = Values;

#[derive(Default)]
pub(crate) struct PersonRow {
    pub(crate) i: usize,
    pub(crate) n: usize,
    pub(crate) name: String,
    pub(crate) address: String,
    pub(crate) phone: String,
    pub(crate) id_number: String,
    pub(crate) rep: bool,
    pub(crate) name_err: String,
    pub(crate) address_err: String,
    pub(crate) phone_err: String,
    pub(crate) id_err: String,
}

#[derive(Template)]
#[template(path = "petitions/new.html")]
pub(crate) struct NewPage {
    pub(crate) tr: Tr,
    pub(crate) layout: Option<Layout>,
    pub(crate) nav: &'static str,
    pub(crate) csrf: String,
    pub(crate) errors: String,
    pub(crate) v: Values,
    pub(crate) e: Errors,
    pub(crate) people: Vec<PersonRow>,
    pub(crate) channels: Options,
    pub(crate) classes: Options,
    pub(crate) units: Vec<(String, String)>,
    pub(crate) all_units: Vec<(String, String)>,
    pub(crate) categories: crate::petitions::pages::list::CategoryGroups,
}

pub(crate) async fn new_page(
    st: &AppState,
    pu: &PageUser,
    v: Values,
    e: Errors,
    people: Vec<PersonRow>,
    errors: String,
) -> NewPage {
    let all = st.cached_units().all().to_vec();
    let mine: Vec<Unit> = all.iter().filter(|u| !u.disabled && pu.user.unit.contains(u)).cloned().collect();
    NewPage {
        tr: pu.tr,
        layout: Some(pu.layout()),
        nav: "new",
        csrf: pu.csrf.clone(),
        errors,
        v,
        e,
        people,
        channels: options(Channel::ALL, Channel::as_str, Channel::label),
        classes: options(PetitionClass::ALL, PetitionClass::as_str, PetitionClass::label),
        units: unit_options(&mine),
        all_units: unit_options(&all),
        categories: crate::petitions::pages::list::category_groups(),
    }
}

pub async fn new_form(State(st): State<AppState>, pu: PageUser) -> Response {
    if !pu.user.role.works_petitions() {
        return pu.error(&AppError::forbidden("本角色只能查看，不能登记信访事项"));
    }
    let v = Values {
        received_on: today().to_string(),
        unit: pu.user.unit.code.clone(),
        class: "appeal".into(),
        channel: "visit".into(),
        ..Default::default()
    };
    let people = (0..FORM_ROWS).map(|i| PersonRow { i, n: i + 1, ..Default::default() }).collect();
    render(&new_page(&st, &pu, v, Errors::default(), people, String::new()).await)
}

pub async fn create(
    State(st): State<AppState>,
    pu: PageUser,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Response {
    let form: BTreeMap<String, String> = pairs.into_iter().collect();
    if let Some(r) = pu.csrf_rejection(form.get("csrf").map(String::as_str)) {
        return r;
    }
    let (v, mut people, filled) = read_form(&form);
    let mut e = Errors::default();
    let input = petition_input(&v, &people, &filled, &mut e);
    let result = if e.persons.is_empty() {
        petitions::register(&st, &pu.user, &input).await.map_err(AppError::from)
    } else {
        Err(AppError::invalid(vec![]))
    };
    match result {
        Ok(new) => see_other(&format!("/petitions/{}?notice=registered", new.row.id)),
        Err(err) => {
            place_errors(&err, &mut e, &mut people, &filled);
            let summary = if err.fields.is_empty() && e.persons.is_empty() {
                err.message.clone()
            } else {
                pu.tr.f("{} 处", &[&err.fields.len().max(1)])
            };
            let status = if err.status.is_success() { StatusCode::UNPROCESSABLE_ENTITY } else { err.status };
            (status, render(&new_page(&st, &pu, v, e, people, summary).await)).into_response()
        }
    }
}

/// The registration form as typed: its values, its petitioner rows, and
/// which rows were filled in (they become the petitioners, in order).
fn read_form(form: &BTreeMap<String, String>) -> (Values, Vec<PersonRow>, Vec<usize>) {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let v = Values {
        channel: get("channel"),
        received_on: get("received_on"),
        unit: get("unit"),
        class: get("class"),
        respondent_unit: get("respondent_unit"),
        content_category: get("content_category"),
        problem_unit: get("problem_unit"),
        persons: get("persons"),
        subject: get("subject"),
        request: get("request"),
        facts: get("facts"),
        reasons: get("reasons"),
        petitioners: String::new(),
    };
    let people: Vec<PersonRow> = (0..FORM_ROWS)
        .map(|i| PersonRow {
            i,
            n: i + 1,
            name: get(&format!("p{i}_name")),
            address: get(&format!("p{i}_address")),
            phone: get(&format!("p{i}_phone")),
            id_number: get(&format!("p{i}_id_number")),
            rep: form.contains_key(&format!("p{i}_rep")),
            ..Default::default()
        })
        .collect();
    let filled: Vec<usize> = people
        .iter()
        .filter(|p| {
            !(p.name.trim().is_empty()
                && p.address.trim().is_empty()
                && p.phone.trim().is_empty()
                && p.id_number.trim().is_empty())
        })
        .map(|p| p.i)
        .collect();
    (v, people, filled)
}

/// The registration the form asks for; a collective visit's head count
/// that is not a number is an error of the form itself.
fn petition_input(v: &Values, people: &[PersonRow], filled: &[usize], e: &mut Errors) -> PetitionInput {
    let collective = if v.persons.trim().is_empty() {
        None
    } else {
        match v.persons.trim().parse::<i64>() {
            Ok(n) => Some(CollectiveInput {
                persons: n,
                representatives: filled
                    .iter()
                    .enumerate()
                    .filter(|(_, row)| people[**row].rep)
                    .map(|(k, _)| k as i64)
                    .collect(),
            }),
            Err(_) => {
                e.persons = "人数应为整数".into();
                None
            }
        }
    };
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    PetitionInput {
        channel: v.channel.clone(),
        received_on: v.received_on.clone(),
        unit: v.unit.clone(),
        class: v.class.clone(),
        petitioners: filled
            .iter()
            .map(|row| {
                let p = &people[*row];
                PetitionerInput {
                    name: p.name.clone(),
                    address: opt(&p.address),
                    phone: opt(&p.phone),
                    id_number: opt(&p.id_number),
                }
            })
            .collect(),
        collective,
        subject: opt(&v.subject),
        request: v.request.clone(),
        facts: opt(&v.facts),
        reasons: opt(&v.reasons),
        respondent_unit: opt(&v.respondent_unit),
        content_category: opt(&v.content_category),
        problem_unit: opt(&v.problem_unit),
    }
}

/// Puts each field's error next to its field; a petitioner's next to the
/// form row it came from.
fn place_errors(err: &AppError, e: &mut Errors, people: &mut [PersonRow], filled: &[usize]) {
    for f in &err.fields {
        let msg = f.message.clone();
        match f.field.as_str() {
            "channel" => e.channel = msg,
            "received_on" => e.received_on = msg,
            "unit" => e.unit = msg,
            "class" => e.class = msg,
            "respondent_unit" => e.respondent_unit = msg,
            "content_category" => e.content_category = msg,
            "problem_unit" => e.problem_unit = msg,
            "subject" => e.subject = msg,
            "request" => e.request = msg,
            "facts" => e.facts = msg,
            "reasons" => e.reasons = msg,
            "petitioners" => e.petitioners = msg,
            other if other.starts_with("collective") => e.persons = msg,
            other => {
                // petitioners[k].field → the form row k came from.
                let parsed = other
                    .strip_prefix("petitioners[")
                    .and_then(|r| r.split_once("]."))
                    .and_then(|(k, name)| k.parse::<usize>().ok().map(|k| (k, name)));
                match parsed.and_then(|(k, name)| filled.get(k).map(|row| (*row, name))) {
                    Some((row, "name")) => people[row].name_err = msg,
                    Some((row, "address")) => people[row].address_err = msg,
                    Some((row, "phone")) => people[row].phone_err = msg,
                    Some((row, "id_number")) => people[row].id_err = msg,
                    _ => e.petitioners = msg,
                }
            }
        }
    }
}

// ---------------------------------------------------------------- petition page
