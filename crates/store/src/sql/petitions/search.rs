//! Full-text search over petitions and the upkeep of its index: the rows
//! written with each petition, and the backfill of petitions stored before
//! the index existed.

use super::*;

/// The search index rows, signatures and LSH bands of petitions.
pub(crate) fn search_rows(docs: &[(i64, &xinfang_text::SearchDoc)]) -> [Rows; 3] {
    let (mut text, mut sigs, mut bands) = (Vec::new(), Vec::new(), Vec::new());
    for (id, doc) in docs {
        text.push(search_row(*id, doc));
        sigs.push(vec![Arg::I64(*id), Arg::OptBytes(Some(doc.signature.to_bytes()))]);
        bands.extend(band_rows(*id, &doc.signature));
    }
    [
        Rows::of(SEARCH_INSERT, text),
        Rows::new("INSERT INTO petition_signatures (petition_id, minhash)", 2, sigs),
        Rows::of(BAND_INSERT, bands),
    ]
}

pub(crate) use crate::RANK_WINDOW;

pub(crate) fn read_hit(r: &DbRow) -> Result<SearchHit> {
    Ok(SearchHit {
        summary: read_summary(r)?,
        request: r.try_get("request")?,
        facts: r.try_get("facts")?,
        reasons: r.try_get("reasons")?,
        score: r.try_get("score")?,
        matched: r.try_get("matched")?,
    })
}

impl Backend {
    /// Petitions found by `by` that the viewer may see and that pass the
    /// list filters: a text search ranked by relevance among the newest
    /// [`RANK_WINDOW`] matches, exact look-ups newest first.
    pub async fn search_petitions(
        &self,
        by: &SearchBy,
        f: &ListFilter,
        viewer: &Viewer,
        offset: i64,
    ) -> Result<Vec<SearchHit>> {
        let cols = format!("{SUMMARY_COLS}, p.request, p.facts, p.reasons");
        let exact_head = format!(
            "SELECT {cols}, CAST(0 AS DOUBLE PRECISION) AS score, COUNT(*) OVER () AS matched \
             FROM petitions p JOIN units u ON u.id = p.unit_id WHERE "
        );
        let mut q = Sql::default();
        match by {
            SearchBy::Text(tq) => return self.search_text(tq, f, viewer, offset, &cols).await,
            SearchBy::CaseNo(c) => {
                q.push(&exact_head).push("p.case_no = ").arg(Arg::Text(c.clone()));
            }
            SearchBy::NamePrefix(prefix) => {
                q.push(&exact_head)
                    .push(&format!("p.id IN (SELECT pe.petition_id FROM petitioners pe WHERE {NAME_ORDERED} >= "))
                    .arg(Arg::Text(prefix.clone()))
                    .push(&format!(" AND {NAME_ORDERED} < "))
                    .arg(Arg::Text(format!("{prefix}\u{10FFFF}")))
                    .push(")");
            }
            SearchBy::IdIndex(ix) => {
                q.push(&exact_head)
                    .push("p.id IN (SELECT pe.petition_id FROM petitioners pe WHERE pe.id_index = ")
                    .arg(Arg::OptBytes(Some(ix.clone())))
                    .push(")");
            }
            SearchBy::PhoneIndex(ix) => {
                q.push(&exact_head)
                    .push("p.id IN (SELECT pe.petition_id FROM petitioners pe WHERE pe.phone_index = ")
                    .arg(Arg::OptBytes(Some(ix.clone())))
                    .push(")");
            }
        }
        push_visible(&mut q, viewer);
        push_filters(&mut q, f);
        q.push(" ORDER BY p.id DESC LIMIT ").arg(Arg::I64(f.limit)).push(" OFFSET ").arg(Arg::I64(offset));
        let rows = q.query().fetch_all(&self.read).await?;
        readable(&rows, read_hit)
    }

