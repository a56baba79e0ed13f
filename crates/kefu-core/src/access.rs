//! Who may do what, and where: roles, the permission table, and the acting
//! user's branch scope. Every route asks these questions in one place (the web
//! crate's guard); capabilities receive an [`Actor`] and never decide access
//! themselves beyond "is this branch in scope".

use crate::ids::{BranchId, UserId};
use crate::validation::Lang;
use serde::{Deserialize, Serialize};

/// What a route or an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the today page and one's own profile.
    TodayView,
    /// Read customer and asset archives.
    CustomersRead,
    /// Change customer and asset archives.
    CustomersWrite,
    /// See personal data (phone numbers, ID numbers) unmasked.
    PersonalDataView,
    /// Create and change staff accounts.
    UsersManage,
    /// Create and change branches.
    BranchesManage,
    /// Read the audit log.
    AuditRead,
    /// Work the call queue: claim calls and record their outcomes.
    CallsWork,
    /// Run the daily outreach and edit the playbooks.
    OutreachManage,
    /// See and close the follow-up items problems open.
    FollowUpsManage,
    /// Take in complaints and handle them to closure (they name customers
    /// and what they said, so the IT administrator has no part in them).
    ComplaintsWork,
    /// Build surveys, invite customers, take phone surveys, read results.
    SurveysWork,
    /// Run the workshop's service: open repair orders and take their steps
    /// (service advisors, their supervisors and managers).
    ServiceWork,
    /// Set the workshop's capacity (bays, technician hours, opening hours).
    WorkshopManage,
    /// Power pack: keep the electricity accounts, meters and applications
    /// (业扩报装) and take their steps.
    PowerWork,
    /// Power pack: enter and import meter readings, and keep the meter
    /// archive's field work (rotation, field tests).
    ReadingsWork,
    /// Power pack: inspections, violation and theft cases (用电监察).
    InspectionWork,
    /// Power pack: take payments at the counter and close the cashier's day.
    PaymentsTake,
    /// Power pack: run billing, edit tariffs, approve planned outages, close
    /// a theft case over the escalation amount (严禁私下结案) and waive late
    /// charges; a manager's decisions.
    PowerManage,
    /// Property pack: the front desk, visitors, houses and owners, repairs,
    /// notices and fee collection at the desk.
    EstateWork,
    /// Property pack: fee items and rates, billing runs, late-fee waivers
    /// and the visitor retention setting.
    EstateManage,
}

/// Staff roles. Packs add their own roles later by extending this table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// IT: accounts, branches, audit. Needs no customer's phone number.
    Admin,
    /// Store or centre manager: everything in their branches.
    Manager,
    /// Call-centre or service supervisor.
    Supervisor,
    /// Call-centre agent or service advisor.
    Agent,
    /// Power pack: a supply station's meter reader (抄表员).
    MeterReader,
    /// Power pack: an inspector (用电检查员).
    Inspector,
    /// Power pack: a cashier at a supply station's counter (收费员).
    Cashier,
}

use Permission::*;

/// The one table mapping roles to permissions.
const ROLE_PERMISSIONS: &[(Role, &[Permission])] = &[
    (Role::Admin, &[TodayView, CustomersRead, UsersManage, BranchesManage, AuditRead, OutreachManage]),
    (
        Role::Manager,
        &[
            TodayView,
            CustomersRead,
            CustomersWrite,
            PersonalDataView,
            UsersManage,
            AuditRead,
            CallsWork,
            OutreachManage,
            FollowUpsManage,
            ComplaintsWork,
            SurveysWork,
            ServiceWork,
            WorkshopManage,
            PowerWork,
            ReadingsWork,
            InspectionWork,
            PaymentsTake,
            PowerManage,
            EstateWork,
            EstateManage,
        ],
    ),
    (
        Role::Supervisor,
        &[
            TodayView,
            CustomersRead,
            CustomersWrite,
            PersonalDataView,
            CallsWork,
            FollowUpsManage,
            ComplaintsWork,
            SurveysWork,
            ServiceWork,
            WorkshopManage,
            PowerWork,
            ReadingsWork,
            InspectionWork,
            PaymentsTake,
            EstateWork,
        ],
    ),
    (
        Role::Agent,
        &[
            TodayView,
            CustomersRead,
            CustomersWrite,
            PersonalDataView,
            CallsWork,
            ComplaintsWork,
            SurveysWork,
            ServiceWork,
            PowerWork,
            EstateWork,
        ],
    ),
    (Role::MeterReader, &[TodayView, CustomersRead, ReadingsWork]),
    (Role::Inspector, &[TodayView, CustomersRead, PersonalDataView, InspectionWork]),
    (Role::Cashier, &[TodayView, CustomersRead, PaymentsTake]),
];

