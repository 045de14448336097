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
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `text`; fails with the screen if not.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {text:?}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
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
