//! What the training pages and API read from a request, parsed once for
//! both: a session and an attendee's result.

use crate::fields::{date, whole_number};
use jiff::civil::Date;
use kefu_core::Invalid;
use kefu_core::ids::BranchId;
use kefu_power::training::Outcome;
use serde::Deserialize;

/// A session as typed: the station, its day (YYYY-MM-DD), topic, trainer.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SessionFields {
    pub station: String,
    pub held_on: String,
    pub topic: String,
    pub trainer: String,
}

impl SessionFields {
    pub fn read(&self) -> Result<(BranchId, Date), Invalid> {
        Ok((BranchId(whole_number("station", &self.station)?), date("held_on", &self.held_on)?))
    }
}

/// An attendee's result as typed: blanks for no score, no certificate.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResultFields {
    pub user_id: String,
    pub result: String,
    pub score: String,
    pub certificate_no: String,
    pub certificate_expires: String,
}

impl ResultFields {
    pub fn read(self) -> Result<Outcome, Invalid> {
        Ok(Outcome {
            user_id: whole_number("user_id", &self.user_id)?,
            result: self.result,
            score: match self.score.trim() {
                "" => None,
                t => Some(whole_number("score", t)?),
            },
            certificate_no: self.certificate_no,
            certificate_expires: match self.certificate_expires.trim() {
                "" => None,
                t => Some(date("certificate_expires", t)?),
            },
        })
    }
}