impl Role {
    pub const ALL: [Role; 7] =
        [Role::Admin, Role::Manager, Role::Supervisor, Role::Agent, Role::MeterReader, Role::Inspector, Role::Cashier];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::MeterReader => "meter_reader",
            Role::Inspector => "inspector",
            Role::Cashier => "cashier",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Seniority, for who may grant what: nobody grants a role ranked above
    /// their own, nor administers an account that holds one. The IT
    /// administrator ranks above a manager, so a store manager cannot make
    /// anyone an administrator.
    pub fn rank(self) -> u8 {
        match self {
            Role::Admin => 3,
            Role::Manager => 2,
            Role::Supervisor => 1,
            Role::Agent | Role::MeterReader | Role::Inspector | Role::Cashier => 0,
        }
    }

    pub fn permissions(self) -> &'static [Permission] {
        ROLE_PERMISSIONS.iter().find(|(role, _)| *role == self).map(|(_, perms)| *perms).unwrap_or(&[])
    }
}

/// The branches an actor may see: the ones they were given and every branch
/// beneath those.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    branches: Vec<BranchId>,
}

/// Refusal: the record or branch lies outside the actor's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("branch {0} is outside your scope")]
pub struct OutOfScope(pub BranchId);

impl Scope {
    pub fn new(mut branches: Vec<BranchId>) -> Scope {
        branches.sort();
        branches.dedup();
        Scope { branches }
    }

    pub fn branches(&self) -> &[BranchId] {
        &self.branches
    }

    pub fn contains(&self, branch: BranchId) -> bool {
        self.branches.binary_search(&branch).is_ok()
    }

    pub fn check(&self, branch: BranchId) -> Result<(), OutOfScope> {
        if self.contains(branch) { Ok(()) } else { Err(OutOfScope(branch)) }
    }

    /// An SQL list of the branch ids, for `branch_id IN (...)`. The ids are
    /// integers we produced, never user text, so inlining them is safe and
    /// keeps one prepared-statement shape per scope size out of the way.
    pub fn sql_list(&self) -> String {
        if self.branches.is_empty() {
            return "NULL".to_string();
        }
        self.branches.iter().map(|b| b.0.to_string()).collect::<Vec<_>>().join(",")
    }
}

/// The signed-in user acting on a request.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub scope: Scope,
    pub lang: Lang,
}

impl Actor {
    pub fn can(&self, permission: Permission) -> bool {
        self.roles.iter().any(|r| r.permissions().contains(&permission))
    }

    /// Whether the actor's most senior role ranks at or above `role`.
    pub fn outranks_or_equals(&self, role: Role) -> bool {
        self.roles.iter().any(|r| r.rank() >= role.rank())
    }

    /// The actor for work nobody signed in to do (the nightly run, the CLI).
    pub fn system(scope: Scope) -> Actor {
        Actor {
            user_id: UserId(0),
            username: "system".into(),
            display_name: "系统".into(),
            roles: vec![Role::Admin],
            scope,
            lang: Lang::Zh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: Vec<Role>) -> Actor {
        Actor {
            user_id: UserId(1),
            username: "u".into(),
            display_name: "u".into(),
            roles,
            scope: Scope::new(vec![BranchId(3), BranchId(1)]),
            lang: Lang::Zh,
        }
    }

    #[test]
    fn every_role_can_see_today() {
        for role in Role::ALL {
            assert!(actor(vec![role]).can(TodayView), "{role:?}");
        }
    }

    #[test]
    fn admin_manages_accounts_but_sees_personal_data_masked() {
        let admin = actor(vec![Role::Admin]);
        assert!(admin.can(UsersManage));
        assert!(!admin.can(PersonalDataView));
        assert!(!actor(vec![Role::Agent]).can(UsersManage));
        assert!(!admin.can(ServiceWork), "IT does not run the workshop");
        assert!(actor(vec![Role::Agent]).can(ServiceWork));
    }

    #[test]
    fn scope_checks_branch_membership() {
        let a = actor(vec![Role::Agent]);
        assert!(a.scope.check(BranchId(3)).is_ok());
        assert_eq!(a.scope.check(BranchId(2)), Err(OutOfScope(BranchId(2))));
        assert_eq!(a.scope.sql_list(), "1,3");
        assert_eq!(Scope::new(vec![]).sql_list(), "NULL");
    }

    #[test]
    fn a_manager_ranks_below_the_administrator_and_above_the_floor() {
        let manager = actor(vec![Role::Manager]);
        assert!(!manager.outranks_or_equals(Role::Admin));
        for role in [Role::Manager, Role::Supervisor, Role::Agent] {
            assert!(manager.outranks_or_equals(role), "{role:?}");
        }
        assert!(!actor(vec![]).outranks_or_equals(Role::Agent), "no role, no rank");
    }

    #[test]
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
    }
}
