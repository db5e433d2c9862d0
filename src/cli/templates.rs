//! `postmortem-tracker templates list|show|check`: the texts the tool writes, and a user's
//! folder of overrides.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use super::input::Global;
use crate::config::Config;
use crate::render::{self, Engine};

/// The override folder: `--templates DIR`, else `templates_dir` from the configuration
/// (relative to the folder the configuration was read in).
pub fn templates_dir(flag: Option<PathBuf>, config: &Config, root: &Path) -> Option<PathBuf> {
    flag.or_else(|| config.templates_dir.as_ref().map(|d| root.join(d)))
}

/// Arguments of `templates`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: TemplatesCommand,
}

/// What to do with the templates.
#[derive(Debug, clap::Subcommand)]
pub enum TemplatesCommand {
    /// List the templates and where each comes from (built in, or a file of DIR).
    List {
        /// Folder of overrides (`NAME.hbs`); default: `templates_dir` from the configuration.
        #[arg(long = "templates", value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Print a template's text (the override when DIR has one), to copy and edit.
    Show {
        /// Template name, as `templates list` prints it.
        name: String,
        #[arg(long = "templates", value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Compile every template of DIR and render each over a sample; report every error with
    /// its template and line. Exit code 1 when any template is broken.
    Check {
        /// Folder of overrides.
        dir: PathBuf,
    },
}

/// Runs `templates`.
pub fn run(args: Args, global: &Global) -> anyhow::Result<ExitCode> {
    let root = std::env::current_dir().context("cannot read the current folder")?;
    let config = Config::load(&root, global.config.as_deref(), std::env::vars())?;
    match args.command {
        TemplatesCommand::List { templates } => {
            let dir = templates_dir(templates, &config, &root);
            let engine = Engine::new(dir.as_deref())?;
            for (name, _) in render::TEMPLATES {
                let (origin, text) = engine.source(name).context("template table")?;
                println!("{name:<18} {origin:<10}  {}", summary(text));
            }
            Ok(ExitCode::SUCCESS)
        }
        TemplatesCommand::Show { name, templates } => {
            let dir = templates_dir(templates, &config, &root);
            let engine = Engine::new(dir.as_deref())?;
            let (_, text) = engine.source(&name).with_context(|| {
                format!(
                    "no template named `{name}` (known: {})",
                    render::TEMPLATES.map(|(n, _)| n).join(", ")
                )
            })?;
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        TemplatesCommand::Check { dir } => {
            if !dir.is_dir() {
                anyhow::bail!("{}: not a folder", dir.display());
            }
            let problems = render::check_dir(&dir);
            for p in &problems {
                eprintln!("error: {p}");
            }
            if problems.is_empty() {
                println!(
                    "{}: every template compiles and renders its sample",
                    dir.display()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                Ok(ExitCode::from(1))
            }
        }
    }
}

/// The first line of a template's header comment after `name:`, as a description.
fn summary(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| l.contains(": ") && !l.starts_with("{{"))
        .and_then(|l| l.split_once(": ").map(|(_, d)| d.to_string()))
        .unwrap_or_default()
}
