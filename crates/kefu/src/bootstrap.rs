//! The first start: an empty database gets a top-level branch (unless the
//! demo made one) and an administrator with a random password, shown once.
//! Several servers may start together on one new database: the unique
//! branch code and username let one of them make each, and the others carry
//! on with what it made.

use kefu_accounts::branches::{self, NewBranch};
use kefu_accounts::users::{self, NewUser};
use kefu_core::{Actor, Lang, Role, Scope};
use kefu_store::Db;

pub struct FirstLogin {
    pub username: String,
    pub password: String,
}

pub async fn first_admin(db: &Db) -> anyhow::Result<Option<FirstLogin>> {
    if users::count(db).await? > 0 {
        return Ok(None);
    }
    let mut top = top_level(db).await?;
    if top.is_empty() {
        let hq = NewBranch { code: "HQ".into(), name: "总部".into(), kind: "group".into(), ..NewBranch::default() };
        match branches::create(db, &Actor::system(Scope::new(vec![])), hq).await {
            Ok(b) => top.push(b.id),
            Err(_) if !top_level(db).await?.is_empty() => top = top_level(db).await?,
            Err(e) => return Err(e.into()),
        }
    }
    let system = Actor::system(Scope::new(top.clone()));
    let password = random_password();
    let admin = NewUser {
        username: "admin".into(),
        display_name: "系统管理员".into(),
        password: password.clone(),
        roles: vec![Role::Admin, Role::Manager],
        branches: top,
        locale: Lang::Zh,
    };
    match users::create(db, &system, admin).await {
        Ok(_) => Ok(Some(FirstLogin { username: "admin".into(), password })),
        // Another server made the administrator first and showed its password.
        Err(_) if users::count(db).await? > 0 => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn top_level(db: &Db) -> anyhow::Result<Vec<kefu_core::ids::BranchId>> {
    Ok(branches::all(db).await?.into_iter().filter(|b| b.parent_id.is_none()).map(|b| b.id).collect())
}

/// Twelve characters from an alphabet without look-alikes (no 0/O, 1/l/I),
/// with a digit and a symbol so it meets the password policy.
pub fn random_password() -> String {
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    let bytes: [u8; 12] = rand::random();
    let mut s: String = bytes[..9].iter().map(|b| LETTERS[*b as usize % LETTERS.len()] as char).collect();
    s.push('-');
    s.extend(bytes[9..].iter().map(|b| DIGITS[*b as usize % DIGITS.len()] as char));
    s
}
