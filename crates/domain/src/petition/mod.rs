//! The petitions module (信访事项): registration ([`input`]), its words
//! ([`vocab`]), the procedure of 《信访工作条例》 as a state machine
//! ([`procedure`]), the rule set with every period and article ([`rules`]),
//! and the scoring of repeat petitions ([`repeat`]).

pub mod input;
pub mod procedure;
pub mod repeat;
pub mod rules;
pub mod vocab;

pub use input::*;
pub use procedure::{CaseState, Ctx, Event, EventKind, Stage};
pub use rules::{ClockRule, RuleSet};
pub use vocab::*;
