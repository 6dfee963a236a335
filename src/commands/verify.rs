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

    /// The roles-anywhere route: a real X.509 SVID written by tbot (PEM), checked against the
    /// trust anchor bundle and trust policy of --out, as Roles Anywhere would.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["token_file", "jwks"])]
    pub svid: Option<PathBuf>,

    /// With --token-file: fetch the issuer and JWKS from this proxy. With --svid: compare the
    /// trust anchor with the SPIFFE bundle the proxy serves now.
    #[arg(long, value_name = "HOST[:PORT]", conflicts_with = "jwks")]
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
    if let Some(svid) = &args.svid {
        return live_svid(args, svid);
    }
    if args.proxy.is_some() && args.token_file.is_none() {
        return Err(CommandError::bad_input(
            "--proxy checks a real credential: give --token-file (oidc) or --svid (roles-anywhere) with it",
        ));
    }
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

/// A real X.509 SVID against the files of a roles-anywhere set (and the proxy's bundle now).
fn live_svid(args: &VerifyArgs, svid: &Path) -> Result<u8, CommandError> {
    use crate::routes::roles_anywhere::{live, prove};
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("wi-aws-out"));
    let bad = |error: verify::VerifyError| CommandError::bad_input(format!("verify: {error}"));
    let route = verify::read_answers(&out).map_err(bad)?.shared().route;
    if route != crate::routes::Route::RolesAnywhere {
        return Err(CommandError::bad_input(format!(
            "--svid: {} is on the oidc route, which exchanges a JWT SVID: give --token-file instead",
            out.display()
        )));
    }
    let setup = prove::RaSetup::read(&out, args.workload.as_deref()).map_err(bad)?;
    let svid_pem =
        crate::artifacts::files::read_text(svid, crate::artifacts::files::ARTIFACT_LIMIT)
            .map_err(|error| CommandError::bad_input(format!("--svid {error}")))?;
    let live = match &args.proxy {
        None => None,
        Some(proxy) => {
            let (proxy, options) = super::proxy_and_options(proxy, &args.connection)?;
            let anchor = discover::block_on(discover::fetch_trust_anchor(&proxy, &options))
                .map_err(|error| CommandError::failure(error.to_string()))?;
            match anchor.pem {
                Some(pem) => Some(pem),
                None => {
                    return Err(CommandError::failure(format!(
                        "{}: {}",
                        anchor.url,
                        anchor.problem.unwrap_or_default()
                    )));
                }
            }
        }
    };
    let checks = live::live_checks(
        &setup,
        &svid_pem,
        live.as_deref(),
        std::time::SystemTime::now(),
    );
    report_checks(
        &format!(
            "verify {}: checked as IAM Roles Anywhere would (nothing is sent to AWS)",
            svid.display()
        ),
        verify::Report::of(checks),
        args.json,
    )
}

fn local(out: &Path, json: bool) -> Result<u8, CommandError> {
    let (route, report) = verify::verify_dir_with(out, None)
        .map_err(|error| CommandError::bad_input(format!("verify: {error}")))?;
    report_checks(&super::verify_heading(out, route), report, json)
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
