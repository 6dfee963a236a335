//! `wi-aws verify`: the local STS simulation over the written files, or a real token from tbot
//! against the live issuer.

use super::{CommandError, ConnectionArgs, report_checks};
use clap::Args;

use crate::discover;
use crate::domain::jwk::Jwks;
use crate::verify::{self, LiveInput, Setup};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The directory the artifacts were rendered to [default: wi-aws-out, unless --token-file].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// A real JWT SVID written by tbot, to check instead of a simulated one.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// With --token-file and a fleet's --out: the workload whose files the token is checked
    /// against (its name in answers.yaml).
    #[arg(long, value_name = "NAME", requires = "token_file")]
    pub workload: Option<String>,

    /// With --token-file: fetch the issuer and JWKS from this proxy.
    #[arg(
        long,
        value_name = "HOST[:PORT]",
        requires = "token_file",
        conflicts_with = "jwks"
    )]
    pub proxy: Option<String>,

    /// With --token-file: the issuer's JWKS, from a file.
    #[arg(long, value_name = "FILE", requires = "token_file")]
    pub jwks: Option<PathBuf>,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Print the checks as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &VerifyArgs) -> Result<u8, CommandError> {
    let Some(token_file) = &args.token_file else {
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("wi-aws-out"));
        return local(&out, args.json);
    };
    let setup = match &args.out {
        None => None,
        Some(out) => Some(
            Setup::read(out, args.workload.as_deref())
                .map_err(|error| CommandError::bad_input(format!("verify: {error}")))?,
        ),
    };
    let (discovery_issuer, jwks) = issuer_keys(args)?;
    let input = LiveInput {
        token_file: token_file.clone(),
        jwks,
        discovery_issuer,
        setup,
    };
    let checks = verify::verify_live(&input, std::time::SystemTime::now());
    report_checks(
        &format!(
            "verify {}: checked as AWS STS would (nothing is sent to AWS)",
            token_file.display()
        ),
        verify::Report::of(checks),
        args.json,
    )
}

fn local(out: &Path, json: bool) -> Result<u8, CommandError> {
    let report = verify::verify_dir(out)
        .map_err(|error| CommandError::bad_input(format!("verify: {error}")))?;
    report_checks(&super::verify_heading(out), report, json)
}

/// The issuer's keys for a live token: from the proxy (with its discovery document's issuer)
/// or from a JWKS file.
fn issuer_keys(args: &VerifyArgs) -> Result<(Option<String>, Jwks), CommandError> {
    match (&args.proxy, &args.jwks) {
        (Some(proxy), _) => {
            let (proxy, options) = super::proxy_and_options(proxy, &args.connection)?;
            let (issuer, jwks) = discover::block_on(discover::fetch_issuer(&proxy, &options))
                .map_err(|error| CommandError::failure(error.to_string()))?;
            Ok((Some(issuer), jwks))
        }
        (None, Some(path)) => {
            let text =
                crate::artifacts::files::read_text(path, crate::artifacts::files::JWKS_LIMIT)
                    .map_err(|error| CommandError::bad_input(format!("--jwks {error}")))?;
            let jwks = serde_json::from_str(&text).map_err(|error| {
                CommandError::bad_input(format!("--jwks {}: not a JWKS: {error}", path.display()))
            })?;
            Ok((None, jwks))
        }
        (None, None) => Err(CommandError::bad_input(
            "--token-file needs the issuer's keys: give --proxy HOST or --jwks FILE",
        )),
    }
}
