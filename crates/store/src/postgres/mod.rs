//! The PostgreSQL backend, for several `xinfang serve` processes sharing one
//! database. Commits use the server's default synchronous commit.

use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

type Db = sqlx::Postgres;

/// Concurrent transactions would read the same chain head; this lock, held to
/// the end of the transaction, orders them.
const AUDIT_LOCK: &str = "SELECT pg_advisory_xact_lock(7720230501)";

/// Batches of the group-commit writer commit as every other write does:
/// synchronously, before they are answered.
const BATCH_BEGIN: &str = "BEGIN";
const BATCH_END: Option<&str> = None;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_init", include_str!("migrations/0001_init.sql")),
    (2, "0002_stats", include_str!("migrations/0002_stats.sql")),
    (3, "0003_search", include_str!("migrations/0003_search.sql")),
    (4, "0004_unit_disabled", include_str!("migrations/0004_unit_disabled.sql")),
    (5, "0005_petitioner_keys", include_str!("migrations/0005_petitioner_keys.sql")),
    (6, "0006_deadline_units", include_str!("migrations/0006_deadline_units.sql")),
    (7, "0007_office_deadlines", include_str!("migrations/0007_office_deadlines.sql")),
];

/// The placeholder of the `n`th argument of a query built at run time.
fn placeholder(n: usize) -> String {
    format!("${n}")
}

#[derive(Debug, Clone)]
pub struct Backend {
    write: sqlx::PgPool,
    read: sqlx::PgPool,
}

impl Backend {
    pub async fn connect(url: &str) -> Result<Self> {
        let pool =
            PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(30)).connect(url).await?;
        Ok(Self { write: pool.clone(), read: pool })
    }

    pub async fn close(&self) {
        self.write.close().await;
    }

    /// After a bulk load: statistics, and the visibility map set (`VACUUM`),
    /// without which every index-only scan of the new rows still reads the
    /// table until autovacuum gets there.
    pub async fn analyze(&self) -> crate::Result<()> {
        sqlx::query("VACUUM (ANALYZE)").execute(&self.write).await?;
        Ok(())
    }

    /// PostgreSQL checks its pages itself; this asks that the database answers.
    pub async fn integrity_check(&self) -> Result<String> {
        let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&self.read).await?;
        Ok(if one == 1 { "ok".into() } else { "unexpected answer".into() })
    }
}

/// Begins a transaction that will write after reading (PostgreSQL locks
/// row by row: a plain `BEGIN`).
const BEGIN_WRITE: &str = "BEGIN";

/// (name, definition) of the secondary indexes of [`LOAD_TABLES`] in the
/// current schema: not those behind a constraint (primary key, unique).
fn secondary_indexes_sql() -> String {
    format!(
        "SELECT CAST(i.indexname AS TEXT), i.indexdef FROM pg_indexes i \
         WHERE i.schemaname = current_schema() AND i.tablename IN ({LOAD_TABLES}) \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = \
         to_regclass(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))) ORDER BY i.indexname"
    )
}

// ---- search, PostgreSQL flavour (used by backend.rs) ----

/// The full-text row of a petition: the tsvector literal, cast on insert.
const SEARCH_INSERT: (&str, usize, &str) =
    ("INSERT INTO petition_search (petition_id, doc) SELECT v.a, CAST(v.b AS tsvector) FROM (", 2, ") AS v(a, b)");

fn search_row(id: i64, d: &xinfang_text::SearchDoc) -> Vec<Arg> {
    vec![Arg::I64(id), Arg::Text(d.text.tsvector())]
}

/// The LSH band keys: 16 rows of `petition_bands` per petition.
const BAND_INSERT: (&str, usize, &str) =
    ("INSERT INTO petition_bands (band, petition_id)", 2, "ON CONFLICT DO NOTHING");

fn band_rows(id: i64, sig: &xinfang_text::Signature) -> Vec<Vec<Arg>> {
    sig.bands().into_iter().map(|b| vec![Arg::I64(b), Arg::I64(id)]).collect()
}

/// The newest petition with band keys written.
const BANDS_LAST: &str = "SELECT petition_id FROM petition_bands ORDER BY petition_id DESC LIMIT 1";

/// `SELECT petition_id FROM …` of the petitions sharing LSH band `band`,
/// below `before`, newest first, at most `limit`.
fn push_band_lookup(q: &mut Sql, band: i64, before: i64, limit: i64) {
    q.push("SELECT petition_id FROM petition_bands WHERE band = ")
        .arg(Arg::I64(band))
        .push(" AND petition_id < ")
        .arg(Arg::I64(before))
        .push(" ORDER BY petition_id DESC LIMIT ")
        .arg(Arg::I64(limit));
}

/// `SELECT id, score FROM … WHERE <match>` of a text query, `p` joined.
fn push_text_match(q: &mut Sql, tq: &xinfang_text::TextQuery) {
    let tsq = tq.tsquery();
    q.push("SELECT p.id AS id, CAST(ts_rank(f.doc, CAST(")
        .arg(Arg::Text(tsq.clone()))
        .push(
            " AS tsquery)) AS DOUBLE PRECISION) AS score FROM petition_search f \
             JOIN petitions p ON p.id = f.petition_id WHERE f.doc @@ CAST(",
        )
        .arg(Arg::Text(tsq))
        .push(" AS tsquery)");
}

const TEXT_ORDER: &str = "f.petition_id DESC";

/// The key a text match can be bounded on (`> newest − window`).
const TEXT_KEY: &str = "f.petition_id";

/// GIN returns a text match's rows unordered, so finding the newest ones
/// means visiting every match; the newest 50,000 petitions are tried
/// first, then 300,000, then all (see `search_text`). At 1M a word in 5 %
/// of the petitions fills the first range, and a rare word's ranges are
/// cheap to widen.
const TEXT_WINDOWS: &[i64] = &[50_000, 300_000];

/// A petitioner's name in byte order, as its index is built.
const NAME_ORDERED: &str = "pe.name COLLATE \"C\"";

include!("../backend.rs");
