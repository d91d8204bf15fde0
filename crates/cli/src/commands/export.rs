//! `sluice export`: a folder's effective secrets (own and imported, references expanded)
//! as dotenv (default), JSON or YAML — a flat `KEY → value` map in every format.
//! `--output-file` writes it with mode 0600 instead of printing it.

use super::{Scope, effective_secrets, locate, pairs};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};
use serde_json::{Map, Value};

const EXAMPLES: &str = "Examples:
  sluice export --env dev > .env
  sluice export --env prod --path /apps/api --output json
  sluice export --env staging --output yaml
  sluice export --env dev --output-file .env     # written with mode 0600";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct ExportArgs {
    #[command(flatten)]
    pub scope: Scope,

    /// Write to this file (mode 0600) instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<std::path::PathBuf>,
}

/// The text of an export in `format`.
pub fn render(format: Format, kv: &[(&str, &str)]) -> String {
    match format {
        Format::Dotenv | Format::Table => output::dotenv(kv.iter().copied()),
        Format::Json | Format::Yaml => {
            let map: Map<String, Value> = kv.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
            let v = Value::Object(map);
            if format == Format::Json { output::json(&v) } else { output::yaml(&v) }
        }
    }
}

pub async fn run(ctx: &Context, args: &ExportArgs) -> CliResult<()> {
    let format = ctx.output_of(Format::Dotenv, &[Format::Dotenv, Format::Json, Format::Yaml])?;
    let at = locate(ctx, &args.scope).await?;
    let secrets = effective_secrets(ctx, &at).await?;
    let text = render(format, &pairs(&secrets));
    match &args.output_file {
        None => print!("{text}"),
        Some(path) => {
            crate::config::write_private(path, text.as_bytes())
                .map_err(|e| CliError::flag("--output-file", &path.display().to_string(), e))?;
            eprintln!("Wrote {} secrets from {} to {}.", secrets.len(), at.describe(), path.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_a_flat_map() {
        let kv = [("B", "two words"), ("A", "1")];
        assert_eq!(render(Format::Dotenv, &kv), "B='two words'\nA=1\n");
        assert_eq!(render(Format::Json, &kv), "{\n  \"B\": \"two words\",\n  \"A\": \"1\"\n}\n");
        assert_eq!(render(Format::Yaml, &kv), "B: \"two words\"\nA: \"1\"\n");
    }
}
