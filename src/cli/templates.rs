//! `postmortem-tracker templates list|show|check`: the texts the tool writes, and a user's
//! folder of overrides.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use super::input::Global;
use crate::config::Config;
use crate::render::{self, Origin};
use crate::service::dashboard;

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
    /// Print a template's text (the override when DIR has one), to copy and edit; `dashboard`
    /// is the service's HTML page (`dashboard.html.hbs`).
    Show {
        /// Template name, as `templates list` prints it.
        name: String,
        #[arg(long = "templates", value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Compile every template of DIR (`dashboard.html.hbs` included) and render each over a
    /// sample; report every error with its template, line and column. Exit code 1 when any
    /// template is broken or a `.hbs` file is no template.
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
            // Listed without compiling: a broken override is listed too (`check` says why).
            let dir = templates_dir(templates, &config, &root);
            let sources = render::overrides(dir.as_deref())?;
            for (name, (origin, text)) in render::TEMPLATES
                .iter()
                .filter_map(|(n, _)| Some((n, sources.get(n)?)))
            {
                println!("{name:<18} {origin:<10}  {}", summary(text));
            }
            let (origin, text) = dashboard_source(dir.as_deref())?;
            println!("{:<18} {origin:<10}  {}", "dashboard", summary(&text));
            Ok(ExitCode::SUCCESS)
        }
        TemplatesCommand::Show { name, templates } => {
            let dir = templates_dir(templates, &config, &root);
            if is_dashboard(&name) {
                print!("{}", dashboard_source(dir.as_deref())?.1);
                return Ok(ExitCode::SUCCESS);
            }
            let sources = render::overrides(dir.as_deref())?;
            let (_, text) = sources.get(name.as_str()).with_context(|| {
                format!(
                    "no template named `{name}` (known: {}, dashboard)",
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
            let mut problems = render::check_dir(&dir);
            problems.extend(check_dashboard(&dir));
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
                eprintln!(
                    "{} problem{} in {}",
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" },
                    dir.display()
                );
                Ok(ExitCode::from(1))
            }
        }
    }
}

/// `dashboard` and `dashboard.html` name the service's page, which `serve` reads from the same
/// override folder as `dashboard.html.hbs`.
fn is_dashboard(name: &str) -> bool {
    name == "dashboard" || name == dashboard::TEMPLATE_NAME
}

/// The dashboard's text and where it comes from: `DIR/dashboard.html.hbs`, else built in.
fn dashboard_source(dir: Option<&Path>) -> anyhow::Result<(Origin, String)> {
    match dir
        .map(|d| d.join(format!("{}.hbs", dashboard::TEMPLATE_NAME)))
        .filter(|f| f.is_file())
    {
        Some(f) => {
            let text =
                std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
            Ok((Origin::File(f), text))
        }
        None => Ok((Origin::Embedded, dashboard::TEMPLATE.to_string())),
    }
}

/// The dashboard override of `dir`, if any: compiled, then rendered over a sample page with one
/// item of each state, so a misspelt variable inside the item rows is found too.
fn check_dashboard(dir: &Path) -> Option<render::RenderError> {
    if !dir
        .join(format!("{}.hbs", dashboard::TEMPLATE_NAME))
        .is_file()
    {
        return None;
    }
    let page = dashboard::page::sample();
    dashboard::Dashboard::new(Some(dir))
        .and_then(|d| d.render(&page))
        .err()
}

/// The first line of a template's header comment after `name:`, as a description.
fn summary(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| l.contains(": ") && !l.starts_with("{{"))
        .and_then(|l| l.split_once(": ").map(|(_, d)| d.to_string()))
        .unwrap_or_default()
}
