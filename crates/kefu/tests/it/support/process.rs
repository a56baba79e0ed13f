//! Running the real `kefu` binary in tests: a working folder with its own
//! database, one-shot commands with bounded waits, and a served instance that
//! is stopped (or killed) however the test ends.

use super::Backend;
use kefu_store::Db;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};
use tokio::time::{Instant, timeout};

pub const KEFU: &str = env!("CARGO_BIN_EXE_kefu");
/// How long a one-shot command may take: long enough for `kefu demo` on
/// PostgreSQL on a busy two-core machine, short enough to catch a hang.
pub const COMMAND: Duration = Duration::from_secs(300);
/// How long `serve --demo` may take to load 2,000 customers in a debug build.
pub const DEMO_START: Duration = Duration::from_secs(240);
/// How long `serve` without the demo may take to start.
pub const START: Duration = Duration::from_secs(60);
/// How long a server may take to stop after SIGTERM.
pub const STOP: Duration = Duration::from_secs(30);

pub const URL_LINE: &str = "kefu 已启动 / is running: ";
pub const ADMIN_LINE: &str = "首个管理员 / first admin";

// ---------------------------------------------------------------------------
// The harness: a working folder, one-shot commands and a running server.

/// A temporary working folder and the database the commands use.
pub struct Work {
    pub dir: tempfile::TempDir,
    /// Passed as `--database`; `None` leaves the binary to its default.
    pub database: Option<String>,
}

/// A finished command.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Run {
        assert!(self.status.success(), "the command should succeed: {self:#?}");
        self
    }

    /// A failure, explained on stderr, with nothing on stdout for a script
    /// to mistake for a result.
    #[track_caller]
    pub fn fails(self) -> Run {
        assert!(!self.status.success(), "the command should fail: {self:#?}");
        assert!(self.stdout.is_empty(), "a failed command prints nothing on stdout: {self:#?}");
        assert!(self.stderr.contains("Error: "), "the error is on stderr: {self:#?}");
        self
    }

    #[track_caller]
    pub fn says(&self, text: &str) -> &Run {
        assert!(
            self.stdout.contains(text) || self.stderr.contains(text),
            "the output should mention {text:?}: {self:#?}"
        );
        self
    }
}

impl Work {
    /// A working folder and a database nobody has touched: a SQLite file that
    /// does not exist yet, or a new PostgreSQL database without the schema.
    pub async fn empty(backend: Backend) -> Work {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("kefu.db").display()),
            Backend::Postgres => empty_postgres().await,
        };
        Work { dir, database: Some(database) }
    }

    /// A working folder for commands on the database at `url`.
    pub fn on(url: &str) -> Work {
        Work { dir: tempfile::tempdir().expect("temp dir"), database: Some(url.to_string()) }
    }

    pub fn database(&self) -> &str {
        self.database.as_deref().expect("this working folder names its database")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary with the working folder, `--database` and a clean
    /// environment: nothing from the developer's shell leaks in.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(KEFU);
        cmd.current_dir(self.dir.path());
        for var in [
            "DATABASE_URL",
            "KEFU_CONFIG",
            "KEFU_BIND",
            "KEFU_ZONE",
            "KEFU_COOKIE_SECURE",
            "KEFU_LOG",
            "KEFU_METRICS_TOKEN",
        ] {
            cmd.env_remove(var);
        }
        // Error messages without backtraces, as an operator sees them.
        cmd.env("RUST_LIB_BACKTRACE", "0");
        if let Some(db) = &self.database {
            cmd.args(["--database", db]);
        }
        cmd.args(args).kill_on_drop(true);
        cmd
    }

    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with_input(args, None).await
    }

    /// Runs a command to its end (at most [`COMMAND`]), with `input` on its
    /// standard input.
    pub async fn run_with_input(&self, args: &[&str], input: Option<&str>) -> Run {
        let mut cmd = self.command(args);
        cmd.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start kefu");
        if let Some(text) = input {
            let mut stdin = child.stdin.take().expect("stdin is piped");
            // A command that fails before reading its input may already be gone.
            match stdin.write_all(text.as_bytes()).await {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("write to kefu's stdin: {e}"),
                _ => {}
            }
            drop(stdin);
        }
        // On timeout the child is dropped, and so killed.
        let out = timeout(COMMAND, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("kefu {args:?} did not finish within {COMMAND:?}"))
            .expect("wait for kefu");
        Run {
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Starts `kefu serve …` and reads its standard output up to the line
    /// with the address, waiting at most `within`.
    pub async fn serve(&self, args: &[&str], within: Duration) -> Server {
        let log = self.path(&format!("serve-{}.log", rand::random::<u32>()));
        let mut cmd = self.command(&[&["serve"], args].concat());
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("create the server log"));
        let mut child = cmd.spawn().expect("start kefu serve");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut server = Server { child, stdout: BufReader::new(stdout).lines(), log, url: String::new() };
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(line) = server.next_line(left).await else {
                panic!("kefu serve printed no address within {within:?}; its log:\n{}", server.log())
            };
            if let Some(url) = line.strip_prefix(URL_LINE) {
                server.url = url.trim().trim_end_matches('/').to_string();
                assert!(server.url.starts_with("http://127.0.0.1:"), "{line}");
                return server;
            }
            assert!(!line.contains("password"), "nothing about passwords before the address: {line}");
        }
    }
}

