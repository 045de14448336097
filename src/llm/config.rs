//! Which model to use: the `[llm]` section of the config file, then
//! environment variables, then command-line flags, each overriding the last.
//!
//! ```toml
//! [llm]
//! provider = "openai"            # openai | anthropic | sim
//! model = "gpt-4o-mini"
//! base_url = "http://localhost:11434/v1"   # Ollama, vLLM, llama.cpp, LiteLLM…
//! api_key_env = "OPENAI_API_KEY" # the variable holding the key (never the key)
//! timeout_s = 60
//! max_attempts = 4
//! ```

use std::time::Duration;

use serde::Deserialize;

use super::anthropic::{self, AnthropicClient};
use super::http::key_from_env;
use super::openai::{self, OpenAiClient};
use super::retry::RetryPolicy;
use super::sim::SimProvider;
use super::{LlmError, Provider};

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LlmSettings {
    pub provider: Option<String>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
    pub timeout_s: Option<f64>,
    pub max_attempts: Option<u32>,
}

impl LlmSettings {
    fn or(self, base: LlmSettings) -> LlmSettings {
        LlmSettings {
            provider: self.provider.or(base.provider),
            model: self.model.or(base.model),
            base_url: self.base_url.or(base.base_url),
            api_key_env: self.api_key_env.or(base.api_key_env),
            timeout_s: self.timeout_s.or(base.timeout_s),
            max_attempts: self.max_attempts.or(base.max_attempts),
        }
    }

    /// `TACKROOM_LLM_PROVIDER`, `TACKROOM_LLM_MODEL`, `TACKROOM_LLM_BASE_URL`.
    pub fn from_env() -> LlmSettings {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        LlmSettings {
            provider: var("TACKROOM_LLM_PROVIDER"),
            model: var("TACKROOM_LLM_MODEL"),
            base_url: var("TACKROOM_LLM_BASE_URL"),
            ..Default::default()
        }
    }

    /// The `[llm]` section of the config file.
    pub fn from_config_file() -> Result<LlmSettings, String> {
        let Some((file, text)) = crate::settings::read_config()? else {
            return Ok(LlmSettings::default());
        };
        let table: toml::Table =
            toml::from_str(&text).map_err(|e| crate::settings::toml_error(&file, &text, &e))?;
        match table.get("llm") {
            None => Ok(LlmSettings::default()),
            Some(section) => section
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| format!("{file}: [llm]: {}", e.message())),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LlmConfig {
    pub provider: String,
    pub model: String,
    pub base_url: String,
    pub api_key_env: String,
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl LlmConfig {
    /// Resolves flags over environment over config file over defaults. The
    /// default provider is the simulator, so nothing calls out unasked.
    pub fn resolve(flags: LlmSettings) -> Result<LlmConfig, String> {
        let settings = flags
            .or(LlmSettings::from_env())
            .or(LlmSettings::from_config_file()?);
        let provider = settings.provider.unwrap_or_else(|| "sim".into());
        let (model, base_url, key_env) = match provider.as_str() {
            "openai" => ("gpt-4o-mini", openai::DEFAULT_BASE_URL, "OPENAI_API_KEY"),
            "anthropic" => (
                "claude-3-5-haiku-latest",
                anthropic::DEFAULT_BASE_URL,
                "ANTHROPIC_API_KEY",
            ),
            "sim" => ("sim-1", "", ""),
            other => {
                return Err(format!(
                    "llm provider: expected openai, anthropic or sim, found {other:?}"
                ))
            }
        };
        Ok(LlmConfig {
            model: settings.model.unwrap_or_else(|| model.into()),
            base_url: settings.base_url.unwrap_or_else(|| base_url.into()),
            api_key_env: settings.api_key_env.unwrap_or_else(|| key_env.into()),
            timeout: Duration::from_secs_f64(settings.timeout_s.unwrap_or(60.0).max(0.05)),
            retry: RetryPolicy {
                max_attempts: settings.max_attempts.unwrap_or(4).max(1),
                ..RetryPolicy::default()
            },
            provider,
        })
    }

    /// Builds the provider. The key is read from the environment here and
    /// lives only inside the client.
    pub fn build(&self) -> Result<Box<dyn Provider>, LlmError> {
        Ok(match self.provider.as_str() {
            "openai" => {
                let local = self.base_url != openai::DEFAULT_BASE_URL;
                let key = match key_from_env(&self.api_key_env) {
                    Ok(key) => Some(key),
                    // Local servers (Ollama, vLLM…) usually take no key.
                    Err(_) if local => None,
                    Err(e) => return Err(e),
                };
                Box::new(OpenAiClient::new(&self.base_url, key, self.timeout))
            }
            "anthropic" => Box::new(AnthropicClient::new(
                &self.base_url,
                key_from_env(&self.api_key_env)?,
                self.timeout,
            )),
            _ => Box::new(SimProvider),
        })
    }
}
