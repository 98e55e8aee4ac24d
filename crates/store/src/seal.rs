//! Seals (封存摘要): what a petition's record and each of its events held
//! when they were written, as a hash that goes into the audit chain with
//! the write. The record a clerk sees is then tied to the chain: a subject,
//! a petitioner's name, the unit reported on or an event's body edited in
//! the database no longer matches the seal the chain holds for it, and
//! `xinfang audit verify --deep` says so by case number.
//!
//! In an audit line's `detail`: `seal=R` (the registered record) and
//! `eseals=E1,E2,…` (the events written with it, in order) on the
//! registration's line, `seal=E` on the line of a later step. Each is the first 128 bits of a SHA-256 over
//! length-prefixed fields, in hex.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

struct Hasher(Sha256);

impl Hasher {
    fn new(kind: &str) -> Self {
        let mut h = Hasher(Sha256::new());
        h.text(kind);
        h
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.update((b.len() as u64).to_be_bytes());
        self.0.update(b);
        self
    }
    fn text(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }
    fn opt_i64(&mut self, v: Option<i64>) -> &mut Self {
        self.text(&v.map(|n| n.to_string()).unwrap_or_default())
    }
    fn opt_bytes(&mut self, v: Option<&[u8]>) -> &mut Self {
        match v {
            Some(b) => self.text("1").bytes(b),
            None => self.text("0"),
        }
    }
    fn finish(self) -> String {
        hex::encode(&self.0.finalize()[..16])
    }
}

/// The fields of a petition that never change after registration.
#[derive(Debug, Clone, Copy)]
pub struct RecordParts<'a> {
    pub query_code: &'a str,
    pub channel: &'a str,
    pub class: &'a str,
    pub registered_unit_id: i64,
    pub respondent_unit_id: Option<i64>,
    pub received_on: NaiveDate,
    pub subject: &'a str,
    pub request: &'a str,
    pub facts: &'a str,
    pub reasons: &'a str,
    pub collective_persons: Option<i64>,
}

/// One petitioner as stored: the numbers as their ciphertexts.
#[derive(Debug, Clone, Copy)]
pub struct PersonParts<'a> {
    pub seq: i64,
    pub name: &'a str,
    pub address: &'a str,
    pub phone_enc: Option<&'a [u8]>,
    pub id_enc: Option<&'a [u8]>,
    pub representative: bool,
}

/// The seal of a registered record with its petitioners.
pub fn record(r: &RecordParts<'_>, people: &[PersonParts<'_>]) -> String {
    let mut h = Hasher::new("petition/v1");
    h.text(r.query_code)
        .text(r.channel)
        .text(r.class)
        .opt_i64(Some(r.registered_unit_id))
        .opt_i64(r.respondent_unit_id)
        .text(&r.received_on.to_string())
        .text(r.subject)
        .text(r.request)
        .text(r.facts)
        .text(r.reasons)
        .opt_i64(r.collective_persons);
    for p in people {
        h.opt_i64(Some(p.seq)).text(p.name).text(p.address).opt_bytes(p.phone_enc).opt_bytes(p.id_enc);
        h.text(if p.representative { "1" } else { "0" });
    }
    h.finish()
}

/// The seal of one event: its type, date, body and who recorded it.
pub fn event(kind: &str, on: NaiveDate, body: &str, actor_id: Option<i64>) -> String {
    let mut h = Hasher::new("event/v1");
    h.text(kind).text(&on.to_string()).text(body).opt_i64(actor_id);
    h.finish()
}

/// The seals an audit line's `detail` carries: (`seal=`, `eseals=`).
pub fn parse_detail(detail: &str) -> (Option<&str>, Vec<&str>) {
    let mut seal = None;
    let mut events = Vec::new();
    for part in detail.split_whitespace() {
        if let Some(s) = part.strip_prefix("seal=") {
            seal = Some(s);
        } else if let Some(list) = part.strip_prefix("eseals=") {
            events = list.split(',').filter(|s| s.len() == 32).collect();
        }
    }
    (seal, events)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seal is fixed by its fields: a record sealed by one build verifies
    /// under the next, and any field changes it.
    #[test]
    fn a_seal_covers_every_field_and_is_stable() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let r = RecordParts {
            query_code: "ABCDEFGHJKMN",
            channel: "letter",
            class: "report",
            registered_unit_id: 1,
            respondent_unit_id: Some(7),
            received_on: d,
            subject: "拖欠工资",
            request: "补发",
            facts: "",
            reasons: "",
            collective_persons: None,
        };
        let p = PersonParts {
            seq: 0,
            name: "张三",
            address: "",
            phone_enc: Some(b"x"),
            id_enc: None,
            representative: false,
        };
        let seal = record(&r, &[p]);
        assert_eq!(seal, record(&r, &[p]));
        assert_eq!(seal.len(), 32);
        assert_ne!(seal, record(&RecordParts { respondent_unit_id: None, ..r }, &[p]));
        assert_ne!(seal, record(&RecordParts { subject: "拖欠工资。", ..r }, &[p]));
        assert_ne!(seal, record(&r, &[PersonParts { name: "李四", ..p }]));
        assert_ne!(seal, record(&r, &[PersonParts { phone_enc: None, ..p }]));
        assert_ne!(event("accept", d, "{}", Some(1)), event("accept", d, "{}", None));
        assert_eq!(parse_detail("events=2"), (None, Vec::new()), "a line from before seals");
        let e = event("accept", d, "{}", None);
        assert_eq!(
            parse_detail(&format!("seal={seal} eseals={e},{e}")),
            (Some(seal.as_str()), vec![e.as_str(), e.as_str()])
        );
    }
}
