//! A real SMTP server for the tests: aiosmtpd, started as a subprocess
//! (smtp_sink.py beside this file), which reports each message it receives
//! decoded by Python's own e-mail parser. The channel tests and the
//! application's tests share it.
#![allow(dead_code)] // each test binary uses its own part

use serde_json::Value;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

/// The SMTP server subprocess; dropping it kills it, pass or fail.
pub struct SmtpSink {
    child: Child,
    lines: Receiver<String>,
    pub port: u16,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        SmtpSink::spawn(&[])
    }

    /// A server that insists on STARTTLS, with a self-signed certificate
    /// for 127.0.0.1 that no trust store knows.
    pub fn start_tls(dir: &Path) -> SmtpSink {
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        let made = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
            .args(["-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:FALSE"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|e| {
                panic!("cannot run openssl: {e}; install it (apt-get install openssl; scripts/test does)")
            });
        assert!(made.success(), "openssl could not make a certificate");
        SmtpSink::spawn(&[cert.as_os_str(), key.as_os_str()])
    }

    fn spawn(tls: &[&OsStr]) -> SmtpSink {
        // A free port: bind, read it, release it for the server.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../kefu-outreach/tests/support/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .args(tls)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start python3 for the SMTP server: {e}; install Python 3"));
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let sink = SmtpSink { child, lines, port };
        match sink.lines.recv_timeout(Duration::from_secs(20)) {
            Ok(line) if line == "READY" => sink,
            other => panic!(
                "the SMTP server did not start ({other:?}; its error is above): is aiosmtpd installed? \
                 python3 -m pip install aiosmtpd (scripts/test does)"
            ),
        }
    }

    pub fn next_message(&self) -> Value {
        let line = self.lines.recv_timeout(Duration::from_secs(10)).expect("a message arrives at the SMTP server");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    pub fn assert_nothing_more(&self) {
        match self.lines.recv_timeout(Duration::from_millis(300)) {
            Err(RecvTimeoutError::Timeout) => {}
            other => panic!("the SMTP server got more: {other:?}"),
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
