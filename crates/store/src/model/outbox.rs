//! Messages to people (the outbox), where a unit's reminders go, and the
//! leases and throttles that several servers share.

/// A notice to a case's petitioner, written with the event that causes it.
/// The store sends it to the contact the petitioner gave (the phone of the
/// representative, else of the first petitioner; nothing when none gave
/// one) and puts the case number where `{case_no}` stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PetitionerNotice {
    pub kind: String,
    pub subject: String,
    pub body: String,
}

/// A message to a given address: a unit's reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub kind: String,
    pub channel: String,
    pub to_addr: String,
    pub to_masked: String,
    pub subject: String,
    pub body: String,
    pub petition_id: Option<i64>,
    pub unit_id: Option<i64>,
    /// Makes the message once: a second with the same key is not written.
    pub once_key: Option<String>,
}

/// A message as the dispatcher and the pages read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub channel: String,
    /// The sealed phone of a petitioner (field `phone`), or
    pub to_enc: Option<Vec<u8>>,
    /// a unit's address as configured.
    pub to_addr: Option<String>,
    pub to_masked: String,
    pub subject: String,
    pub body: String,
    pub petition_id: Option<i64>,
    pub case_no: Option<String>,
    pub unit_name: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub next_us: i64,
    pub sent_us: Option<i64>,
    pub last_error: Option<String>,
    pub created_us: i64,
}

/// What became of one try to send a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent {
        at_us: i64,
    },
    /// Failed; try again at `next_us`.
    Retry {
        error: String,
        next_us: i64,
    },
    /// Failed for the last time (or cannot ever be sent).
    GiveUp {
        error: String,
    },
}

/// Where a unit's reminders go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitContact {
    pub unit_id: i64,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A case of a unit's reminder: its running office deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCase {
    pub unit_id: i64,
    pub case_no: String,
    pub due: chrono::NaiveDate,
}

/// A petitioner's request window (申请复查/复核) that closes soon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosingWindow {
    pub petition_id: i64,
    pub case_no: String,
    pub clock: String,
    pub due: chrono::NaiveDate,
}

/// A throttle's count for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleCount {
    pub n: i64,
    pub since_us: i64,
    pub last_us: i64,
    pub until_us: Option<i64>,
}

/// A login lock in force: account, address, failures, until.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleLock {
    pub who: String,
    pub address: String,
    pub n: i64,
    pub until_us: i64,
}

/// Which messages a list shows: those about the units at or below the
/// unit of tree path `under` (and the cases they registered), of `status`,
/// or the one message `id`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessageFilter<'a> {
    pub under: &'a str,
    pub status: Option<&'a str>,
    pub id: Option<i64>,
}
