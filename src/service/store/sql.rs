//! The seam between the store's logic (written once, in `queue.rs`, `items.rs`,
//! `snapshots.rs`, `memory.rs`) and the two databases: an [`Engine`] runs a call in one
//! transaction and hands it a [`Tx`], which runs SQL text with [`Param`]s and gives back
//! [`Row`]s of owned [`Cell`]s.
//!
//! The SQL is written once, PostgreSQL-style (`$1` parameters); the SQLite engine reads `$N`
//! as `?N`. Where the dialects do not agree, the [`Dialect`] table holds each one's text.
//! Times are `TIMESTAMPTZ` in PostgreSQL and RFC 3339 text (UTC, microseconds: it sorts as time
//! does) in SQLite; days are `DATE` and ISO text; a [`Row`] reads either.

use std::any::Any;

use chrono::{DateTime, NaiveDate, Utc};

use super::StoreError;

/// A value bound to a statement's parameter. Nulls carry their type: PostgreSQL checks it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Param {
    Text(Option<String>),
    Int(i64),
    Time(Option<DateTime<Utc>>),
    Day(NaiveDate),
}

impl From<&str> for Param {
    fn from(s: &str) -> Param {
        Param::Text(Some(s.to_string()))
    }
}

impl From<&String> for Param {
    fn from(s: &String) -> Param {
        Param::Text(Some(s.clone()))
    }
}

impl From<String> for Param {
    fn from(s: String) -> Param {
        Param::Text(Some(s))
    }
}

impl From<Option<&str>> for Param {
    fn from(s: Option<&str>) -> Param {
        Param::Text(s.map(str::to_string))
    }
}

impl From<Option<String>> for Param {
    fn from(s: Option<String>) -> Param {
        Param::Text(s)
    }
}

impl From<i64> for Param {
    fn from(n: i64) -> Param {
        Param::Int(n)
    }
}

impl From<usize> for Param {
    fn from(n: usize) -> Param {
        Param::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<DateTime<Utc>> for Param {
    fn from(t: DateTime<Utc>) -> Param {
        Param::Time(Some(t))
    }
}

impl From<NaiveDate> for Param {
    fn from(d: NaiveDate) -> Param {
        Param::Day(d)
    }
}

/// The parameters of one statement: `args![a, b]` is `&[Param::from(a), Param::from(b)]`.
macro_rules! args {
    ($($x:expr),* $(,)?) => {
        &[$($crate::service::store::sql::Param::from($x)),*][..]
    };
}
pub(super) use args;

/// RFC 3339 in UTC with microseconds: how SQLite keeps a time (it sorts as time does).
pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// One column's value as read.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    Null,
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
    Day(NaiveDate),
    Bool(bool),
}

/// One row as read, its cells in the order of the statement's columns.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row(pub(super) Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> &Cell {
        self.0.get(i).unwrap_or(&Cell::Null)
    }

    fn unexpected<T>(&self, i: usize, what: &str) -> Result<T, StoreError> {
        Err(StoreError::Unreadable(format!(
            "column {i} of a row in the database: expected {what}, found {:?}",
            self.cell(i)
        )))
    }

    /// An integer.
    pub(super) fn int(&self, i: usize) -> Result<i64, StoreError> {
        match self.cell(i) {
            Cell::Int(n) => Ok(*n),
            _ => self.unexpected(i, "an integer"),
        }
    }

    /// A count that cannot be negative.
    pub(super) fn count(&self, i: usize) -> Result<u64, StoreError> {
        Ok(self.int(i)?.max(0) as u64)
    }

    /// A truth value (PostgreSQL's `boolean`, SQLite's 0 or 1).
    pub(super) fn flag(&self, i: usize) -> Result<bool, StoreError> {
        match self.cell(i) {
            Cell::Bool(b) => Ok(*b),
            Cell::Int(n) => Ok(*n != 0),
            _ => self.unexpected(i, "a truth value"),
        }
    }

    /// A text.
    pub(super) fn text(&self, i: usize) -> Result<String, StoreError> {
        match self.opt_text(i)? {
            Some(s) => Ok(s),
            None => self.unexpected(i, "a text"),
        }
    }

    /// A text or null.
    pub(super) fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.cell(i) {
            Cell::Null => Ok(None),
            Cell::Text(s) => Ok(Some(s.clone())),
            _ => self.unexpected(i, "a text"),
        }
    }

    /// A time.
    pub(super) fn time(&self, i: usize) -> Result<DateTime<Utc>, StoreError> {
        match self.opt_time(i)? {
            Some(t) => Ok(t),
            None => self.unexpected(i, "a time"),
        }
    }

    /// A time or null.
    pub(super) fn opt_time(&self, i: usize) -> Result<Option<DateTime<Utc>>, StoreError> {
        match self.cell(i) {
            Cell::Null => Ok(None),
            Cell::Time(t) => Ok(Some(*t)),
            Cell::Text(s) => DateTime::parse_from_rfc3339(s)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|e| {
                    StoreError::Unreadable(format!("an unreadable time {s:?} in the database: {e}"))
                }),
            _ => self.unexpected(i, "a time"),
        }
    }

    /// A day.
    pub(super) fn day(&self, i: usize) -> Result<NaiveDate, StoreError> {
        match self.cell(i) {
            Cell::Day(d) => Ok(*d),
            Cell::Text(s) => s.parse().map_err(|e| {
                StoreError::Unreadable(format!("an unreadable day {s:?} in the database: {e}"))
            }),
            _ => self.unexpected(i, "a day"),
        }
    }
}

/// One transaction's statements.
pub(super) trait Tx {
    /// Runs a statement; how many rows it changed.
    fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64, StoreError>;

    /// Runs a query; its rows.
    fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>, StoreError>;
}

impl dyn Tx + '_ {
    /// The first row of a query, if any.
    pub(super) fn query_opt(
        &mut self,
        sql: &str,
        params: &[Param],
    ) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The row of a statement that always returns one (`RETURNING`).
    pub(super) fn query_one(&mut self, sql: &str, params: &[Param]) -> Result<Row, StoreError> {
        self.query_opt(sql, params)?.ok_or_else(|| {
            StoreError::Unreadable("a statement that returns a row returned none".into())
        })
    }
}

/// A call to run in one transaction, its answer type-erased (the PostgreSQL engine runs it on
/// a thread of its own, so it owns what it needs).
pub(super) type Call =
    Box<dyn FnOnce(&mut dyn Tx) -> Result<Box<dyn Any + Send>, StoreError> + Send>;

/// Where the dialects do not agree: each one's text.
#[derive(Debug)]
pub(super) struct Dialect {
    /// Ends a `SELECT` of rows the transaction will change: PostgreSQL locks them; SQLite's
    /// write transaction holds the whole database already.
    pub(super) lock: &'static str,
    /// Ends the claim's `SELECT`: replicas claiming at once take different jobs.
    pub(super) skip_locked: &'static str,
    /// Serialises the writers of one repository's index (`$1`: `forge:repo`), where write
    /// transactions do not already run one at a time.
    pub(super) lock_repository: Option<&'static str>,
}

/// A database the store runs its calls on.
pub(super) trait Engine: Send + Sync + std::fmt::Debug {
    /// Its dialect's texts.
    fn dialect(&self) -> &'static Dialect;

    /// Runs `call` in one transaction that may write.
    fn write(&self, call: Call) -> Result<Box<dyn Any + Send>, StoreError>;

    /// Runs `call` in one transaction that only reads (SQLite: beside the writer).
    fn read(&self, call: Call) -> Result<Box<dyn Any + Send>, StoreError>;
}
