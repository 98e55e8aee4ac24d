//! Reading petitions as the deep audit check needs them: each record's
//! seal computed afresh from its rows, its events with their seals, and
//! the projection (status, state, unit, repeat link) stored beside them.

use super::*;
use std::collections::HashMap;

/// A petitioner as sealed: seq, name, address, the two ciphertexts, role.
pub(crate) type StoredPerson = (i64, String, String, Option<Vec<u8>>, Option<Vec<u8>>, bool);

/// The columns of `petitions` a record's seal covers, as [`record_seal_of`]
/// reads them (`p` the petition).
pub(crate) const SEALED_COLS: &str = "p.id, p.case_no, p.query_code, p.channel, p.class, p.registered_unit_id, \
     p.respondent_unit_id, p.received_on, p.subject, p.request, p.facts, p.reasons, p.collective_persons";

/// The seal of a petition's record ([`crate::seal::record`]) from its row
/// (with [`SEALED_COLS`]) and its petitioners as stored.
pub(crate) fn record_seal_of(r: &DbRow, persons: &[StoredPerson]) -> Result<String> {
    let parts: Vec<seal::PersonParts<'_>> = persons
        .iter()
        .map(|(seq, name, address, phone, idn, rep)| seal::PersonParts {
            seq: *seq,
            name,
            address,
            phone_enc: phone.as_deref(),
            id_enc: idn.as_deref(),
            representative: *rep,
        })
        .collect();
    let (query_code, channel, class): (String, String, String) =
        (r.try_get("query_code")?, r.try_get("channel")?, r.try_get("class")?);
    let (subject, request, facts, reasons): (String, String, String, String) =
        (r.try_get("subject")?, r.try_get("request")?, r.try_get("facts")?, r.try_get("reasons")?);
    Ok(seal::record(
        &seal::RecordParts {
            query_code: &query_code,
            channel: &channel,
            class: &class,
            registered_unit_id: r.try_get("registered_unit_id")?,
            respondent_unit_id: r.try_get("respondent_unit_id")?,
            received_on: r.try_get("received_on")?,
            subject: &subject,
            request: &request,
            facts: &facts,
            reasons: &reasons,
            collective_persons: r.try_get("collective_persons")?,
        },
        &parts,
    ))
}

/// The petitioners of the petitions with id in (`$1`, `$2`], as
/// [`stored_person`] reads them.
pub(crate) const SEALED_PEOPLE: &str = "SELECT petition_id, seq, name, address, phone_enc, id_enc, representative \
     FROM petitioners WHERE petition_id > $1 AND petition_id <= $2 ORDER BY petition_id, seq";

/// A petitioner's row as [`record_seal_of`] takes it.
pub(crate) fn stored_person(r: &DbRow) -> Result<StoredPerson> {
    Ok((
        r.try_get("seq")?,
        r.try_get("name")?,
        r.try_get("address")?,
        r.try_get("phone_enc")?,
        r.try_get("id_enc")?,
        r.try_get("representative")?,
    ))
}

impl Backend {
    /// The petitions with id in (`after_id`, `after_id` + `span`], resealed
    /// from what is stored now.
    pub async fn seal_cases(&self, after_id: i64, span: i64) -> Result<Vec<SealCase>> {
        let to = after_id + span;
        let rows = sqlx::query(&format!(
            "SELECT {SEALED_COLS}, p.status, p.state, \
                 u.code AS unit_code, g.code AS registered_code, o.case_no AS repeat_of \
                 FROM petitions p JOIN units u ON u.id = p.unit_id JOIN units g ON g.id = p.registered_unit_id \
                 LEFT JOIN petitions o ON o.id = p.repeat_of WHERE p.id > $1 AND p.id <= $2 ORDER BY p.id"
        ))
        .bind(after_id)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        let mut people: HashMap<i64, Vec<StoredPerson>> = HashMap::new();
        for r in sqlx::query(SEALED_PEOPLE).bind(after_id).bind(to).fetch_all(&self.read).await? {
            people.entry(r.try_get("petition_id")?).or_default().push(stored_person(&r)?);
        }
        let mut events = self.seal_events_in(after_id, to).await?;
        let mut links = self.repeat_links_in(after_id, to).await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                let persons = people.remove(&id).unwrap_or_default();
                let record_seal = record_seal_of(r, &persons)?;
                let (class, received_on): (String, NaiveDate) = (r.try_get("class")?, r.try_get("received_on")?);
                Ok(SealCase {
                    id,
                    case_no: r.try_get("case_no")?,
                    record_seal,
                    class,
                    registered_unit: r.try_get("registered_code")?,
                    received_on,
                    events: events.remove(&id).unwrap_or_default(),
                    status: r.try_get("status")?,
                    state: r.try_get("state")?,
                    unit: r.try_get("unit_code")?,
                    repeat_of: r.try_get("repeat_of")?,
                    links: links.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The events of the petitions with id in (`from`, `to`], sealed
    /// afresh, each case's in order.
    async fn seal_events_in(&self, from: i64, to: i64) -> Result<HashMap<i64, Vec<SealEvent>>> {
        let mut events: HashMap<i64, Vec<SealEvent>> = HashMap::new();
        for r in sqlx::query(
            "SELECT petition_id, type, on_date, body, actor_id FROM events \
             WHERE petition_id > $1 AND petition_id <= $2 ORDER BY petition_id, seq",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?
        {
            let (kind, on, body): (String, NaiveDate, String) =
                (r.try_get("type")?, r.try_get("on_date")?, r.try_get("body")?);
            let seal = seal::event(&kind, on, &body, r.try_get("actor_id")?);
            events.entry(r.try_get("petition_id")?).or_default().push(SealEvent { seal, body });
        }
        Ok(events)
    }

    /// The repeat links of the petitions with id in (`from`, `to`], each
    /// case's oldest first.
    async fn repeat_links_in(&self, from: i64, to: i64) -> Result<HashMap<i64, Vec<Option<String>>>> {
        let mut links: HashMap<i64, Vec<Option<String>>> = HashMap::new();
        for r in sqlx::query(
            "SELECT petition_id, of_case_no FROM repeat_links WHERE petition_id > $1 AND petition_id <= $2 \
             ORDER BY petition_id, id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?
        {
            links.entry(r.try_get("petition_id")?).or_default().push(r.try_get("of_case_no")?);
        }
        Ok(links)
    }

    /// The highest petition id, where the deep check stops.
    pub async fn max_petition_id(&self) -> Result<i64> {
        Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM petitions")
            .fetch_one(&self.read)
            .await?
            .unwrap_or(0))
    }
}
