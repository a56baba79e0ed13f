//! Typed identifiers: a `CustomerId` can never be passed where a `UserId` is
//! meant, though both are database integers underneath.

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

typed_id!(
    /// A branch: a dealer group, a store, a supply station, an estate.
    BranchId,
    /// A staff account.
    UserId,
    /// A customer (person or company).
    CustomerId,
    /// One of a customer's contact people.
    ContactId,
    /// A vehicle (auto pack).
    VehicleId,
    /// A visit to the workshop (auto pack).
    ServiceVisitId,
    /// An uploaded file waiting to be imported, and its run.
    ImportJobId,
    /// A customer's complaint.
    ComplaintId,
    /// A questionnaire.
    SurveyId,
    /// A members' event (a self-drive trip, a store event).
    MemberEventId,
    /// A call in the agents' queue (an outreach task on the call channel).
    CallId,
    /// A workshop appointment (auto pack).
    AppointmentId,
    /// A repair order (auto pack).
    RepairOrderId,
);
