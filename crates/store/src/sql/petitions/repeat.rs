//! Repeat petitions (重复信访): the earlier petitions by the same person or
//! with near-identical text, and the link of a repeat to its first
//! petition (Arts. 19 ¶3, 36 ¶3).

use super::*;

/// Earlier petitions read per LSH band and per person key when looking for
/// repeats: bounds the look-up however common a band is.
pub(crate) const CANDIDATES_PER_KEY: i64 = 8;

/// Candidates whose rows are read, best scored first (the page shows 10;
/// some may be outside the viewer's jurisdiction).
pub(crate) const MAX_CANDIDATE_ROWS: usize = 40;

impl Backend {
    /// Earlier petitions (lower id) that may be the same matter as `id`:
    /// the same petitioner (ID number, or name and phone, or name and
    /// address) or a shared LSH
    /// band, at most [`CANDIDATES_PER_KEY`] newest per key; scored on their
    /// signatures first, the best [`MAX_CANDIDATE_ROWS`] that could be
    /// shown are read, of those the viewer may see.
    pub async fn repeat_candidates(&self, id: PetitionId, viewer: &Viewer) -> Result<Vec<RepeatCandidate>> {
        let id = id.0;
        // Its signature and its people in one read (a petition has at least
        // one petitioner; the signature comes with each).
        let people = sqlx::query(
            "SELECT s.minhash, pe.name, pe.address, pe.id_index, pe.phone_index FROM petitioners pe \
             LEFT JOIN petition_signatures s ON s.petition_id = pe.petition_id WHERE pe.petition_id = $1",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        let own = match people.first() {
            Some(r) => {
                r.try_get::<Option<Vec<u8>>, _>("minhash")?.and_then(|b| xinfang_text::Signature::from_bytes(&b))
            }
            None => None,
        };
        let Some(mut q) = candidate_keys(id, &people, own.as_ref())? else { return Ok(Vec::new()) };
        // Score on the signatures first (cheap), read the rows of the few
        // worth showing.
        let mut keyed = score_candidates(&q.query().fetch_all(&self.read).await?, own.as_ref())?;
        keyed.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.id.cmp(&a.id)));
        keyed.truncate(MAX_CANDIDATE_ROWS);
        if keyed.is_empty() {
            return Ok(Vec::new());
        }
        self.read_candidates(&keyed, viewer).await
    }

    /// The rows of the scored candidates that `viewer` may see.
    async fn read_candidates(&self, keyed: &[Scored], viewer: &Viewer) -> Result<Vec<RepeatCandidate>> {
        let mut q = Sql::default();
        q.push(&format!(
            "SELECT {SUMMARY_COLS}, u.path AS unit_path, p.repeat_of, \
             EXISTS (SELECT 1 FROM events e WHERE e.petition_id = p.id AND e.type = 'recheck_opinion') AS rechecked \
             FROM petitions p JOIN units u ON u.id = p.unit_id WHERE p.id IN ("
        ));
        for (i, k) in keyed.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.arg(Arg::I64(k.id));
        }
        q.push(")");
        push_visible(&mut q, viewer);
        let rows = q.query().fetch_all(&self.read).await?;
        let mut candidates = Vec::with_capacity(rows.len());
        for r in &rows {
            let summary = read_summary(r)?;
            let Some(k) = keyed.iter().find(|k| k.id == summary.id.0) else { continue };
            candidates.push(RepeatCandidate {
                unit_path: r.try_get("unit_path")?,
                repeat_of: r.try_get("repeat_of")?,
                similarity: k.similarity,
                same_id_number: k.same_id,
                same_name_contact: k.same_contact,
                rechecked: r.try_get("rechecked")?,
                summary,
            });
        }
        Ok(candidates)
    }

    /// The petitions linked to `id` as its repeats (of those the viewer may
    /// see, if one is given).
    pub async fn repeats_of(&self, id: PetitionId, viewer: Option<&Viewer>) -> Result<Vec<PetitionSummary>> {
        let mut q = Sql::default();
        q.push(&format!(
            "SELECT {SUMMARY_COLS} FROM petitions p JOIN units u ON u.id = p.unit_id WHERE p.repeat_of = "
        ))
        .arg(Arg::I64(id.0));
        if let Some(v) = viewer {
            push_visible(&mut q, v);
        }
        q.push(" ORDER BY p.id");
        let rows = q.query().fetch_all(&self.read).await?;
        readable(&rows, read_summary)
    }

    /// Links petition `id` as a repeat of `of` (or unlinks it, `None`), if
    /// the case has not moved since it was read. A linked repeat leaves the
    /// monthly statistics: the matter is counted once.
    pub async fn set_repeat_of(
        &self,
        id: PetitionId,
        expected_version: i64,
        of: Option<PetitionId>,
        actor: Option<UserId>,
    ) -> Result<()> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await?;
        let row = sqlx::query(
            "SELECT case_no, repeat_of, received_on, registered_unit_id, class, content_category FROM petitions \
             WHERE id = $1 AND version = $2",
        )
        .bind(id)
        .bind(expected_version)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict("该信访事项已被他人更新，请刷新后重试".into()));
        };
        let before: Option<i64> = row.try_get("repeat_of")?;
        let received_on: NaiveDate = row.try_get("received_on")?;
        let delta = match (before.is_some(), of.is_some()) {
            (false, true) => -1,
            (true, false) => 1,
            _ => 0,
        };
        sqlx::query("UPDATE petitions SET repeat_of = $1, version = version + 1, updated_at = $2 WHERE id = $3")
            .bind(of)
            .bind(Utc::now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if delta != 0 {
            sqlx::query("UPDATE monthly_counts SET n = n + $1 WHERE month = $2 AND unit_id = $3 AND class = $4")
                .bind(delta)
                .bind(received_on.format("%Y-%m").to_string())
                .bind(row.try_get::<i64, _>("registered_unit_id")?)
                .bind(row.try_get::<String, _>("class")?)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE category_counts SET n = n + $1 WHERE month = $2 AND unit_id = $3 AND category = $4")
                .bind(delta)
                .bind(received_on.format("%Y-%m").to_string())
                .bind(row.try_get::<i64, _>("registered_unit_id")?)
                .bind(row.try_get::<String, _>("content_category")?)
                .execute(&mut *tx)
                .await?;
        }
        let target = match of {
            Some(o) => sqlx::query_scalar::<_, String>("SELECT case_no FROM petitions WHERE id = $1")
                .bind(o)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound("被关联的信访事项不存在".into()))?,
            None => String::new(),
        };
        sqlx::query(
            "INSERT INTO repeat_links (petition_id, of_case_no, actor_id, recorded_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(of.map(|_| target.clone()))
        .bind(actor)
        .bind(Utc::now())
        .execute(&mut *tx)
        .await?;
        audit_in(
            &mut tx,
            self.chain.get(),
            &AuditEntry {
                user_id: actor,
                action: if of.is_some() { "petition.link_repeat" } else { "petition.unlink_repeat" }.into(),
                object: row.try_get("case_no")?,
                success: true,
                detail: target,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Backend {
    /// Each time case `id` was linked as a repeat or unlinked, oldest first.
    pub async fn repeat_links(&self, id: PetitionId) -> Result<Vec<RepeatLink>> {
        let rows = sqlx::query(
            "SELECT l.of_case_no, o.id AS of_id, l.recorded_at, us.display_name FROM repeat_links l \
             LEFT JOIN petitions o ON o.case_no = l.of_case_no \
             LEFT JOIN users us ON us.id = l.actor_id WHERE l.petition_id = $1 ORDER BY l.id",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RepeatLink {
                    of: r.try_get("of_case_no")?,
                    of_id: r.try_get::<Option<i64>, _>("of_id")?.map(PetitionId),
                    actor: r.try_get("display_name")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            })
            .collect()
    }
}

/// An earlier petition that shares a key with the one asked about, scored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    score: f64,
    id: i64,
    /// The same ID number.
    same_id: bool,
    /// The same name with the same phone or address.
    same_contact: bool,
    similarity: f64,
}

/// The query of the earlier petitions that share a key with petition `id`:
/// each of its `people`'s (name and address, ID number, phone and name)
/// and each band of its signature `own`, the newest [`CANDIDATES_PER_KEY`]
/// per key, grouped by petition. `None` when there is no key to look up.
fn candidate_keys(id: i64, people: &[DbRow], own: Option<&xinfang_text::Signature>) -> Result<Option<Sql>> {
    let mut q = Sql::default();
    q.push("WITH c AS (SELECT cid, MAX(sid) AS sid, MAX(snp) AS snp FROM (");
    let mut arms = 0;
    // One arm of the union: `inner` selects `petition_id`s by a key
    // (`WHERE` left open for the bound below); a band look-up is whole.
    let mut arm = |q: &mut Sql, inner: &dyn Fn(&mut Sql), sid: bool, snp: bool| {
        if arms > 0 {
            q.push(" UNION ALL ");
        }
        q.push(&format!(
            "SELECT t{arms}.petition_id AS cid, CAST({} AS BIGINT) AS sid, CAST({} AS BIGINT) AS snp FROM (",
            i64::from(sid),
            i64::from(snp)
        ));
        inner(q);
        q.push(&format!(") t{arms}"));
        arms += 1;
    };
    let bounded = |q: &mut Sql| {
        q.push(" AND petition_id < ").arg(Arg::I64(id));
        q.push(" ORDER BY petition_id DESC LIMIT ").arg(Arg::I64(CANDIDATES_PER_KEY));
    };
    for r in people {
        let name: String = r.try_get("name")?;
        let id_index: Option<Vec<u8>> = r.try_get("id_index")?;
        let phone_index: Option<Vec<u8>> = r.try_get("phone_index")?;
        let address: String = r.try_get("address")?;
        if !address.trim().is_empty() {
            arm(
                &mut q,
                &|q| {
                    q.push("SELECT petition_id FROM petitioners WHERE name = ")
                        .arg(Arg::Text(name.clone()))
                        .push(" AND address = ")
                        .arg(Arg::Text(address.clone()));
                    bounded(q);
                },
                false,
                true,
            );
        }
        if let Some(ix) = id_index {
            arm(
                &mut q,
                &|q| {
                    q.push("SELECT petition_id FROM petitioners WHERE id_index = ")
                        .arg(Arg::OptBytes(Some(ix.clone())));
                    bounded(q);
                },
                true,
                false,
            );
        }
        if let Some(ix) = phone_index {
            arm(
                &mut q,
                &|q| {
                    q.push("SELECT petition_id FROM petitioners WHERE phone_index = ")
                        .arg(Arg::OptBytes(Some(ix.clone())))
                        .push(" AND name = ")
                        .arg(Arg::Text(name.clone()));
                    bounded(q);
                },
                false,
                true,
            );
        }
    }
    for band in own.map(|s| s.bands()).unwrap_or_default() {
        arm(&mut q, &|q| push_band_lookup(q, band, id, CANDIDATES_PER_KEY), false, false);
    }
    if arms == 0 {
        return Ok(None);
    }
    q.push(") x GROUP BY cid) SELECT c.cid, c.sid, c.snp, s.minhash FROM c LEFT JOIN petition_signatures s ON s.petition_id = c.cid");
    Ok(Some(q))
}

/// Scores the candidates the key query found against `own`; those that
/// are no repeat by the domain's rule are left out.
fn score_candidates(rows: &[DbRow], own: Option<&xinfang_text::Signature>) -> Result<Vec<Scored>> {
    let mut keyed = Vec::new();
    for r in rows {
        let sig = r.try_get::<Option<Vec<u8>>, _>("minhash")?.and_then(|b| xinfang_text::Signature::from_bytes(&b));
        let sid = r.try_get::<i64, _>("sid")? > 0;
        let snp = r.try_get::<i64, _>("snp")? > 0;
        let similarity = match (own, &sig) {
            (Some(a), Some(b)) => a.similarity(b),
            _ => 0.0,
        };
        if let Some(a) = xinfang_domain::petition::repeat::assess(sid || snp, similarity) {
            keyed.push(Scored { score: a.score, id: r.try_get("cid")?, same_id: sid, same_contact: snp, similarity });
        }
    }
    Ok(keyed)
}
