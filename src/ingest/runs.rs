//! LangSmith runs: run exports (one per line or nested `child_runs`), the
//! older `/runs/batch` JSON payloads, and the `multipart/form-data` bodies
//! the SDK posts to `/runs/multipart` (`post.<id>` plus `.inputs`,
//! `.outputs`, `.error`, `.events`, `.extra` parts).

use crate::ingest::spans::Score;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::ingest::usage::tokens_from;
use crate::model::{OutcomeLabel, Step, StepError, StepKind, StepStatus};

/// One run, possibly assembled from several parts.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub id: String,
    pub trace_id: String,
    pub parent_run_id: Option<String>,
    pub dotted_order: String,
    pub name: String,
    pub run_type: String,
    pub session_name: Option<String>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub inputs: Value,
    pub outputs: Value,
    pub error: Option<String>,
    pub extra: Map<String, Value>,
    pub events: Value,
    pub feedback_stats: Value,
    /// Fields not mapped above, kept as attributes.
    pub rest: Map<String, Value>,
}

impl RunRecord {
    /// Later parts win where they carry something.
    pub fn merge(&mut self, other: RunRecord) {
        keep(&mut self.trace_id, other.trace_id);
        keep(&mut self.parent_run_id, other.parent_run_id);
        keep(&mut self.dotted_order, other.dotted_order);
        keep(&mut self.name, other.name);
        keep(&mut self.run_type, other.run_type);
        keep(&mut self.session_name, other.session_name);
        keep(&mut self.start_time, other.start_time);
        keep(&mut self.end_time, other.end_time);
        keep(&mut self.inputs, other.inputs);
        keep(&mut self.outputs, other.outputs);
        keep(&mut self.error, other.error);
        keep(&mut self.extra, other.extra);
        keep(&mut self.events, other.events);
        keep(&mut self.feedback_stats, other.feedback_stats);
        self.rest.extend(other.rest);
    }

    /// An outcome from feedback such as `{"task_success": {"avg": 1.0}}`.
    pub fn feedback_outcome(&self) -> Option<(OutcomeLabel, Option<f64>, String)> {
        let stats = self.feedback_stats.as_object()?;
        let (key, stat) = stats.iter().next()?;
        let value = stat
            .get("avg")
            .and_then(Value::as_f64)
            .or_else(|| stat.as_f64())?;
        let outcome = if value >= 0.5 {
            OutcomeLabel::Success
        } else {
            OutcomeLabel::Failure
        };
        Some((outcome, Some(value), key.clone()))
    }
}

/// Takes `new` unless it is empty.
fn keep<T: PartialEq + Default>(slot: &mut T, new: T) {
    if new != T::default() {
        *slot = new;
    }
}

fn time(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let text = value?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

fn string(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_owned)
}

const MAPPED: &[&str] = &[
    "id",
    "trace_id",
    "parent_run_id",
    "dotted_order",
    "name",
    "run_type",
    "session_name",
    "start_time",
    "end_time",
    "inputs",
    "outputs",
    "error",
    "extra",
    "events",
    "feedback_stats",
    "child_runs",
];

