//! Flags that choose a model, shared by subcommands that call one.

use crate::llm::config::{LlmConfig, LlmSettings};
use crate::model::Attribution;
use crate::store::Store;
use crate::triage::{self, HarnessLookup, Selection};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct LlmArgs {
    /// openai, anthropic or sim (default: config file, $TACKROOM_LLM_PROVIDER, else sim)
    #[arg(long)]
    pub provider: Option<String>,
    #[arg(long)]
    pub model: Option<String>,
    /// API base URL, e.g. http://localhost:11434/v1 for Ollama
    #[arg(long)]
    pub base_url: Option<String>,
    /// Name of the environment variable holding the API key
    #[arg(long)]
    pub api_key_env: Option<String>,
    /// Seconds to wait for one answer
    #[arg(long)]
    pub timeout: Option<f64>,
}

impl LlmArgs {
    pub fn config(&self) -> anyhow::Result<LlmConfig> {
        let flags = LlmSettings {
            provider: self.provider.clone(),
            model: self.model.clone(),
            base_url: self.base_url.clone(),
            api_key_env: self.api_key_env.clone(),
            timeout_s: self.timeout,
            max_attempts: None,
        };
        LlmConfig::resolve(flags).map_err(anyhow::Error::msg)
    }
}

/// The engine name the configured model's verdicts are stored under,
/// `llm:<provider>:<model>`, found without calling the model.
pub fn engine_name(args: &LlmArgs) -> anyhow::Result<String> {
    let config = args.config()?;
    let provider = config.build()?;
    Ok(crate::llm::attribution::engine_name(
        provider.name(),
        &config.model,
    ))
}

/// `attribute --engine llm`: runs the LLM engine; traces it could not
/// attribute are reported on stderr.
pub fn attribute_with_llm(
    store: &Store,
    selection: &Selection,
    harnesses: &HarnessLookup,
    args: &LlmArgs,
) -> anyhow::Result<(String, Vec<Attribution>)> {
    let config = args.config()?;
    if config.provider == "sim" {
        eprintln!("note: using the simulated provider (no model is called); set --provider or [llm] in the config");
    }
    let run = triage::attribute_with_llm_blocking(store, selection, harnesses, &config)?;
    for (trace, problem) in &run.failures {
        eprintln!("not attributed: {trace}: {problem}");
    }
    Ok((run.engine, run.attributions))
}
