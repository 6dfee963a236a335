//! `wi-aws doctor`: the deployed provider and role read back from AWS, the proxy's issuer and
//! the token on this host, checked link by link; with `--assume`, AWS's own answer.

use super::{CommandError, ConnectionArgs, report_checks};
use crate::discover;
use crate::doctor::{self, HostToken, Issuer, Observed, read};
use crate::ui::plain::{Prompter, Terminal};
use crate::verify::check::{Check, CheckId, Status};
use crate::verify::{Report, Setup};
use clap::Args;
use std::path::PathBuf;
use std::time::SystemTime;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The directory the artifacts were rendered to (what should be deployed).
    #[arg(long, value_name = "DIR", default_value = "wi-aws-out")]
    pub out: PathBuf,

    /// In a fleet's directory: the workload to diagnose (its name in answers.yaml).
    #[arg(long, value_name = "NAME")]
    pub workload: Option<String>,

    /// The token tbot writes on this host [default: the one the artifacts name, when it is
    /// there]. It is read, never printed.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// The roles-anywhere route: tbot's AWS credentials file on this host [default: the one
    /// tbot's file names, when it is there]. Its age is checked; with --assume its credentials
    /// are presented to sts:GetCallerIdentity, never printed.
    #[arg(long, value_name = "PATH", conflicts_with = "token_file")]
    pub credentials_file: Option<PathBuf>,

    /// Ask this address for the issuer, keys and certificate [default: teleport.proxy].
    #[arg(long, value_name = "HOST[:PORT]")]
    pub proxy: Option<String>,

    /// The AWS profile to read IAM with [default: the standard credential chain]. Only
    /// read-only calls are made (iam:Get*, iam:List*).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Send AWS calls here instead (an emulator, a VPC endpoint).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Also make the real sts:AssumeRoleWithWebIdentity call with the token (it needs no AWS
    /// credentials) and say whether AWS agrees with the diagnosis. Credentials are never
    /// printed or written.
    #[arg(long)]
    pub assume: bool,

    /// Before apply: read the account (read-only) and say what would make the apply fail:
    /// the roles and policies quotas against what the set adds, names taken (in any case), an
    /// OIDC provider or trust anchor that exists while the answers create it, or that does not
    /// while they name it. Exit 0 when nothing would, 1 otherwise.
    #[arg(long, conflicts_with_all = ["token_file", "credentials_file", "assume", "workload", "proxy"])]
    pub preflight: bool,

    /// On Kubernetes: a running Pod of the workload, as `kubectl get pod NAME -o json` (or
    /// `-l app.kubernetes.io/name=DEPLOYMENT`) prints it. Checks what its container was given
    /// against the set: the service account, tbot's Secret mounted at tbot.output_dir, the environment,
    /// and no second AWS identity (EKS's pod identity webhook, EKS Pod Identity). Nothing else
    /// is read. Exit 0 when all hold, 1 otherwise.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["token_file", "credentials_file", "assume", "preflight", "proxy"])]
    pub pod_spec: Option<PathBuf>,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Print the checks as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &DoctorArgs) -> Result<u8, CommandError> {
    let fleet = crate::verify::read_answers(&args.out)
        .map_err(|error| CommandError::bad_input(format!("doctor: {error}")))?;
    if args.preflight {
        return preflight(args, &fleet);
    }
    if let Some(path) = &args.pod_spec {
        return pod(args, &fleet, path);
    }
    if fleet.shared().route == crate::routes::Route::RolesAnywhere {
        return roles_anywhere(args);
    }
    let setup = Setup::read(&args.out, args.workload.as_deref())
        .map_err(|error| CommandError::bad_input(format!("doctor: {error}")))?;
    let proxy = args
        .proxy
        .clone()
        .unwrap_or_else(|| setup.plan.cluster.proxy.authority());
    let (proxy, options) = super::proxy_and_options(&proxy, &args.connection)?;
    let aws = read::Connection {
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone(),
        region: setup.plan.aws.region.clone(),
        timeout: options.timeout,
    };
    let token = host_token(args, &setup);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CommandError::failure(format!("cannot start the runtime: {error}")))?;
    let provider_arn = setup.plan.provider_arn();
    let role_name = setup.plan.aws.role_name.clone();
    let (config, deployed, issuer) = Terminal.busy(
        &format!("Reading IAM and asking {}…", proxy.authority()),
        || {
            runtime.block_on(async {
                let config = read::sdk_config(&aws).await;
                let (deployed, issuer) = tokio::join!(
                    read::deployed(&config, &provider_arn, &role_name),
                    ask_proxy(&proxy, &options),
                );
                (config, deployed, issuer)
            })
        },
    );
    let observed = Observed {
        deployed,
        issuer,
        token,
    };
    let mut checks = doctor::diagnose(&setup, &observed, SystemTime::now());
    if args.assume {
        let predicted = checks.iter().all(|c| c.status != Status::Fail);
        let answer = match &observed.token {
            Ok(Some(token)) => {
                let session = setup
                    .plan
                    .aws
                    .session_name
                    .clone()
                    .unwrap_or_else(|| "wi-aws-doctor".into());
                let role_arn = setup.role_arn();
                Some(Terminal.busy("Asking AWS STS…", || {
                    runtime.block_on(read::assume(&config, &role_arn, &session, &token.text))
                }))
            }
            _ => None,
        };
        checks.push(assume_check(answer, predicted));
    }
    report_checks(
        &format!(
            "doctor {}: the deployed state, read back from AWS, against the artifacts and the token",
            args.out.display()
        ),
        Report::of(checks),
        args.json,
    )
}

