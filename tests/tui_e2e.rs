//! Drives the real binary in a pseudo-terminal: opens the sample store,
//! filters to failures, opens a trace, jumps to the failing step, opens
//! help, quits, and reads the screen at each point (a vt100 emulator
//! parses what the binary draws).

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

struct Session {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    home: std::path::PathBuf,
}

impl Session {
    fn start(args: &[&str], home: &std::path::Path) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 30,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tackroom"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env_remove("NO_COLOR");
        let child = pair.slave.spawn_command(cmd).expect("spawn tackroom");
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(30, 100, 0)));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let sink = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().expect("pty writer");
        // Keep the master alive for the session's lifetime.
        std::mem::forget(pair.master);
        Session {
            parser,
            writer,
            child,
            home: home.to_path_buf(),
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `text`; fails with the screen if not.
    fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |screen| screen.contains(text))
    }

    /// Waits until `ready` holds for the screen; fails with the screen if not.
    fn wait_until(&self, text: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {text:?}; the screen shows:\n{screen}\nthe log ends:\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The end of tackroom's log file, for a failure message.
    fn log_tail(&self) -> String {
        let log = self.home.join("data/tackroom/logs/tackroom.log");
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.contains("sled::")).collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }
}

#[test]
fn triage_a_failure_end_to_end_in_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-traces");
    let out = common::bin()
        .args(["import", samples, "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut s = Session::start(&["--store", store.to_str().unwrap()], dir.path());
    let screen = s.wait_for("Traces · 660");
    assert!(
        screen.contains("✔ ok") && screen.contains("✖ FAIL"),
        "{screen}"
    );

    s.send("/");
    s.wait_for("filter /");
    s.send("outcome:failure\r");
    let screen = s.wait_for("filter: outcome:failure");
    assert!(
        !screen.contains("✔ ok"),
        "only failures are listed:\n{screen}"
    );

    s.send("\r");
    let screen = s.wait_for("Step detail");
    assert!(screen.contains("failure ·"), "{screen}");

    s.send("n");
    let screen = s.wait_for("status    error");
    assert!(screen.contains("── Error"), "{screen}");

    s.send("?");
    let screen = s.wait_for("Help · timeline");
    assert!(screen.contains("next failing step"), "{screen}");

    s.send("\x1b");
    s.send("q");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "tackroom did not quit:\n{}",
            s.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(100));
    let parser = s.parser.lock().unwrap();
    assert!(
        !parser.screen().alternate_screen(),
        "the terminal left the alternate screen"
    );
}

#[test]
fn open_by_id_lands_on_the_trace_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-traces");
    common::bin()
        .args(["import", samples, "--store"])
        .arg(&store)
        .output()
        .unwrap();
    let listing = common::bin()
        .args([
            "traces",
            "--outcome",
            "failure",
            "--limit",
            "1",
            "--json",
            "--store",
        ])
        .arg(&store)
        .output()
        .unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&listing.stdout).unwrap();
    let id = rows[0]["id"].as_str().unwrap().to_owned();

    let mut s = Session::start(
        &["open", &id, "--store", store.to_str().unwrap()],
        dir.path(),
    );
    let screen = s.wait_for("Step detail");
    assert!(screen.contains(&id), "{screen}");
    s.send("q");
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "tackroom did not quit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// POSTs `body` to `path` on `addr` over plain HTTP/1.1; returns the status line.
fn post(addr: &str, path: &str, content_type: &str, body: &[u8]) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the receiver");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn traces_sent_to_the_ui_receiver_appear_as_they_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mut s = Session::start(
        &[
            "open",
            "--listen",
            "127.0.0.1:0",
            "--store",
            store.to_str().unwrap(),
        ],
        dir.path(),
    );
    let screen = s.wait_for("0 received");
    let addr = screen
        .split("live on ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the header names the address")
        .to_owned();
    assert!(screen.contains("no traces yet"), "{screen}");

    let bodies = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/real/otlp-openinference/bodies"
    );
    let mut files: Vec<_> = std::fs::read_dir(bodies)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let status = post(
            &addr,
            "/v1/traces",
            "application/x-protobuf",
            &std::fs::read(&file).unwrap(),
        );
        assert!(status.contains(" 200"), "{}: {status}", file.display());
    }
    // Stored and merged deliveries both count as received, so the header's
    // number may pass 18; the list counts traces.
    let screen = s.wait_until("Traces · 18 with 18 rows", |screen| {
        screen.contains("Traces · 18") && screen.matches("support-").count() >= 18
    });
    assert!(!screen.contains(" 0 received"), "{screen}");
    s.send("q");
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "tackroom did not quit");
        std::thread::sleep(Duration::from_millis(50));
    }
}
