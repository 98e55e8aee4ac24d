//! The PostgreSQL backend, for several `xinfang serve` processes sharing one
//! database. Commits use the server's default synchronous commit.

use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

type Db = sqlx::Postgres;

/// Concurrent transactions would read the same chain head; this lock, held to
/// the end of the transaction, orders them.
const AUDIT_LOCK: &str = "SELECT pg_advisory_xact_lock(7720230501)";

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_init", include_str!("migrations/0001_init.sql")),
    (2, "0002_stats", include_str!("migrations/0002_stats.sql")),
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

    pub async fn analyze(&self) -> crate::Result<()> {
        sqlx::query("ANALYZE").execute(&self.write).await?;
        Ok(())
    }

    /// PostgreSQL checks its pages itself; this asks that the database answers.
    pub async fn integrity_check(&self) -> Result<String> {
        let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&self.read).await?;
        Ok(if one == 1 { "ok".into() } else { "unexpected answer".into() })
    }
}

include!("../backend.rs");
