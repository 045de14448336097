//! Builds realistic traces step by step with a moving clock, so that the
//! agent scenarios read like the agent loop they imitate.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::model::{OutcomeLabel, Step, StepError, StepKind, StepStatus, Tokens, Trace};

pub struct TraceBuilder<'r> {
    pub trace: Trace,
    clock: DateTime<Utc>,
    pub rng: &'r mut ChaCha8Rng,
    /// Chat history the next LLM call sees.
    history: Vec<Value>,
    model: String,
}

impl<'r> TraceBuilder<'r> {
    pub fn new(
        rng: &'r mut ChaCha8Rng,
        id: String,
        agent: &str,
        started_at: DateTime<Utc>,
        model: &str,
    ) -> Self {
        TraceBuilder {
            trace: Trace::new(id, agent, started_at),
            clock: started_at,
            rng,
            history: Vec::new(),
            model: model.to_owned(),
        }
    }

    /// Adds a step starting now and lasting `ms`; returns its position.
    pub fn push(&mut self, parent: Option<usize>, kind: StepKind, name: &str, ms: i64) -> usize {
        let index = self.trace.steps.len() as u32;
        let parent_id = parent.map(|p| self.trace.steps[p].id.clone());
        let jitter = self.rng.gen_range(0..=ms / 4 + 1);
        let start = self.clock;
        let end = start + Duration::milliseconds(ms + jitter);
        // Containers (agents) end when their children end; see `close`.
        if !matches!(kind, StepKind::Agent | StepKind::Chain) {
            self.clock = end + Duration::milliseconds(self.rng.gen_range(1..15));
        }
        let id = format!("{}-s{index}", self.trace.id);
        self.trace.steps.push(Step {
            parent_id,
            index,
            started_at: Some(start),
            ended_at: Some(end),
            ..Step::new(id, kind, name)
        });
        self.trace.steps.len() - 1
    }

    /// Makes a just-finished step last `ms` and moves the clock past it.
    pub fn stretch(&mut self, pos: usize, ms: i64) {
        if let Some(start) = self.trace.steps[pos].started_at {
            let end = start + Duration::milliseconds(ms);
            self.trace.steps[pos].ended_at = Some(end);
            self.clock = self.clock.max(end + Duration::milliseconds(3));
        }
    }

    /// Ends a container step at the current clock.
    pub fn close(&mut self, pos: usize) {
        self.trace.steps[pos].ended_at = Some(self.clock);
    }

    pub fn set_system(&mut self, prompt: &str, user: &str) {
        self.history = vec![
            json!({"role": "system", "content": prompt}),
            json!({"role": "user", "content": user}),
        ];
    }

    /// An LLM call that answers with tool calls `(name, arguments)`.
    pub fn llm_tool_call(&mut self, parent: usize, calls: &[(&str, Value)]) -> usize {
        let tool_calls: Vec<Value> = calls
            .iter()
            .enumerate()
            .map(|(i, (name, args))| json!({"id": format!("call_{i}"), "type": "function", "function": {"name": name, "arguments": args}}))
            .collect();
        let output = json!({"role": "assistant", "content": null, "tool_calls": tool_calls});
        self.llm(parent, output)
    }

    /// An LLM call that answers with text.
    pub fn llm_text(&mut self, parent: usize, text: &str) -> usize {
        self.llm(parent, json!({"role": "assistant", "content": text}))
    }

    fn llm(&mut self, parent: usize, output: Value) -> usize {
        let ms = self.rng.gen_range(350..1400);
        let model = self.model.clone();
        let pos = self.push(Some(parent), StepKind::LlmCall, &model, ms);
        let input = json!({"messages": self.history});
        let tokens = Tokens {
            input: approx_tokens(&input),
            output: approx_tokens(&output),
        };
        self.history.push(output.clone());
        let step = &mut self.trace.steps[pos];
        step.model = Some(model);
        step.cost_usd = Some(cost_usd(tokens));
        step.tokens = Some(tokens);
        step.input = input;
        step.output = output;
        pos
    }

    /// A tool call and its result (or error), also fed back into the history.
    pub fn tool(
        &mut self,
        parent: usize,
        name: &str,
        args: Value,
        result: Result<Value, (&str, &str)>,
    ) -> usize {
        let ms = self.rng.gen_range(40..600);
        let pos = self.push(Some(parent), StepKind::ToolCall, name, ms);
        let step = &mut self.trace.steps[pos];
        step.input = args;
        let content = match result {
            Ok(out) => {
                step.output = out.clone();
                out
            }
            Err((error_type, message)) => {
                step.status = StepStatus::Error;
                step.error = Some(StepError {
                    error_type: error_type.to_owned(),
                    message: message.to_owned(),
                });
                json!({"error": message})
            }
        };
        self.history
            .push(json!({"role": "tool", "name": name, "content": content}));
        pos
    }

    /// Marks a step as failed.
    pub fn fail(&mut self, pos: usize, error_type: &str, message: &str) {
        let step = &mut self.trace.steps[pos];
        step.status = StepStatus::Error;
        step.error = Some(StepError {
            error_type: error_type.to_owned(),
            message: message.to_owned(),
        });
    }

    /// A provider failure on an LLM call (the call never answered).
    pub fn llm_provider_error(&mut self, parent: usize, status: u16) -> usize {
        let model = self.model.clone();
        let ms = self.rng.gen_range(100..900);
        let pos = self.push(Some(parent), StepKind::LlmCall, &model, ms);
        self.trace.steps[pos].model = Some(model);
        self.trace.steps[pos].input = json!({"messages": self.history});
        let message = format!("{status} from provider: upstream error, please retry");
        self.fail(pos, "provider_error", &message);
        pos
    }

    pub fn final_answer(&mut self, parent: usize, text: &str) -> usize {
        let pos = self.push(Some(parent), StepKind::FinalAnswer, "final_answer", 2);
        self.trace.steps[pos].output = Value::String(text.to_owned());
        pos
    }

    pub fn finish(mut self, root: usize, outcome: OutcomeLabel) -> Trace {
        self.close(root);
        self.trace.ended_at = self.trace.steps[root].ended_at;
        self.trace.outcome = outcome;
        self.trace.score = Some(if outcome == OutcomeLabel::Success {
            1.0
        } else {
            0.0
        });
        self.trace
    }
}

fn approx_tokens(value: &Value) -> u64 {
    (value.to_string().len() as u64 / 4).max(1)
}

fn cost_usd(tokens: Tokens) -> f64 {
    // gpt-4o-mini list prices per token.
    let cost = tokens.input as f64 * 0.15e-6 + tokens.output as f64 * 0.6e-6;
    (cost * 1e8).round() / 1e8
}
