//! `kefu user …`: accounts from the command line, for the first setup and
//! for the day an administrator has forgotten their password.

use crate::config::Settings;
use anyhow::{Context, bail};
use clap::Subcommand;
use kefu_accounts::{branches, tokens, users};
use kefu_core::{Actor, Lang, Role, Scope};
use kefu_store::Db;
use std::io::BufRead;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account. Prints a generated password unless --password-stdin is given.
    Add {
        username: String,
        /// The person's name as shown in the interface.
        #[arg(long)]
        name: String,
        /// admin, manager, supervisor or agent; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Branch code; repeat for several.
        #[arg(long = "branch", required = true)]
        branches: Vec<String>,
        /// Interface language: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        locale: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (signs the user out everywhere).
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Issue an API token for a user; it is printed once.
    Token {
        username: String,
        /// What the token is for, e.g. "call-centre integration".
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

pub async fn run(settings: Settings, cmd: UserCommand) -> anyhow::Result<()> {
    let db = Db::open(&settings.database).await?;
    let all = branches::all(&db).await?;
    let system = Actor::system(Scope::new(all.iter().map(|b| b.id).collect()));
    match cmd {
        UserCommand::Add { username, name, roles, branches: codes, locale, password_stdin } => {
            let roles = roles
                .iter()
                .map(|r| {
                    Role::from_code(r)
                        .with_context(|| format!("--role: {r:?} is not one of admin, manager, supervisor, agent"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let branch_ids = codes
                .iter()
                .map(|c| {
                    all.iter()
                        .find(|b| &b.code == c)
                        .map(|b| b.id)
                        .with_context(|| format!("--branch: no branch has the code {c:?}"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            // Lang::parse falls back to Chinese; a typo on the command line is refused instead.
            let lang = Lang::parse(&locale);
            if !locale.trim().eq_ignore_ascii_case(lang.code()) && !locale.trim().eq_ignore_ascii_case("zh") {
                bail!("--locale: {locale:?} is not one of zh-CN, en");
            }
            let (password, generated) = password(password_stdin)?;
            let new = users::NewUser {
                username,
                display_name: name,
                password: password.clone(),
                roles,
                branches: branch_ids,
                locale: lang,
            };
            let user = users::create(&db, &system, new).await.map_err(explain)?;
            println!("已创建用户 / created user {} (id {})", user.username, user.id);
            if generated {
                println!("密码 / password: {password}");
            }
        }
        UserCommand::Passwd { username, password_stdin } => {
            let creds =
                users::credentials(&db, &username).await?.with_context(|| format!("no user is called {username:?}"))?;
            let (password, generated) = password(password_stdin)?;
            users::set_password(&db, &system, creds.user.id, &password).await.map_err(explain)?;
            println!("已修改密码 / password changed for {username}");
            if generated {
                println!("新密码 / new password: {password}");
            }
        }
        UserCommand::Token { username, name } => {
            let creds =
                users::credentials(&db, &username).await?.with_context(|| format!("no user is called {username:?}"))?;
            let token = tokens::issue(&db, &system, creds.user.id, &name).await?;
            println!("{token}");
        }
    }
    Ok(())
}

fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            bail!("--password-stdin: standard input was empty");
        }
        Ok((line, false))
    } else {
        Ok((crate::bootstrap::random_password(), true))
    }
}

/// Field errors read as "field: rule" on the command line.
fn explain(e: kefu_store::Failure) -> anyhow::Error {
    match e {
        kefu_store::Failure::Invalid(i) => anyhow::anyhow!("{}: {} / {}", i.field, i.rule.zh, i.rule.en),
        other => other.into(),
    }
}
