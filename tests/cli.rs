//! The binary's subcommands, run as a user would run them.

mod common;

use std::time::Duration;

use common::{bin, on_store, trace, write_jsonl};
use tackroom::model::OutcomeLabel;
use tackroom::store::Store;

fn sample_store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.jsonl");
    let traces: Vec<_> = (0..6)
        .map(|i| {
            let outcome = if i % 2 == 0 {
                OutcomeLabel::Failure
            } else {
                OutcomeLabel::Success
            };
            trace(&format!("t{i}"), "support", outcome, i)
        })
        .collect();
    write_jsonl(&file, &traces);
    let store = dir.path().join("store");
    let out = on_store(&store, &["import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, store)
}

#[test]
fn store_option_works_before_or_after_the_subcommand_and_from_the_environment() {
    let (_dir, store) = sample_store();
    let before = bin()
        .args(["--store", store.to_str().unwrap(), "stats", "--json"])
        .output()
        .unwrap();
    let after = on_store(&store, &["stats", "--json"]);
    let env = bin()
        .args(["stats", "--json"])
        .env("TACKROOM_STORE", &store)
        .output()
        .unwrap();
    for out in [&before, &after, &env] {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["traces"], 6);
    }
}

#[test]
fn traces_json_has_the_documented_fields() {
    let (_dir, store) = sample_store();
    let out = on_store(&store, &["traces", "--outcome", "failure", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 3);
    for field in [
        "id",
        "agent",
        "harness_version",
        "task_id",
        "outcome",
        "steps",
        "duration_ms",
        "error_steps",
        "started_at",
    ] {
        assert!(rows[0].get(field).is_some(), "missing {field}");
    }
    assert_eq!(rows[0]["outcome"], "failure");
    assert_eq!(rows[0]["error_steps"], 1);
}

#[test]
fn show_prints_a_plain_timeline_when_piped() {
    let (_dir, store) = sample_store();
    let out = on_store(&store, &["show", "t0"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("trace t0"));
    assert!(text.contains("TOOL      lookup_order"), "{text}");
    assert!(text.contains("ERROR NotFound: no such order"));
    assert!(!text.contains('\x1b'), "no colour codes when piped");
}

#[test]
fn show_names_the_root_cause_computed_or_stored() {
    let (_dir, store) = sample_store();
    let show = || {
        let out = on_store(&store, &["show", "t0"]);
        String::from_utf8(out.stdout).unwrap()
    };
    // Nobody attributed it yet: the rules engine's verdict, said unstored.
    let before = show();
    assert!(
        before.contains("root cause (rules, not stored): #2 lookup_order"),
        "{before}"
    );
    let attribute = on_store(&store, &["attribute"]);
    assert!(attribute.status.success());
    let text = show();
    assert!(!text.contains("not stored"), "{text}");
    assert!(
        text.contains("root cause (rules): #2 lookup_order"),
        "{text}"
    );
    assert!(text.contains("symptom at #2 lookup_order"), "{text}");
    let success = on_store(&store, &["show", "t1"]);
    let success = String::from_utf8(success.stdout).unwrap();
    assert!(!success.contains("root cause"), "{success}");
    assert!(!success.contains("not attributed"), "{success}");
}

#[test]
fn show_unknown_id_exits_2_with_a_clear_message() {
    let (_dir, store) = sample_store();
    let out = on_store(&store, &["show", "missing"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "tackroom: no trace with id \"missing\" in the store"
    );
}

#[test]
fn show_takes_a_unique_id_prefix_and_says_when_one_is_ambiguous() {
    let (_dir, store) = sample_store();
    let exact = on_store(&store, &["show", "t4"]);
    assert!(exact.status.success());
    let ambiguous = on_store(&store, &["show", "t"]);
    assert_eq!(ambiguous.status.code(), Some(2));
    let message = String::from_utf8(ambiguous.stderr).unwrap();
    assert!(
        message.contains("6 traces have ids starting with \"t\""),
        "{message}"
    );
}

#[test]
fn import_exit_code_is_1_when_records_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.jsonl");
    std::fs::write(&file, "{oops\n").unwrap();
    let out = bin()
        .args(["import", file.to_str().unwrap(), "--store"])
        .arg(dir.path().join("s"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.jsonl:1:"), "{stderr}");
}

#[test]
fn import_reads_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let line = serde_json::to_string(&trace("piped", "support", OutcomeLabel::Success, 0)).unwrap();
    let mut child = bin()
        .args(["import", "-", "--strict", "--store"])
        .arg(dir.path().join("s"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(line.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 1 traces"));
}

#[test]
fn a_store_in_use_is_reported_in_words() {
    let (_dir, store) = sample_store();
    let _held = Store::open(&store).unwrap();
    let out = on_store(&store, &["stats"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("in use by another tackroom process"),
        "{stderr}"
    );
}

#[test]
fn label_sets_outcome_with_provenance() {
    let (_dir, store) = sample_store();
    let out = on_store(
        &store,
        &[
            "label",
            "t1",
            "--outcome",
            "failure",
            "--note",
            "wrong refund",
            "--by",
            "ana",
        ],
    );
    assert!(out.status.success());
    let out = on_store(&store, &["show", "t1", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "failure");
    assert_eq!(v["labelled_by"]["by"], "user:ana");
    assert_eq!(v["labelled_by"]["note"], "wrong refund");
}

/// Kills an import midway, then checks the store is consistent and that a
/// rerun finishes the job without duplicates.
#[test]
fn killed_import_leaves_a_consistent_store_and_a_rerun_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    tackroom::sample::generate(&tackroom::sample::SampleOptions {
        traces: 6000,
        seed: 3,
        out: samples.clone(),
    })
    .unwrap();
    let store_dir = dir.path().join("store");
    let mut child = bin()
        .args(["import", "--batch-size", "50", "--store"])
        .arg(&store_dir)
        .arg(&samples)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some batches have landed, then kill without warning.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        let size = dir_size(&store_dir);
        if size > 2_000_000 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    {
        let store = Store::open(&store_dir).unwrap();
        assert!(store.check_consistency().unwrap().is_empty());
        assert!(store.stats().unwrap().traces <= 6000);
    }
    let out = bin()
        .args(["import", "--json", "--store"])
        .arg(&store_dir)
        .arg(&samples)
        .output()
        .unwrap();
    assert!(out.status.success());
    let store = Store::open(&store_dir).unwrap();
    assert_eq!(store.stats().unwrap().traces, 6000);
    assert!(store.check_consistency().unwrap().is_empty());
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    let m = e.metadata().map(|m| m.len()).unwrap_or(0);
                    if e.path().is_dir() {
                        dir_size(&e.path())
                    } else {
                        m
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Scoring the LLM engine reads its stored verdicts and never asks the
/// model again (a real one would be paid per trace).
#[test]
fn evaluating_the_llm_engine_scores_stored_verdicts_without_asking_again() {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    let store = dir.path().join("store");
    let run = |args: &[&str]| {
        let out = bin()
            .args(args)
            .args(["--store", store.to_str().unwrap()])
            .env("TACKROOM_CONFIG", dir.path().join("no-config.toml"))
            .env_remove("TACKROOM_LLM_PROVIDER")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run(&[
        "sample",
        "generate",
        "--traces",
        "30",
        "--out",
        samples.to_str().unwrap(),
    ]);
    run(&["import", samples.to_str().unwrap()]);
    let truth = samples.join("support/labels.jsonl");
    let evaluate = [
        "attribute",
        "--engine",
        "llm",
        "--evaluate",
        "--json",
        "--truth",
        truth.to_str().unwrap(),
    ];
    let before: serde_json::Value = serde_json::from_str(&run(&evaluate)).unwrap();
    let scored = |v: &serde_json::Value| {
        let e = &v[0]["evaluation"];
        e["traces"].as_u64().unwrap() - e["unattributed"].as_u64().unwrap()
    };
    assert_eq!(scored(&before), 0, "nothing was asked yet: {before}");
    run(&["attribute", "--engine", "llm"]);
    let after: serde_json::Value = serde_json::from_str(&run(&evaluate)).unwrap();
    assert!(scored(&after) > 0, "{after}");
}

#[test]
fn harness_show_takes_the_short_hash_the_ui_shows() {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    let store = dir.path().join("store");
    let run = |args: &[&str]| {
        bin()
            .args(args)
            .args(["--store", store.to_str().unwrap()])
            .output()
            .unwrap()
    };
    run(&[
        "sample",
        "generate",
        "--traces",
        "9",
        "--out",
        samples.to_str().unwrap(),
    ]);
    run(&["import", samples.to_str().unwrap()]);
    let list = run(&["harness", "list", "--json"]);
    let versions: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let id = versions[0]["id"].as_str().unwrap();
    let short = &id["sha256:".len().."sha256:".len() + 8];
    let shown = run(&["harness", "show", short]);
    assert!(shown.status.success());
    assert!(String::from_utf8_lossy(&shown.stdout).contains("format = \"tackroom.harness/1\""));
    let ambiguous = run(&["harness", "show", "sha256:"]);
    assert_eq!(ambiguous.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&ambiguous.stderr).contains("give more of it"));
}

#[test]
fn the_workbench_without_a_terminal_says_what_to_use_instead() {
    let (_dir, store) = sample_store();
    let out = bin()
        .args(["--store", store.to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("the workbench needs a terminal"),
        "{message}"
    );
    assert!(message.contains("tackroom traces --json"), "{message}");
}
