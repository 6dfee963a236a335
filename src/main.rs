use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    wi_aws::cli::run(wi_aws::cli::Cli::parse())
}
