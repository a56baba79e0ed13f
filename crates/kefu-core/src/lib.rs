//! The shared kernel of kefu: the vocabulary every other crate speaks.
//!
//! Nothing here touches the database, the network or the clock; everything is
//! plain data and plain functions, tested without I/O.

pub mod access;
pub mod allocation;
pub mod decimal;
pub mod ident;
pub mod ids;
pub mod money;
pub mod rate;
pub mod time;
pub mod validation;

pub use access::{Actor, Permission, Role, Scope};
pub use money::Money;
pub use validation::{Invalid, Lang, Rule, optional_text, required_text};