/// A run object → record(s): the run and, recursively, its `child_runs`.
pub fn decode_run(value: &Value, out: &mut Vec<RunRecord>) -> Result<(), (String, String)> {
    let obj = value
        .as_object()
        .ok_or(("".to_owned(), "expected a run object".to_owned()))?;
    let id = string(obj.get("id")).ok_or((
        "id".to_owned(),
        "expected the run id as a string".to_owned(),
    ))?;
    let run = RunRecord {
        // Missing in patches: the run's post part carries it.
        trace_id: string(obj.get("trace_id")).unwrap_or_default(),
        parent_run_id: string(obj.get("parent_run_id")),
        dotted_order: string(obj.get("dotted_order")).unwrap_or_default(),
        name: string(obj.get("name")).unwrap_or_default(),
        run_type: string(obj.get("run_type")).unwrap_or_default(),
        session_name: string(obj.get("session_name")),
        start_time: time(obj.get("start_time")),
        end_time: time(obj.get("end_time")),
        inputs: obj.get("inputs").cloned().unwrap_or(Value::Null),
        outputs: obj.get("outputs").cloned().unwrap_or(Value::Null),
        error: string(obj.get("error")),
        extra: obj
            .get("extra")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        events: obj.get("events").cloned().unwrap_or(Value::Null),
        feedback_stats: obj.get("feedback_stats").cloned().unwrap_or(Value::Null),
        rest: obj
            .iter()
            .filter(|(k, _)| !MAPPED.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        id,
    };
    let children = obj
        .get("child_runs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // A root run without a trace id is its trace's id.
    let trace = if run.trace_id.is_empty() {
        run.id.clone()
    } else {
        run.trace_id.clone()
    };
    let parent = run.id.clone();
    out.push(run);
    for child in children {
        let mut child = child;
        if child.get("parent_run_id").is_none() {
            child["parent_run_id"] = json!(parent);
        }
        if child.get("trace_id").is_none() {
            child["trace_id"] = json!(trace);
        }
        decode_run(&child, out)?;
    }
    Ok(())
}

/// `{"post": [...], "patch": [...]}` (the `/runs/batch` payload).
pub fn decode_batch(value: &Value, out: &mut Vec<RunRecord>) -> Result<(), (String, String)> {
    for key in ["post", "patch"] {
        for (i, run) in value
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            decode_run(run, out)
                .map_err(|(field, message)| (format!("{key}[{i}].{field}"), message))?;
        }
    }
    Ok(())
}

pub fn sniff_run(value: &Value) -> Result<(), String> {
    let obj = value.as_object().ok_or("not a JSON object")?;
    if obj.contains_key("run_type") && obj.contains_key("id") {
        Ok(())
    } else {
        Err("no `run_type` and `id` fields".into())
    }
}

pub fn sniff_batch(value: &Value) -> Result<(), String> {
    let post = value.get("post").and_then(Value::as_array);
    let patch = value.get("patch").and_then(Value::as_array);
    if post.or(patch).is_some() {
        Ok(())
    } else {
        Err("no `post` or `patch` array".into())
    }
}

/// A `multipart/form-data` body: parts named `post.<id>[.field]` or
/// `patch.<id>[.field]`, each a JSON value; `feedback.<id>` parts carry
/// feedback (scores); `attachment.<run id>.<name>` parts (files the SDK
/// uploads with a run) are not stored and only named on the run.
pub fn decode_multipart(
    body: &[u8],
    boundary: &str,
) -> Result<(Vec<RunRecord>, Vec<Score>), String> {
    let mut runs: Vec<(String, Map<String, Value>)> = Vec::new();
    let mut feedback = Vec::new();
    let mut attachments: Vec<(String, String)> = Vec::new();
    for (name, data) in multipart_parts(body, boundary)? {
        let mut pieces = name.splitn(3, '.');
        let (Some(verb), Some(id)) = (pieces.next(), pieces.next()) else {
            return Err(format!("part {name:?}: expected post.<run id>[.field]"));
        };
        if verb == "attachment" {
            attachments.push((id.to_owned(), pieces.next().unwrap_or_default().to_owned()));
            continue;
        }
        let value: Value =
            serde_json::from_slice(&data).map_err(|e| format!("part {name:?}: {e}"))?;
        if verb == "feedback" {
            feedback.push(decode_feedback(&value).map_err(|m| format!("part {name:?}: {m}"))?);
            continue;
        }
        if verb != "post" && verb != "patch" {
            return Err(format!(
                "part {name:?}: expected post., patch., feedback. or attachment. parts"
            ));
        }
        let slot = match runs.iter().position(|(r, _)| r == id) {
            Some(i) => &mut runs[i].1,
            None => {
                runs.push((id.to_owned(), Map::new()));
                &mut runs.last_mut().expect("just pushed").1
            }
        };
        match pieces.next() {
            Some(field) => {
                slot.insert(field.to_owned(), value);
            }
            None => {
                if let Value::Object(fields) = value {
                    slot.extend(fields);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (id, mut fields) in runs {
        fields.entry("id").or_insert(json!(id));
        let names: Vec<&str> = attachments
            .iter()
            .filter(|(run, _)| *run == id)
            .map(|(_, name)| name.as_str())
            .collect();
        if !names.is_empty() {
            fields.insert("attachments".into(), json!(names));
        }
        decode_run(&Value::Object(fields), &mut out)
            .map_err(|(f, m)| format!("run {id}: {f}: {m}"))?;
    }
    Ok((out, feedback))
}

/// One LangSmith feedback object (`POST /feedback`, or a `feedback.<id>`
/// part): `key` and a numeric `score` (or a number / boolean `value`) for a
/// `trace_id` or `run_id`. A run id is mapped to its trace when assembled.
pub fn decode_feedback(value: &Value) -> Result<Score, String> {
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
    let trace_id = text("trace_id")
        .or_else(|| text("run_id"))
        .ok_or("feedback: expected a trace_id or run_id")?;
    let key = text("key").ok_or("feedback: expected a key")?;
    let score = value
        .get("score")
        .and_then(Value::as_f64)
        .or_else(|| match value.get("value") {
            Some(Value::Bool(b)) => Some(if *b { 1.0 } else { 0.0 }),
            Some(v) => v.as_f64(),
            None => None,
        })
        .ok_or("feedback: expected a numeric score (or a number or boolean value)")?;
    Ok(Score {
        trace_id,
        name: key,
        value: score,
        source: "langsmith:feedback".into(),
    })
}

/// The boundary of a multipart body: its first line without the `--`.
pub fn multipart_boundary(body: &[u8]) -> Option<String> {
    let end = body.iter().position(|b| *b == b'\r' || *b == b'\n')?;
    let first = std::str::from_utf8(&body[..end]).ok()?;
    first
        .strip_prefix("--")
        .map(str::to_owned)
        .filter(|b| !b.is_empty())
}

/// Splits a multipart body with multer (run on a local executor).
fn multipart_parts(body: &[u8], boundary: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let data = bytes::Bytes::copy_from_slice(body);
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(data) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    futures::executor::block_on(async {
        let mut parts = Vec::new();
        while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
            let name = field.name().unwrap_or_default().to_owned();
            let data = field.bytes().await.map_err(|e| e.to_string())?;
            parts.push((name, data.to_vec()));
        }
        Ok(parts)
    })
}

/// Turns what LangSmith records around a value into the value: tool
/// inputs `{"args": {...}}`, outputs `{"output": "..."}`.
fn unwrap_single(value: &Value, key: &str) -> Value {
    match value.as_object() {
        Some(obj) if obj.len() == 1 && obj.contains_key(key) => {
            let inner = &obj[key];
            match inner {
                Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| inner.clone()),
                other => other.clone(),
            }
        }
        _ => value.clone(),
    }
}

pub fn run_to_step(run: &RunRecord) -> Step {
    let kind = match run.run_type.as_str() {
        "llm" => StepKind::LlmCall,
        "tool" => StepKind::ToolCall,
        "retriever" => StepKind::Retrieval,
        "chain" if run.parent_run_id.is_none() => StepKind::Agent,
        "chain" | "prompt" | "parser" => StepKind::Chain,
        _ => StepKind::Other,
    };
    let mut step = Step {
        parent_id: run.parent_run_id.clone(),
        input: run.inputs.clone(),
        output: run.outputs.clone(),
        started_at: run.start_time,
        ended_at: run.end_time,
        source_id: Some(run.id.clone()),
        ..Step::new(run.id.clone(), kind, run.name.clone())
    };
    if kind == StepKind::ToolCall {
        step.input = unwrap_single(&run.inputs, "args");
        step.output = unwrap_single(&run.outputs, "output");
    }
    if kind == StepKind::LlmCall {
        let params = run.extra.get("invocation_params");
        let metadata = run.extra.get("metadata");
        step.model = params
            .and_then(|p| p.get("model").or_else(|| p.get("model_name")))
            .or_else(|| metadata.and_then(|m| m.get("ls_model_name")))
            .or_else(|| run.outputs.get("model"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let usage = run
            .outputs
            .get("usage")
            .or_else(|| run.outputs.get("usage_metadata"));
        if let Some(usage) = usage {
            step.tokens = Some(tokens_from(
                usage,
                &["prompt_tokens", "input_tokens"],
                &["completion_tokens", "output_tokens"],
            ));
        }
    }
    if let Some(error) = &run.error {
        step.status = StepStatus::Error;
        let error_type = error
            .split([':', '('])
            .next()
            .unwrap_or("error")
            .trim()
            .to_owned();
        step.error = Some(StepError {
            error_type,
            message: error.clone(),
        });
    }
    for (key, value) in [
        ("run_type", json!(run.run_type)),
        ("dotted_order", json!(run.dotted_order)),
    ] {
        step.attributes.insert(format!("langsmith.{key}"), value);
    }
    if !run.extra.is_empty() {
        step.attributes
            .insert("langsmith.extra".into(), Value::Object(run.extra.clone()));
    }
    if !run.events.is_null() {
        step.attributes
            .insert("langsmith.events".into(), run.events.clone());
    }
    for (key, value) in &run.rest {
        step.attributes
            .insert(format!("langsmith.{key}"), value.clone());
    }
    step
}
