#![forbid(unsafe_code)]
//! sandpit-runner: the worker that runs kids' programs in the sandbox, and the local
//! CLI (`exec`, `policy check|explain`, `doctor`).

mod doctor;
mod exec;
mod helper_client;
mod hostprep;
mod policy_cmd;
mod profiles;
mod record;
mod time_zone;
mod utf8;
mod worker;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "sandpit-runner",
    version,
    about = "Runs kids' Python programs in the Sandpit sandbox"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Worker mode without the `work` word: directory of policy files.
    #[arg(long)]
    policies: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run one program in the sandbox, as a job from the server would run.
    Exec {
        /// Job profile (a policy file name without .toml).
        #[arg(long, default_value = "python-basic")]
        profile: String,
        /// Directory of policy files [default: $SANDPIT_POLICIES_DIR, ./policies, /etc/sandpit/policies].
        #[arg(long)]
        policies: Option<PathBuf>,
        /// Feed this file to the program's stdin instead of the terminal.
        #[arg(long)]
        stdin: Option<PathBuf>,
        /// Language of kid-level messages: en or zh-CN [default: the profile's].
        #[arg(long)]
        lang: Option<String>,
        /// Print exactly one JSON result record on stdout when the program ends.
        #[arg(long)]
        json: bool,
        /// The Python program to run.
        program: PathBuf,
    },
    /// Validate or explain policies.
    Policy {
        #[command(subcommand)]
        action: PolicyAction,
    },
    /// Worker mode: claim jobs from the server and run them (also the default).
    Work {
        #[arg(long)]
        policies: Option<PathBuf>,
    },
    /// Report every protection layer this host provides and test each profile.
    Doctor {
        #[arg(long)]
        policies: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PolicyAction {
    /// Exit 0 when every file is valid; otherwise print FILE:LINE: message lines.
    Check { paths: Vec<PathBuf> },
    /// Print what a profile allows, in plain language.
    Explain {
        name: String,
        #[arg(long)]
        policies: Option<PathBuf>,
    },
}

fn main() {
    // The per-job helper is this same binary; it must start before anything else
    // (no threads, no logging set-up, no argument parsing beyond this check).
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == sandpit_sandbox::helper::HELPER_ARG)
    {
        std::process::exit(sandpit_sandbox::helper::helper_main());
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SANDPIT_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("sandpit-runner: {e:#}");
            std::process::exit(1);
        }
    }
}

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Some(Command::Exec {
            profile,
            policies,
            stdin,
            lang,
            json,
            program,
        }) => exec::run(exec::ExecArgs {
            profile,
            policies,
            stdin_file: stdin,
            lang,
            json,
            program,
        }),
        Some(Command::Policy {
            action: PolicyAction::Check { paths },
        }) => policy_cmd::check(paths),
        Some(Command::Policy {
            action: PolicyAction::Explain { name, policies },
        }) => policy_cmd::explain(&name, policies),
        Some(Command::Doctor { policies }) => doctor::run(policies),
        Some(Command::Work { policies }) => worker::run(policies),
        None => worker::run(cli.policies),
    }
}
