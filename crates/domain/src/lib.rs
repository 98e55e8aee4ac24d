//! Pure rules and types of xinfang (信访).
//!
//! Everything the 2022 《信访工作条例》 says about a petition's life lives here as
//! code that does no I/O. The kernel every module shares: the organisation
//! ([`org`]: unit kinds and roles), validated personal numbers ([`ids`]), the
//! official holiday calendar ([`calendar`]), deadline clocks ([`clock`]), messages to people ([`notice`]) and
//! the two ways a command is refused ([`error`]). Each module has a folder of
//! its own: the petitions in [`petition`] (registration, the procedure state
//! machine, the rule set, repeat petitions). The root re-exports only the
//! kernel's names; a module's are reached through it (`petition::Event`).
//! Articles cited in doc comments refer to the 2022 regulation unless noted.

pub mod attachment;
pub mod calendar;
pub mod clock;
pub mod dispute;
pub mod error;
pub mod ids;
pub mod notice;
pub mod org;
pub mod petition;
mod vocab;

pub use calendar::Calendar;
pub use clock::{Deadline, Holder};
pub use error::{Invalid, RuleViolation};
pub use ids::{IdNumber, Phone, UnitCode};
pub use org::{Role, UnitKind, UnitPlace};