/// `doctor --pod-spec`: a running Pod against the workload's set on Kubernetes.
fn pod(
    args: &DoctorArgs,
    fleet: &crate::answers::fleet::Fleet,
    path: &std::path::Path,
) -> Result<u8, CommandError> {
    let bad = |message: String| CommandError::bad_input(format!("doctor: {message}"));
    let workload = crate::verify::wanted_workload(&args.out, fleet, args.workload.as_deref())
        .map_err(|error| bad(error.to_string()))?;
    if workload.plan.tbot.kubernetes.is_none() {
        return Err(bad(format!(
            "--pod-spec: the set in {} is not on Kubernetes (tbot.runs_on is host)",
            args.out.display()
        )));
    }
    let text = crate::artifacts::files::read_text(path, crate::artifacts::files::ARTIFACT_LIMIT)
        .map_err(|error| bad(format!("--pod-spec: {error}")))?;
    let document = crate::artifacts::yaml::from_str(&text)
        .map_err(|error| bad(format!("--pod-spec {}: {error}", path.display())))?;
    let pod = crate::verify::kubernetes::PodSpec::of_pod(&document).ok_or_else(|| {
        bad(format!(
            "--pod-spec {}: not a Pod, nor a list with one (give `kubectl get pod NAME -o json`)",
            path.display()
        ))
    })?;
    report_checks(
        &format!(
            "doctor --pod-spec {}: the running Pod against the set in {}",
            path.display(),
            args.out.display()
        ),
        Report::of(doctor::pod::checks(&workload.plan, &pod)),
        args.json,
    )
}

/// `doctor --preflight`: the account read (read-only) against what the set would create.
fn preflight(args: &DoctorArgs, fleet: &crate::answers::fleet::Fleet) -> Result<u8, CommandError> {
    let options = args.connection.options()?;
    let shared = fleet.shared();
    let aws = read::Connection {
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone(),
        region: shared.aws.region.clone(),
        timeout: options.timeout,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CommandError::failure(format!("cannot start the runtime: {error}")))?;
    let trust_anchors = shared.roles_anywhere.is_some();
    let named = doctor::preflight::named_policies(fleet);
    let account = Terminal.busy("Reading the account…", || {
        runtime.block_on(async {
            let config = read::sdk_config(&aws).await;
            read::account(&config, trust_anchors, &named).await
        })
    });
    let checks = match account {
        Ok(account) => doctor::preflight::checks(fleet, &account),
        Err(error) => vec![Check::fail_owned(
            CheckId::QuotaRoles,
            format!("the account could not be read: {error}"),
            "unknown: nothing was checked".into(),
            "run with credentials that may call iam:GetAccountSummary, iam:ListRoles, iam:ListPolicies, iam:GetPolicy and iam:ListOpenIDConnectProviders (and rolesanywhere:ListTrustAnchors on that route)".into(),
        )],
    };
    report_checks(
        &format!(
            "doctor --preflight {}: the account, read back from AWS, against what the set would create",
            args.out.display()
        ),
        Report::of(checks),
        args.json,
    )
}

/// The token: the one given (which must be readable), else the artifacts' when it is on
/// this host.
fn host_token(args: &DoctorArgs, setup: &Setup) -> Result<Option<HostToken>, String> {
    let path = match &args.token_file {
        Some(path) => path.clone(),
        None => {
            let path = PathBuf::from(setup.tbot_token_file());
            if !path.exists() {
                return Ok(None);
            }
            path
        }
    };
    let text = crate::artifacts::files::read_text(&path, crate::artifacts::files::TOKEN_LIMIT)
        .map_err(|error| format!("cannot read {error}"))?;
    let age = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|written| SystemTime::now().duration_since(written).ok());
    Ok(Some(HostToken {
        path: path.display().to_string(),
        text,
        age,
    }))
}