/// A running `kefu serve`.
pub struct Server {
    pub child: Child,
    pub stdout: Lines<BufReader<ChildStdout>>,
    pub log: PathBuf,
    /// `http://127.0.0.1:PORT`, without the final slash.
    pub url: String,
}

/// A test that fails half-way still stops its server (the command is also
/// `kill_on_drop`; this says so where the server is).
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

impl Server {
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The next line of standard output, if one comes within `within` and
    /// the server is still running.
    pub async fn next_line(&mut self, within: Duration) -> Option<String> {
        // `next_line` is cancel-safe, so a timeout loses no output.
        match timeout(within, self.stdout.next_line()).await {
            Ok(line) => line.expect("read kefu's output"),
            Err(_) => None,
        }
    }

    /// Every line printed within `within`.
    pub async fn lines_for(&mut self, within: Duration) -> Vec<String> {
        let deadline = Instant::now() + within;
        let mut lines = Vec::new();
        while let Some(line) = self.next_line(deadline.saturating_duration_since(Instant::now())).await {
            lines.push(line);
        }
        lines
    }

    /// Kills the server at once (SIGKILL), as a power cut or the OOM killer
    /// would, and waits until it is gone.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("send SIGKILL");
        timeout(STOP, self.child.wait()).await.expect("the killed server is gone").expect("wait for kefu serve");
    }

    /// Stops the server the way a service manager does, with SIGTERM, and
    /// waits for it to exit.
    pub async fn stop(mut self) -> ExitStatus {
        let pid = self.child.id().expect("the server is still running");
        let sent = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("run kill");
        assert!(sent.success(), "kill -TERM {pid}");
        match timeout(STOP, self.child.wait()).await {
            Ok(status) => status.expect("wait for kefu serve"),
            Err(_) => panic!("kefu serve did not stop within {STOP:?} of SIGTERM; its log:\n{}", self.log()),
        }
    }
}

/// A new PostgreSQL database without the schema, on the server the test
/// script started.
pub async fn empty_postgres() -> String {
    let admin_url = std::env::var("KEFU_TEST_PG_URL").unwrap_or_else(|_| {
        panic!(
            "KEFU_TEST_PG_URL is not set. Run the tests with scripts/test, which starts a throwaway PostgreSQL \
             server, or set KEFU_TEST_PG_URL to a server on which the tests may create databases."
        )
    });
    let name = format!("kefu_cli_{}", hex::encode(rand::random::<[u8; 6]>()));
    let admin = Db::connect(&admin_url).await.expect("connect to the test PostgreSQL server");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(admin.pool())
        .await
        .expect("create test database");
    admin.close().await;
    let base = admin_url.rsplit_once('/').expect("URL has a database part").0;
    format!("{base}/{name}")
}

/// A browser-like client: keeps cookies, shows redirects instead of
/// following them, and gives up on a request after a minute.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Fills in and sends the sign-in form, as [`super::TestApp::try_login`].
pub async fn sign_in(client: &reqwest::Client, server: &Server, username: &str, password: &str) -> reqwest::Response {
    let page = client.get(server.at("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = super::csrf_in(&page).expect("the sign-in form has a CSRF token");
    client
        .post(server.at("/login"))
        .form(&[("username", username), ("password", password), ("_csrf", &csrf), ("next", "/")])
        .send()
        .await
        .unwrap()
}
