//! How the store's statements are built and run: bind values ([`Arg`]), a
//! query built at run time ([`Sql`]), the rows of a multi-row insert
//! ([`Rows`]), and where a write's statements run ([`WriteTx`]): a sqlx
//! transaction, or on SQLite the group-commit writer's own connection.

use super::*;

pub(crate) type Tx<'a> = sqlx::Transaction<'a, Db>;

/// A bind value of a query built at run time.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I64(i64),
    OptI64(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    Bool(bool),
    OptBytes(Option<Vec<u8>>),
    Time(DateTime<Utc>),
}

/// The rows of one table for a multi-row insert, as `insert_rows` takes
/// them: `head` (`INSERT INTO t (a, b)`), `cols` values in each row, and
/// `tail` (`ON CONFLICT …`). Several are written together by `insert_all`.
pub(crate) struct Rows {
    pub(crate) head: &'static str,
    pub(crate) cols: usize,
    pub(crate) rows: Vec<Vec<Arg>>,
    pub(crate) tail: &'static str,
}

impl Rows {
    pub(crate) fn new(head: &'static str, cols: usize, rows: Vec<Vec<Arg>>) -> Self {
        Rows { head, cols, rows, tail: "" }
    }

    /// Rows for one of the backends' (head, cols, tail) statements.
    pub(crate) fn of((head, cols, tail): (&'static str, usize, &'static str), rows: Vec<Vec<Arg>>) -> Self {
        Rows { head, cols, rows, tail }
    }
}

/// A query built at run time: its text and its numbered arguments.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) args: Vec<Arg>,
}

impl Sql {
    pub(crate) fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }
    /// Adds an argument and writes its placeholder.
    pub(crate) fn arg(&mut self, a: Arg) -> &mut Self {
        self.args.push(a);
        let n = self.args.len();
        push_placeholder(&mut self.text, n);
        self
    }
    /// The query to run, which takes the arguments over (each text is then
    /// handed to the database as it is, not copied once more): a query is
    /// built to be run once.
    pub(crate) fn query(&mut self) -> sqlx::query::Query<'_, Db, <Db as sqlx::Database>::Arguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in std::mem::take(&mut self.args) {
            q = match a {
                Arg::I64(v) => q.bind(v),
                Arg::OptI64(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::OptText(v) => q.bind(v),
                Arg::Date(v) => q.bind(v),
                Arg::OptDate(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::OptBytes(v) => q.bind(v),
                Arg::Time(v) => q.bind(v),
            };
        }
        q
    }
}

/// Where the statements of a write run: a sqlx transaction or connection,
/// or on SQLite the group-commit writer's own connection on its thread
/// (`sqlite/direct.rs`). The SQL of a write is written once, over this.
pub(crate) trait WriteTx {
    type Row: Cells;
    /// Runs `q` and returns its rows.
    async fn fetch(&mut self, q: Sql) -> Result<Vec<Self::Row>>;
    /// Inserts `rows` (each `cols` values) into `head` (`INSERT INTO t (a,
    /// b)`), `tail` appended (`ON CONFLICT …`, `RETURNING …`), in as few
    /// statements as the backend can; returns the rows they returned.
    async fn insert_rows(&mut self, head: &str, cols: usize, rows: Vec<Vec<Arg>>, tail: &str)
    -> Result<Vec<Self::Row>>;
    /// Writes the rows of several tables: one after the other, as here,
    /// where the statements run in this process and there is no round trip
    /// to save (SQLite); PostgreSQL sends them in one statement.
    async fn insert_all(&mut self, tables: Vec<Rows>) -> Result<()> {
        for t in tables {
            self.insert_rows(t.head, t.cols, t.rows, t.tail).await?;
        }
        Ok(())
    }
}

/// A connection a group-commit batch runs on ([`run_batch_on`]): it begins,
/// ends and marks its transaction by statements of its own.
pub(crate) trait BatchConn: WriteTx {
    /// Runs `sql`, which takes no arguments and may hold several statements.
    async fn exec(&mut self, sql: &'static str) -> Result<()>;
}

/// The columns of a returned row, by position.
pub(crate) trait Cells {
    fn i64(&self, i: usize) -> Result<i64>;
    fn opt_i64(&self, i: usize) -> Result<Option<i64>>;
    fn text(&self, i: usize) -> Result<String>;
    fn flag(&self, i: usize) -> Result<bool>;
    fn date(&self, i: usize) -> Result<NaiveDate>;
}

impl Cells for DbRow {
    fn i64(&self, i: usize) -> Result<i64> {
        Ok(self.try_get(i)?)
    }
    fn opt_i64(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.try_get(i)?)
    }
    fn text(&self, i: usize) -> Result<String> {
        Ok(self.try_get(i)?)
    }
    fn flag(&self, i: usize) -> Result<bool> {
        Ok(self.try_get(i)?)
    }
    fn date(&self, i: usize) -> Result<NaiveDate> {
        Ok(self.try_get(i)?)
    }
}

/// A sqlx transaction writes through its connection.
impl WriteTx for Tx<'_> {
    type Row = DbRow;
    async fn fetch(&mut self, q: Sql) -> Result<Vec<DbRow>> {
        (**self).fetch(q).await
    }
    async fn insert_rows(&mut self, head: &str, cols: usize, rows: Vec<Vec<Arg>>, tail: &str) -> Result<Vec<DbRow>> {
        (**self).insert_rows(head, cols, rows, tail).await
    }
    async fn insert_all(&mut self, tables: Vec<Rows>) -> Result<()> {
        (**self).insert_all(tables).await
    }
}