    /// A text search: the newest [`RANK_WINDOW`] matches the viewer may see
    /// are ranked, one page of them read. Where the index cannot walk its
    /// matches newest first (PostgreSQL's GIN), the newest
    /// [`TEXT_WINDOWS`] petitions are tried first and the range widened
    /// until it holds a full window of matches: the same result, without
    /// visiting every match of a common word.
    async fn search_text(
        &self,
        tq: &xinfang_text::TextQuery,
        f: &ListFilter,
        viewer: &Viewer,
        offset: i64,
        cols: &str,
    ) -> Result<Vec<SearchHit>> {
        let newest: i64 = match TEXT_WINDOWS {
            [] => 0,
            _ => sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM petitions")
                .fetch_one(&self.read)
                .await?
                .unwrap_or(0),
        };
        let windows = TEXT_WINDOWS.iter().map(|w| Some(newest - w)).filter(|above| above.is_some_and(|a| a > 0));
        for above in windows.chain([None]) {
            let mut q = Sql::default();
            q.push("WITH m AS (");
            push_text_match(&mut q, tq);
            if let Some(above) = above {
                q.push(&format!(" AND {TEXT_KEY} > ")).arg(Arg::I64(above));
            }
            push_visible(&mut q, viewer);
            push_filters(&mut q, f);
            q.push(&format!(" ORDER BY {TEXT_ORDER} LIMIT ")).arg(Arg::I64(RANK_WINDOW));
            // Rank ids and scores only; read the columns of one page.
            q.push("), top AS (SELECT id, score FROM m ORDER BY score DESC, id DESC LIMIT ")
                .arg(Arg::I64(f.limit))
                .push(" OFFSET ")
                .arg(Arg::I64(offset));
            // Within a range, also how many matched: a full window means the
            // wider ranges would give the same newest matches.
            q.push(&format!(
                ") SELECT {cols}, top.score, (SELECT COUNT(*) FROM m) AS matched FROM top JOIN petitions p ON p.id = top.id \
                 JOIN units u ON u.id = p.unit_id ORDER BY top.score DESC, p.id DESC"
            ));
            let rows = q.query().fetch_all(&self.read).await?;
            let full = match (above, rows.first()) {
                (Some(_), Some(r)) => r.try_get::<i64, _>("matched")? >= RANK_WINDOW,
                _ => false,
            };
            if above.is_none() || full {
                return readable(&rows, read_hit);
            }
        }
        Ok(Vec::new())
    }

    /// Petitions without search rows (registered before the index existed),
    /// `limit` of them, lowest id first.
    pub async fn unindexed_petitions(&self, limit: i64) -> Result<Vec<UnindexedPetition>> {
        let rows = sqlx::query(
            "SELECT p.id, p.subject, p.request, p.facts, p.reasons FROM petitions p \
             WHERE NOT EXISTS (SELECT 1 FROM petition_signatures s WHERE s.petition_id = p.id) ORDER BY p.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let people = sqlx::query("SELECT name, address FROM petitioners WHERE petition_id = $1 ORDER BY seq")
                .bind(id)
                .fetch_all(&self.read)
                .await?
                .iter()
                .map(|p| Ok(format!("{} {}", p.try_get::<String, _>("name")?, p.try_get::<String, _>("address")?)))
                .collect::<Result<Vec<_>>>()?;
            out.push(UnindexedPetition {
                id,
                content: [r.try_get("subject")?, r.try_get("request")?, r.try_get("facts")?, r.try_get("reasons")?],
                people,
            });
        }
        Ok(out)
    }

    pub async fn count_unindexed(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM petitions p WHERE NOT EXISTS (SELECT 1 FROM petition_signatures s WHERE s.petition_id = p.id)",
        )
        .fetch_one(&self.read)
        .await?)
    }

    /// Writes search rows for petitions that have none, in one transaction.
    pub async fn index_petitions(&self, docs: &[(i64, xinfang_text::SearchDoc)]) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let refs: Vec<(i64, &xinfang_text::SearchDoc)> = docs.iter().map(|(id, d)| (*id, d)).collect();
        tx.insert_all(search_rows(&refs).into()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes the band keys of the next `limit` signatures after petition
    /// `after` (the backfill of migration 0006): the last id written and how
    /// many (0 when there are no more).
    pub async fn index_bands_after(&self, after: i64, limit: i64) -> Result<(i64, i64)> {
        let rows = sqlx::query(
            "SELECT petition_id, minhash FROM petition_signatures WHERE petition_id > $1 ORDER BY petition_id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        let mut bands = Vec::new();
        let mut last = after;
        for r in &rows {
            last = r.try_get("petition_id")?;
            let bytes: Vec<u8> = r.try_get("minhash")?;
            if let Some(sig) = xinfang_text::Signature::from_bytes(&bytes) {
                bands.extend(band_rows(last, &sig));
            }
        }
        let mut tx = self.write.begin().await?;
        tx.insert_all(vec![Rows::of(BAND_INSERT, bands)]).await?;
        tx.commit().await?;
        Ok((last, rows.len() as i64))
    }

    /// The highest petition id with band keys written (0 if none).
    pub async fn bands_indexed_upto(&self) -> Result<i64> {
        let last: Option<i64> = sqlx::query_scalar(BANDS_LAST).fetch_optional(&self.read).await?;
        Ok(last.unwrap_or(0))
    }

    pub async fn count_signatures_after(&self, after: i64) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM petition_signatures WHERE petition_id > $1")
            .bind(after)
            .fetch_one(&self.read)
            .await?)
    }
}
