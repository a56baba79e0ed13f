//! The one error type every capability returns, so the web layer maps
//! failures to HTTP in one place.

use crate::StoreError;
use kefu_core::Invalid;
use kefu_core::access::OutOfScope;

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Bad input: names the field and the rule.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("not found")]
    NotFound,
    /// Someone else got there first (a call another agent claimed).
    #[error("{}", .0.en)]
    Conflict(kefu_core::Rule),
    /// The record or branch lies outside the actor's branches.
    #[error(transparent)]
    OutOfScope(#[from] OutOfScope),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Store(StoreError::Sql(e))
    }
}

impl Failure {
    /// Turns a unique-key violation on `field` into a field error ("already
    /// taken"); every other error passes through.
    pub fn unique_as_taken(e: sqlx::Error, field: &'static str) -> Failure {
        let err = StoreError::Sql(e);
        if err.is_unique_violation() {
            Failure::Invalid(Invalid::new(field, kefu_core::Rule::new("taken", "已被使用", "is already taken")))
        } else {
            Failure::Store(err)
        }
    }
}
