//! What the 360° page shows of a customer's vehicles: each with its next
//! service, predicted from its own mileage, and the dates to mind.

use crate::vehicles::{self, Vehicle};
use crate::{maintenance, visits};
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_care::due::Due;
use kefu_core::Scope;
use kefu_core::ids::CustomerId;
use kefu_store::{Db, Failure};

/// When a vehicle's next service falls due.
pub async fn next_service(db: &Db, v: &Vehicle) -> Result<Option<Date>, Failure> {
    let readings: Vec<(Date, i64)> =
        vehicles::readings(db, v.id).await?.into_iter().map(|r| (r.date, r.mileage_km)).collect();
    Ok(maintenance::next_due(v.purchase_date, visits::last_service(db, v.id).await?, &readings))
}

/// The customer's vehicles, each with its next service.
pub async fn owned(db: &Db, scope: &Scope, customer: CustomerId) -> Result<Vec<(Vehicle, Option<Date>)>, Failure> {
    let mut owned = Vec::new();
    for v in vehicles::of_customer(db, scope, customer).await? {
        let next = next_service(db, &v).await?;
        owned.push((v, next));
    }
    Ok(owned)
}

/// How far ahead an insurance expiry is listed: the renewal's letters and
/// calls start 45 days before, so the agent sees it coming first.
pub const INSURANCE_AHEAD_DAYS: i32 = 60;

/// The vehicles' dates to mind: every next service (overdue ones flagged)
/// and the insurance expiring within [`INSURANCE_AHEAD_DAYS`].
pub fn due(today: Date, owned: &[(Vehicle, Option<Date>)]) -> Vec<Due> {
    let horizon = today + INSURANCE_AHEAD_DAYS.days();
    let mut due = Vec::new();
    for (v, next_service) in owned {
        let label = v.plate.clone().unwrap_or_else(|| v.vin.clone());
        if let Some(d) = *next_service {
            due.push(Due { date: d, what: "due_maintenance", subject: label.clone(), overdue: d < today });
        }
        if let Some(d) = v.insurance_expiry.filter(|d| *d <= horizon) {
            due.push(Due { date: d, what: "due_insurance", subject: label, overdue: d < today });
        }
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn services_are_always_listed_and_insurance_sixty_days_ahead() {
        let today = d("2026-12-04");
        let car = |plate: &str, expiry: &str| Vehicle {
            id: kefu_core::ids::VehicleId(1),
            branch_id: kefu_core::ids::BranchId(1),
            customer_id: CustomerId(1),
            driver_contact_id: None,
            vin: "LSVAA4182E2123456".into(),
            plate: Some(plate.into()),
            brand: String::new(),
            model: String::new(),
            variant: String::new(),
            colour: String::new(),
            purchase_date: None,
            selling_branch_id: None,
            mileage_km: 0,
            first_maintenance_date: None,
            insurance_expiry: Some(d(expiry)),
        };
        let owned = [(car("京A11111", "2027-02-02"), Some(d("2026-11-30"))), (car("京A22222", "2027-02-03"), None)];
        let due = due(today, &owned);
        assert_eq!(
            due.iter().map(|x| (x.what, x.subject.as_str(), x.overdue)).collect::<Vec<_>>(),
            [("due_maintenance", "京A11111", true), ("due_insurance", "京A11111", false)],
            "the second car's insurance is 61 days away"
        );
    }
}
