//! The command line: one module per subcommand, each with its clap `Args` and a `run` function.
//! `main.rs` only parses arguments and calls [`run`].

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod templates;

/// Track postmortem action items as GitHub or GitLab issues.
#[derive(Debug, Parser)]
#[command(name = "postmortem-tracker", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, show or check the templates of every text the tool writes.
    Templates(templates::Args),
}

/// Runs one command and maps its outcome to the documented exit codes.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Templates(args) => templates::run(args),
    }
}
