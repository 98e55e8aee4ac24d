//! Pure rules and types of xinfang (信访).
//!
//! Everything the 2022 《信访工作条例》 says about a petition's life lives here as
//! code that does no I/O: the vocabulary ([`vocab`]), validated personal numbers
//! ([`ids`]), the official holiday calendar ([`calendar`]), deadline clocks
//! ([`clock`]), the rule set as data ([`rules`]), petition registration
//! ([`petition`]), the procedure state machine ([`procedure`]) and the
//! scoring of repeat petitions with the rules that apply to them ([`repeat`]).
//! Articles cited in doc comments refer to the 2022 regulation unless noted.

pub mod calendar;
pub mod clock;
pub mod error;
pub mod ids;
pub mod petition;
pub mod procedure;
pub mod repeat;
pub mod rules;
pub mod vocab;

pub use calendar::Calendar;
pub use clock::{Deadline, Holder};
pub use error::{Invalid, RuleViolation};
pub use ids::{IdNumber, Phone, UnitCode};
pub use petition::{Collective, NewPetition, NewPetitioner};
pub use procedure::{CaseState, Event, EventKind, Stage};
pub use rules::RuleSet;
pub use vocab::*;