/// The proxy's issuer and keys, and the certificate AWS pins.
async fn ask_proxy(
    proxy: &crate::domain::teleport::ProxyAddress,
    options: &discover::Options,
) -> Result<Issuer, String> {
    let (findings, documents) = tokio::join!(
        discover::discover(proxy, options),
        discover::fetch_issuer(proxy, options)
    );
    let findings = findings.map_err(|error| error.to_string())?;
    let (issuer, jwks) = documents.map_err(|error| error.to_string())?;
    Ok(Issuer {
        issuer,
        jwks,
        last_certificate: findings
            .chain
            .last()
            .map_or_else(String::new, |c| c.subject.clone()),
        chain_thumbprint: findings.chain_thumbprint,
        private_ca: options.ca_file.is_some(),
    })
}

/// AWS's answer to the real call, against what the checks predicted.
fn assume_check(answer: Option<Result<(String, String), String>>, predicted: bool) -> Check {
    let id = CheckId::Assume;
    match (answer, predicted) {
        (None, _) => Check::fail_owned(
            id,
            "no token on this host to present".into(),
            "none: nothing was sent".into(),
            "run doctor where tbot writes the token, or give --token-file".into(),
        ),
        (Some(Ok((role, expires))), true) => Check::pass(
            id,
            format!("AWS issued credentials for {role} until {expires}, as predicted (they were not kept)"),
        ),
        (Some(Ok((role, _))), false) => Check::warn(
            id,
            format!("AWS issued credentials for {role} although a check above predicted a refusal: that check is stricter than AWS here"),
        ),
        (Some(Err(error)), false) => Check::fail_owned(
            id,
            format!("AWS refused, as predicted: {error}"),
            error,
            "fix the first failing check above".into(),
        ),
        (Some(Err(error)), true) => Check::fail_owned(
            id,
            format!("AWS refused although every check passed: {error}"),
            error,
            "look for what doctor cannot see: an SCP or permissions boundary of the organization, STS disabled in this region, a clock far off".into(),
        ),
    }
}

/// doctor on the Roles Anywhere route: the anchor, profile and role read back, tbot's
/// credentials file on this host, and with `--assume` AWS's own answer to those credentials.
fn roles_anywhere(args: &DoctorArgs) -> Result<u8, CommandError> {
    use crate::routes::roles_anywhere::{doctor as ra_doctor, prove::RaSetup};
    let setup = RaSetup::read(&args.out, args.workload.as_deref())
        .map_err(|error| CommandError::bad_input(format!("doctor: {error}")))?;
    let (default_path, profile) = setup.tbot.credentials();
    let path = args
        .credentials_file
        .clone()
        .unwrap_or_else(|| PathBuf::from(&default_path));
    let given = args.credentials_file.is_some();
    let credentials_text =
        match crate::artifacts::files::read_text(&path, crate::artifacts::files::ARTIFACT_LIMIT) {
            Ok(text) => Ok(Some(text)),
            Err(error) if error.is_not_found() && !given => Ok(None),
            Err(error) => Err(format!("{error}")),
        };
    let credentials = credentials_text.as_ref().map_err(Clone::clone).map(|text| {
        text.as_ref().map(|_| ra_doctor::HostCredentials {
            path: path.display().to_string(),
            age: std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok())
                .unwrap_or_default(),
        })
    });
    let aws = read::Connection {
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone(),
        region: setup.plan.aws.region.clone(),
        timeout: args.connection.options()?.timeout,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CommandError::failure(format!("cannot start the runtime: {error}")))?;
    let (config, mut observed) = Terminal.busy("Reading IAM and Roles Anywhere…", || {
        runtime.block_on(async {
            let config = read::sdk_config(&aws).await;
            let observed = ra_doctor::read(&config, &setup).await;
            (config, observed)
        })
    });
    observed.credentials = credentials;
    let mut checks = ra_doctor::diagnose(&setup, &observed);
    if args.assume {
        let predicted = checks.iter().all(|c| c.status != Status::Fail);
        let answer = match &credentials_text {
            Ok(Some(text)) => Some(Terminal.busy("Asking AWS STS…", || {
                runtime
                    .block_on(ra_doctor::assume(&config, text, &profile))
                    .map(|arn| (arn, "they expire".to_owned()))
            })),
            _ => None,
        };
        let mut check = assume_check(answer, predicted);
        if check.detail.starts_with("no token") {
            check.detail = "no credentials file on this host to present".into();
            check.fix = Some(
                "run doctor where tbot writes the credentials, or give --credentials-file".into(),
            );
        }
        checks.push(check);
    }
    report_checks(
        &format!(
            "doctor {}: the trust anchor, profile and role, read back from AWS, against the artifacts",
            args.out.display()
        ),
        Report::of(checks),
        args.json,
    )
}
