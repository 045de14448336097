//! Reading trace files into the model. `input` opens files and stdin,
//! `detect` picks the format, one module per format decodes records, and
//! `import` drives it all into the store in atomic batches.

pub mod assembled;
pub mod chat;
pub mod decode;
pub mod detect;
pub mod import;
pub mod input;
pub mod labels;
pub mod langfuse;
pub mod location;
pub mod native;
pub mod openai_agents;
mod read;
pub mod runs;
pub mod spans;
pub mod usage;

pub use detect::{FileKind, Format};
pub use import::{import_paths, ImportOptions, ImportProgress, ImportReport, NoProgress};
pub use location::{Location, Rejection};
