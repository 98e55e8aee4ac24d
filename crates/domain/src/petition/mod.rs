//! The petitions module (信访事项): registration ([`input`]), its words
//! ([`vocab`]), the procedure of 《信访工作条例》 as a state machine
//! ([`procedure`]), the rule set with every period and article ([`rules`]),
//! the content categories ([`category`]), the scoring of repeat petitions ([`repeat`]), and where report
//! materials may go ([`routing`], Art. 30 ¶3).

pub mod category;
pub mod input;
pub mod procedure;
pub mod repeat;
pub mod routing;
pub mod rules;
pub mod vocab;

pub use input::*;
pub use procedure::{CaseState, Ctx, Event, EventKind, MetDeadline, Stage};
pub use routing::check_not_respondent;
pub use rules::{ClockRule, RuleSet};
pub use vocab::*;
