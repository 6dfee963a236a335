//! The Roles Anywhere route's proof over the written files, as strict as the OIDC one: an X.509
//! SVID issued as Teleport would (from a fresh local SPIFFE CA standing in for the cluster's),
//! validated as Roles Anywhere validates it, the session tags it derives, the role's trust
//! policy evaluated for them (and for who else might come), and everything that must agree
//! across main.tf, the AWS CLI script, tbot's file and the workload's environment: the trust
//! anchor's bundle, the profile, the ARNs and the durations. A check that cannot be made fails.

use super::plan::{PENDING_ARN, RolesAnywherePlan};
use super::x509::{self, SimulatedSpiffeCa};
use super::{ResourceArn, ResourceKind, SessionProblem};
use crate::answers::plan::Plan;
use crate::artifacts::render::{ANSWERS_FILE, PERMISSIONS_POLICY};
use crate::routes::roles_anywhere::artifacts as ra_files;
use crate::verify::check::{Check, CheckId, Report, Status};
use crate::verify::teleport::{self as teleport_side, Grant};
use crate::verify::{Files, VerifyError, parse_error, policy, read, shell_assignments, terraform};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Teleport's X.509 SVIDs live for an hour by default; the simulated one too.
const SIMULATED_SVID_TTL: Duration = Duration::from_secs(3600);

/// What tbot's `workload-identity-aws-roles-anywhere` service says, as written.
#[derive(Debug, Clone, Default)]
pub struct RaService {
    pub kind: String,
    pub selector: String,
    pub directory: String,
    pub role_arn: String,
    pub trust_anchor_arn: String,
    pub profile_arn: String,
    pub region: String,
    pub session_duration: Option<String>,
    pub session_renewal_interval: Option<String>,
    pub credential_profile_name: Option<String>,
    pub artifact_name: Option<String>,
}

impl RaService {
    /// The credentials file tbot writes, and the `[NAME]` in it (tbot's defaults when unset).
    pub fn credentials(&self) -> (String, String) {
        let artifact = self
            .artifact_name
            .clone()
            .unwrap_or_else(|| super::DEFAULT_ARTIFACT_NAME.to_owned());
        (
            format!("{}/{artifact}", self.directory.trim_end_matches('/')),
            self.credential_profile_name
                .clone()
                .unwrap_or_else(|| "default".to_owned()),
        )
    }
}

/// One workload's files on this route.
#[derive(Debug, Clone)]
pub struct RaSetup {
    pub plan: Plan,
    pub ra: RolesAnywherePlan,
    pub trust_policy: Value,
    pub permissions_policy: Value,
    pub anchor_pem: String,
    pub terraform: Result<terraform::Values, String>,
    pub setup_script: BTreeMap<String, String>,
    pub tbot: RaService,
    pub grant: Grant,
    pub env: BTreeMap<String, String>,
    pub config: BTreeMap<String, BTreeMap<String, String>>,
}

impl RaSetup {
    /// The files of a one-workload set in `dir`, rendered from `plan`.
    pub fn read(dir: &Path, plan: Plan) -> Result<Self, VerifyError> {
        let ra = plan
            .roles_anywhere
            .clone()
            .ok_or_else(|| parse_error(dir, ANSWERS_FILE, "aws.route is not roles-anywhere"))?;
        let files = Files::Single;
        let json = |relative: &str| -> Result<Value, VerifyError> {
            serde_json::from_str(&read(dir, relative)?).map_err(|e| parse_error(dir, relative, e))
        };
        let terraform = terraform::evaluate(
            &read(dir, ra_files::TERRAFORM.written_path())?,
            plan.aws.partition,
            &plan.aws.account_id,
        );
        let services = ra_files::TBOT_SERVICES.written_path();
        let document = teleport_side::yaml(dir, services)?;
        let service = &document["services"][0];
        let text = |key: &str| teleport_side::text(&service[key]);
        let tbot = RaService {
            kind: text("type"),
            selector: teleport_side::text(&service["selector"]["name"]),
            directory: teleport_side::text(&service["destination"]["path"]),
            role_arn: text("role_arn"),
            trust_anchor_arn: text("trust_anchor_arn"),
            profile_arn: text("profile_arn"),
            region: text("region"),
            session_duration: teleport_side::written(&service["session_duration"]),
            session_renewal_interval: teleport_side::written(&service["session_renewal_interval"]),
            credential_profile_name: teleport_side::written(&service["credential_profile_name"]),
            artifact_name: teleport_side::written(&service["artifact_name"]),
        };
        Ok(Self {
            trust_policy: json(ra_files::TRUST_POLICY.written_path())?,
            permissions_policy: json(PERMISSIONS_POLICY.written_path())?,
            anchor_pem: read(dir, ra_files::TRUST_ANCHOR.written_path())?,
            terraform,
            setup_script: shell_assignments(&read(dir, ra_files::AWS_CLI_SETUP.written_path())?),
            grant: teleport_side::read_workload_identity_grant(dir, files)?,
            env: shell_assignments(&read(dir, ra_files::AWS_ENV.written_path())?),
            config: crate::verify::parse_ini(&read(dir, ra_files::AWS_CONFIG.written_path())?),
            tbot,
            ra: *ra,
            plan,
        })
    }

    fn terraform_value(&self, key: &str) -> Option<&hcl::Value> {
        self.terraform
            .as_ref()
            .ok()
            .and_then(|values| values.get(key))
    }

    fn terraform_string(&self, key: &str) -> Option<String> {
        self.terraform_value(key)
            .and_then(|v| v.as_str().map(str::to_owned))
    }

    fn terraform_number(&self, key: &str) -> Option<u64> {
        match self.terraform_value(key)? {
            hcl::Value::Number(number) => number.as_u64(),
            _ => None,
        }
    }

    /// The SPIFFE ID tbot gets: the cluster's trust domain and the selected resource's path.
    fn spiffe_id(&self) -> String {
        let path = match &self.grant {
            Grant::WorkloadIdentity { resource, .. } => resource.spiffe_path.as_str(),
            Grant::Legacy { .. } => "",
        };
        format!("spiffe://{}{path}", self.plan.cluster.cluster_name)
    }

    /// The role's ARN as main.tf creates it, or as the answers plan it.
    fn role_arn(&self) -> String {
        self.terraform_string(&format!("{}.arn", terraform::ROLE))
            .unwrap_or_else(|| self.plan.role_arn())
    }
}

/// Every check of a one-workload set on this route.
pub fn verify_dir(dir: &Path, plan: Plan) -> Result<Report, VerifyError> {
    let setup = RaSetup::read(dir, plan)?;
    Ok(Report::of(checks(&setup, SystemTime::now())?))
}

/// The checks of one workload's files at `now`.
pub fn checks(setup: &RaSetup, now: SystemTime) -> Result<Vec<Check>, VerifyError> {
    let mut checks = teleport_side::selected_checks(&setup.tbot.selector, &setup.grant);
    let teleport_refuses = checks.iter().any(|c| c.status == Status::Fail);
    checks.push(service_check(&setup.tbot));
    let session = timing_check(&setup.tbot);
    checks.push(session.0);
    checks.push(durations_check(setup, session.1));
    checks.push(anchor_bundle_check(setup, now));

    let spiffe_id = setup.spiffe_id();
    let issue = |why: x509::CaError| VerifyError::Issuer(why.to_string());
    let ca = SimulatedSpiffeCa::generate(&setup.plan.cluster.cluster_name, now).map_err(issue)?;
    let svid = ca
        .issue(&spiffe_id, now, SIMULATED_SVID_TTL)
        .map_err(issue)?;
    let accepted = x509::accept_svid(&svid.certificate_pem, ca.certificate_pem(), now);
    match &accepted {
        Ok(accepted) => {
            checks.push(Check::pass(
                CheckId::Issued,
                format!(
                    "simulated X.509 SVID: URI SAN {spiffe_id}, ECDSA P-256, valid {} min, serial {}",
                    SIMULATED_SVID_TTL.as_secs() / 60,
                    accepted.serial
                ),
            ));
            checks.push(Check::pass(
                CheckId::SvidChain,
                format!(
                    "Roles Anywhere accepts it: chain to the SPIFFE CA, validity, key usage, signature algorithm; session tags {}",
                    accepted
                        .tags
                        .iter()
                        .map(|(key, value)| format!("{key}={value}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        Err(problem) => checks.push(Check::fail_owned(
            CheckId::SvidChain,
            problem.to_string(),
            "AccessDeniedException: Untrusted signing certificate".into(),
            "issue the SVID from the CA the trust anchor holds, for the SPIFFE ID the role trusts"
                .into(),
        )),
    }
    let tags = accepted.as_ref().map(|a| a.tags.clone()).ok();
    let tf_anchor = setup.terraform_string(".locals.trust_anchor_arn");
    let terraform_trust = setup
        .terraform
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|values| {
            terraform::json_attribute(values, &format!("{}.assume_role_policy", terraform::ROLE))
        });
    // The request comes through the anchor tbot names (JSON, which setup.sh applies) or the one
    // main.tf creates (Terraform).
    let tbot_anchor = ResourceArn::parse(&setup.tbot.trust_anchor_arn, ResourceKind::TrustAnchor)
        .ok()
        .map(|arn| arn.to_string());
    for (id, scope_id, policy, anchor) in [
        (
            CheckId::TrustPolicy,
            CheckId::TrustScope,
            Ok(&setup.trust_policy),
            tbot_anchor.clone(),
        ),
        (
            CheckId::TrustPolicyTf,
            CheckId::TrustScopeTf,
            terraform_trust.as_ref(),
            tf_anchor.clone(),
        ),
    ] {
        let (trust, scope) = match (policy, &anchor, &tags) {
            (Err(error), ..) => {
                let why = format!("main.tf does not evaluate: {error}");
                (
                    Check::skipped(id, why.clone()),
                    Check::skipped(scope_id, why),
                )
            }
            (Ok(_), None, _) => {
                let why = "not evaluated: no trust anchor ARN to come through (see tbot arns)";
                (Check::skipped(id, why), Check::skipped(scope_id, why))
            }
            (Ok(_), _, None) => {
                let why = "not evaluated: Roles Anywhere refuses the SVID first";
                (Check::skipped(id, why), Check::skipped(scope_id, why))
            }
            (Ok(policy), Some(anchor), Some(tags)) => (
                session_trust_check(id, policy, tags, anchor),
                trust_scope_check(scope_id, policy, tags, anchor),
            ),
        };
        match teleport_refuses {
            true => {
                let why = "not evaluated: Teleport issues no SVID for this workload";
                checks.push(Check::skipped(id, why));
                checks.push(Check::skipped(scope_id, why));
            }
            false => checks.extend([trust, scope]),
        }
    }
    checks.push(terraform_check(setup));
    checks.push(setup_script_check(setup));
    checks.push(profile_check(setup));
    checks.push(arns_check(setup, tf_anchor.as_deref()));
    checks.push(environment_check(setup));
    checks.push(crate::verify::permissions_check(
        CheckId::Permissions,
        &setup.plan,
        &setup.permissions_policy,
    ));
    let terraform_permissions = setup
        .terraform
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|values| {
            terraform::json_attribute(values, &format!("{}.policy", terraform::POLICY))
        });
    checks.push(match &terraform_permissions {
        Ok(policy) => crate::verify::permissions_check(CheckId::PermissionsTf, &setup.plan, policy),
        Err(error) => Check::skipped(
            CheckId::PermissionsTf,
            format!("main.tf does not evaluate: {error}"),
        ),
    });
    Ok(checks)
}

fn service_check(tbot: &RaService) -> Check {
    if tbot.kind != super::TBOT_SERVICE {
        return Check::fail_owned(
            CheckId::TbotService,
            format!(
                "tbot/services.yaml's service is {:?}, not {}",
                tbot.kind,
                super::TBOT_SERVICE
            ),
            "(before AWS) tbot writes no AWS credentials".into(),
            format!("write type: {}", super::TBOT_SERVICE),
        );
    }
    let (file, profile) = tbot.credentials();
    Check::pass(
        CheckId::TbotService,
        format!("{} writes {file}, section [{profile}]", super::TBOT_SERVICE),
    )
}

/// tbot's own rules for the session it asks for (`super::tbot_session`), on the file as written;
/// the seconds of the session and of its renewal when they hold.
fn timing_check(tbot: &RaService) -> (Check, Option<(u64, u64)>) {
    let duration = tbot.session_duration.as_deref();
    let renewal = tbot.session_renewal_interval.as_deref();
    match super::tbot_session(duration, renewal) {
        Ok((seconds, renewal_seconds)) => (
            Check::pass(
                CheckId::TbotTiming,
                format!(
                    "sessions of {} renewed every {}, before they expire",
                    duration.unwrap_or(super::DEFAULT_SESSION_DURATION_TEXT),
                    renewal.unwrap_or(super::DEFAULT_SESSION_RENEWAL_TEXT)
                ),
            ),
            Some((seconds, renewal_seconds)),
        ),
        Err(problem) => {
            use crate::answers::problem::Advice;
            let aws_error = match &problem {
                SessionProblem::RenewalNotShorter { .. } => {
                    "ExpiredToken: The security token included in the request is expired (now and then, until tbot renews)"
                }
                SessionProblem::TooShort(_) => {
                    "ValidationException: durationSeconds must be at least 900"
                }
                SessionProblem::TooLong(_) | SessionProblem::Unreadable { .. } => {
                    "(before AWS) tbot does not start with this service configuration"
                }
            };
            (
                Check::fail_owned(
                    CheckId::TbotTiming,
                    format!("tbot/services.yaml: {problem}"),
                    aws_error.to_owned(),
                    problem.fix(),
                ),
                None,
            )
        }
    }
}

/// The session tbot asks for against the profile's duration and the role's maximum, as
/// main.tf and setup.sh write them: the credentials last no longer than any of the three, so
/// tbot must renew them before the shortest ends.
fn durations_check(setup: &RaSetup, session: Option<(u64, u64)>) -> Check {
    let id = CheckId::SessionDurations;
    let Some((session, renewal)) = session else {
        return Check::skipped(id, "not evaluated: tbot's session settings fail first");
    };
    let script = |name: &str| {
        setup
            .setup_script
            .get(name)
            .and_then(|v| v.parse::<u64>().ok())
    };
    let sources = [
        (
            "main.tf's profile duration_seconds",
            setup.terraform_number(&format!("{}.duration_seconds", terraform::RA_PROFILE)),
        ),
        ("setup.sh's profile_duration", script("profile_duration")),
        (
            "main.tf's role max_session_duration",
            setup.terraform_number(&format!("{}.max_session_duration", terraform::ROLE)),
        ),
        ("setup.sh's role_max_session", script("role_max_session")),
    ];
    let mut limits = Vec::new();
    for (what, value) in sources {
        match value {
            Some(seconds) => limits.push((what, seconds)),
            None => {
                return Check::fail_owned(
                    id,
                    format!("{what} cannot be read"),
                    "unknown: wi-aws cannot tell how long the credentials last".into(),
                    "re-render the artifacts instead of editing them by hand".into(),
                );
            }
        }
    }
    let Some((shortest_what, shortest)) = limits.iter().min_by_key(|(_, s)| *s).copied() else {
        return Check::skipped(id, "no limits to compare");
    };
    if renewal >= shortest.min(session) {
        return Check::fail_owned(
            id,
            format!(
                "the credentials last {} s ({shortest_what}, tbot asks {session} s), but tbot renews them every {renewal} s",
                shortest.min(session)
            ),
            "ExpiredToken: The security token included in the request is expired (until tbot renews)".into(),
            format!(
                "make tbot.session_renewal_interval shorter than {} s, or raise roles_anywhere.profile_duration",
                shortest.min(session)
            ),
        );
    }
    if session > shortest {
        return Check::fail_owned(
            id,
            format!("tbot asks for sessions of {session} s, longer than {shortest_what} ({shortest} s)"),
            "ValidationException or a shorter session than asked: the profile and the role bound the session".into(),
            format!("raise roles_anywhere.profile_duration to at least {session}, or shorten tbot.session_duration"),
        );
    }
    Check::pass(
        id,
        format!(
            "sessions of {session} s fit the profile's {} s and the role's maximum of {} s; renewed every {renewal} s",
            setup.ra.profile_duration, setup.ra.role_max_session
        ),
    )
}

/// The bundle every file gives the trust anchor is the one the answers hold (read from the
/// proxy), and each of its certificates can anchor Roles Anywhere now.
fn anchor_bundle_check(setup: &RaSetup, now: SystemTime) -> Check {
    let id = CheckId::AnchorBundle;
    let expected = &setup.ra.ca_bundle;
    let source_json: Option<String> = setup
        .setup_script
        .get("trust_anchor_source")
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|source| {
            source["sourceData"]["x509CertificateData"]
                .as_str()
                .map(str::to_owned)
        });
    let mut written = vec![
        ("iam/trust-anchor.pem", Some(setup.anchor_pem.clone())),
        ("aws-cli/setup.sh's trust_anchor_source", source_json),
    ];
    if setup.ra.trust_anchor == super::AnchorMode::Create {
        written.push((
            "main.tf's trust anchor",
            setup.terraform_string(&format!(
                "{}.source.source_data.x509_certificate_data",
                terraform::TRUST_ANCHOR
            )),
        ));
    }
    for (what, bundle) in written {
        let same = bundle
            .as_deref()
            .and_then(|pem| x509::anchor_bundle(pem).ok())
            .is_some_and(|normalized| normalized == *expected);
        if !same {
            return Check::fail_owned(
                id,
                format!(
                    "{what} is not the SPIFFE CA bundle of answers.yaml (fingerprints {})",
                    setup.ra.ca_fingerprints.join(", ")
                ),
                "AccessDeniedException: Untrusted signing certificate (the anchor holds another CA)".into(),
                "re-render the artifacts from the proxy's bundle instead of editing one file".into(),
            );
        }
    }
    let judged = match x509::judge_anchor(expected, now) {
        Ok(judged) => judged,
        Err(problem) => {
            return Check::fail_owned(
                id,
                problem.to_string(),
                "ValidationException when creating the trust anchor".into(),
                "give the cluster's SPIFFE CA (`tctl auth export --type tls-spiffe`)".into(),
            );
        }
    };
    let mut fit = Vec::new();
    for certificate in judged {
        match certificate {
            Ok(certificate) => fit.push(format!(
                "{} (until {}, SHA-1 {})",
                certificate.subject, certificate.not_after, certificate.fingerprint
            )),
            Err(problem) => {
                return Check::fail_owned(
                    id,
                    problem.to_string(),
                    "AccessDeniedException: Untrusted signing certificate".into(),
                    "render again from the proxy's current SPIFFE CA and apply (after a CA rotation, the anchor must hold the new CA)".into(),
                );
            }
        }
    }
    Check::pass(
        id,
        format!(
            "main.tf, setup.sh and trust-anchor.pem hold the cluster's SPIFFE CA: {}",
            fit.join("; ")
        ),
    )
}

/// What Roles Anywhere asks of the trust policy when it assumes the role for a session of
/// `tags` through `anchor`: each of the three actions it performs, as the service principal.
fn session_request(action: &str, tags: &BTreeMap<String, String>, anchor: &str) -> policy::Request {
    let mut context: BTreeMap<String, Vec<String>> = tags
        .iter()
        .map(|(tag, value)| (format!("aws:PrincipalTag/{tag}"), vec![value.clone()]))
        .collect();
    context.insert(
        super::ANCHOR_CONDITION_KEY.to_owned(),
        vec![anchor.to_owned()],
    );
    policy::Request {
        action: action.to_owned(),
        service: Some(super::SERVICE_PRINCIPAL.to_owned()),
        context,
        ..policy::Request::default()
    }
}

/// The trust policy for a session of `tags` through `anchor`: each of the three actions Roles
/// Anywhere performs must be allowed. verify and doctor both ask it.
pub(crate) fn session_trust_check(
    id: CheckId,
    policy: &Value,
    tags: &BTreeMap<String, String>,
    anchor: &str,
) -> Check {
    let spiffe_id = tags.get("x509SAN/URI").cloned().unwrap_or_default();
    let fix = format!(
        "allow Service {}, Action {}, with StringEquals {{\"{}\": {spiffe_id:?}, \"{}\": {anchor:?}}}",
        super::SERVICE_PRINCIPAL,
        super::TRUST_ACTIONS.join(", "),
        super::SPIFFE_ID_CONDITION_KEY,
        super::ANCHOR_CONDITION_KEY
    );
    let mut refused = Vec::new();
    for action in super::TRUST_ACTIONS {
        match policy::evaluate(policy, &session_request(action, tags, anchor)) {
            policy::Decision::Allow(_) => {}
            policy::Decision::Malformed(why) => {
                return Check::fail_owned(
                    id,
                    why,
                    "MalformedPolicyDocument: IAM refuses this trust policy".into(),
                    fix,
                );
            }
            policy::Decision::CannotEvaluate(why) => {
                return Check::fail_owned(
                    id,
                    format!("cannot evaluate: {why}"),
                    "unknown: wi-aws cannot tell whether AWS would allow or deny".into(),
                    format!("use only StringEquals, StringLike and their negations; {fix}"),
                );
            }
            policy::Decision::ExplicitDeny(index) => refused.push(format!(
                "{action}: statement {} explicitly denies it",
                index + 1
            )),
            policy::Decision::ImplicitDeny(reasons) => {
                refused.push(format!("{action}: {}", reasons.join("; ")))
            }
        }
    }
    if refused.is_empty() {
        return Check::pass(
            id,
            format!(
                "allows {} for {spiffe_id} through {anchor}",
                super::TRUST_ACTIONS.join(", ")
            ),
        );
    }
    let action = refused[0].split(':').take(2).collect::<Vec<_>>().join(":");
    Check::fail_owned(
        id,
        refused.join("; "),
        format!("AccessDeniedException: Roles Anywhere may not perform {action} on the role"),
        fix,
    )
}

/// Who else the trust policy lets in: other workloads of the cluster through the same anchor,
/// the same SPIFFE ID through another anchor (another CA that could mint it), and any AWS
/// principal. Each it allows is a failure.
fn trust_scope_check(
    id: CheckId,
    policy: &Value,
    tags: &BTreeMap<String, String>,
    anchor: &str,
) -> Check {
    let spiffe_id = tags.get("x509SAN/URI").cloned().unwrap_or_default();
    let other_anchor = match ResourceArn::parse(anchor, ResourceKind::TrustAnchor) {
        Ok(mut arn) => {
            arn.id = "00000000-0000-4000-8000-000000000000".into();
            arn.to_string()
        }
        Err(_) => format!("{anchor}-another"),
    };
    let mut probes: Vec<(String, policy::Request)> = crate::verify::other_spiffe_ids(&spiffe_id)
        .into_iter()
        .map(|other| {
            let mut tags = tags.clone();
            tags.insert("x509SAN/URI".into(), other.clone());
            (
                format!("other workloads of the cluster (an SVID for {other})"),
                session_request("sts:AssumeRole", &tags, anchor),
            )
        })
        .collect();
    probes.extend([
        (
            format!("SVIDs that come through another trust anchor ({other_anchor})"),
            session_request("sts:AssumeRole", tags, &other_anchor),
        ),
        (
            "any AWS principal (sts:AssumeRole)".to_owned(),
            policy::Request {
                action: "sts:AssumeRole".into(),
                aws: Some("arn:aws:iam::000000000000:root".into()),
                ..policy::Request::default()
            },
        ),
    ]);
    for (who, request) in probes {
        let failure = match policy::evaluate(policy, &request) {
            policy::Decision::Allow(index) => format!("statement {} also lets in {who}", index + 1),
            policy::Decision::CannotEvaluate(why) => {
                format!("cannot tell whether it lets in {who}: {why}")
            }
            _ => continue,
        };
        return Check::fail_owned(
            id,
            failure,
            "none: AWS accepts this trust policy, and the role with it".into(),
            format!(
                "trust only Service {}, with StringEquals on {} = {spiffe_id:?} and {} = {anchor:?}",
                super::SERVICE_PRINCIPAL,
                super::SPIFFE_ID_CONDITION_KEY,
                super::ANCHOR_CONDITION_KEY
            ),
        );
    }
    Check::pass(
        id,
        format!("only {spiffe_id} through {anchor} can assume the role"),
    )
}

fn terraform_check(setup: &RaSetup) -> Check {
    match &setup.terraform {
        Ok(_) => Check::pass(
            CheckId::Terraform,
            "main.tf resolves every reference: the anchor, the role, its policy and the profile",
        ),
        Err(error) => Check::fail_owned(
            CheckId::Terraform,
            format!(
                "terraform/main.tf: {}",
                error.lines().next().unwrap_or_default()
            ),
            "terraform plan fails (Reference to undeclared resource)".into(),
            "re-render the artifacts; every reference must name a declared resource".into(),
        ),
    }
}

/// The AWS CLI script creates the role, the profile and the anchor of the answers.
fn setup_script_check(setup: &RaSetup) -> Check {
    let plan = &setup.plan;
    let ra = &setup.ra;
    let expected = [
        ("account", plan.aws.account_id.clone()),
        ("region", plan.aws.region.clone()),
        ("spiffe_id", plan.workload.spiffe_id.to_string()),
        ("role_arn", plan.role_arn()),
        ("profile_name", ra.profile_name.clone()),
        (
            "trust_anchor_name",
            ra.trust_anchor_name.clone().unwrap_or_default(),
        ),
    ];
    for (name, value) in expected {
        if setup.setup_script.get(name) != Some(&value) {
            return Check::fail_owned(
                CheckId::AwsCliScript,
                format!(
                    "aws-cli/setup.sh sets {name}={:?}, but the other artifacts need {value:?}",
                    setup.setup_script.get(name).cloned().unwrap_or_default()
                ),
                "resources created with the AWS CLI would not match tbot's file".into(),
                "re-render instead of editing one file by hand".into(),
            );
        }
    }
    Check::pass(
        CheckId::AwsCliScript,
        "creates the trust anchor, role and profile the answers and tbot's file name",
    )
}

/// The profile lists the role, is enabled, and main.tf gives it the answers' name.
fn profile_check(setup: &RaSetup) -> Check {
    let id = CheckId::RaProfile;
    let key = |attribute: &str| format!("{}.{attribute}", terraform::RA_PROFILE);
    let Ok(values) = &setup.terraform else {
        return Check::skipped(id, "not evaluated: main.tf does not evaluate");
    };
    let roles = terraform::list_attribute(values, &key("role_arns")).unwrap_or_default();
    let role = setup.role_arn();
    let enabled = matches!(
        setup.terraform_value(&key("enabled")),
        Some(hcl::Value::Bool(true))
    );
    let name = terraform::string_attribute(values, &key("name"));
    let problem = if !roles.contains(&role) {
        Some(format!(
            "main.tf's profile lists {roles:?}, not the role {role}"
        ))
    } else if roles.len() > super::MAX_PROFILE_ROLES {
        Some(format!(
            "main.tf's profile lists {} roles; a profile holds at most {}",
            roles.len(),
            super::MAX_PROFILE_ROLES
        ))
    } else if !enabled {
        Some("main.tf's profile is not enabled".to_owned())
    } else if name.as_deref() != Some(setup.ra.profile_name.as_str()) {
        Some(format!(
            "main.tf's profile is named {name:?}, the answers say {:?}",
            setup.ra.profile_name
        ))
    } else {
        None
    };
    match problem {
        Some(problem) => Check::fail_owned(
            id,
            problem,
            "AccessDeniedException: the profile does not allow the role (CreateSession)".into(),
            "re-render: the profile lists the workload's role and is enabled".into(),
        ),
        None => Check::pass(id, format!("the profile lists {role} and is enabled")),
    }
}

/// tbot's three ARNs: the role main.tf creates, and the anchor and profile AWS assigned, in
/// the answers' partition, region and account; a placeholder is a failure.
fn arns_check(setup: &RaSetup, tf_anchor: Option<&str>) -> Check {
    let id = CheckId::TbotArns;
    let tbot = &setup.tbot;
    let plan = &setup.plan;
    let pending_fix = "after apply, give roles_anywhere.trust_anchor_arn and roles_anywhere.profile_arn (terraform output, or what aws-cli/setup.sh printed) in answers.yaml and render again";
    let fail = |detail: String, fix: &str| {
        Check::fail_owned(
            id,
            detail,
            "(before AWS) tbot's CreateSession names a trust anchor, profile or role that does not exist: ValidationException or AccessDeniedException".into(),
            fix.to_owned(),
        )
    };
    let pending: Vec<&str> = [
        ("trust_anchor_arn", tbot.trust_anchor_arn.as_str()),
        ("profile_arn", tbot.profile_arn.as_str()),
    ]
    .into_iter()
    .filter(|(_, value)| value.contains(PENDING_ARN))
    .map(|(key, _)| key)
    .collect();
    if !pending.is_empty() {
        return fail(
            format!(
                "tbot/services.yaml names {PENDING_ARN} for {}: the ARNs are known only after apply",
                pending.join(" and ")
            ),
            pending_fix,
        );
    }
    if tbot.role_arn != setup.role_arn() {
        return fail(
            format!(
                "tbot asks for the role {:?}, but main.tf creates {}",
                tbot.role_arn,
                setup.role_arn()
            ),
            "re-render instead of editing tbot/services.yaml",
        );
    }
    if tbot.region != plan.aws.region {
        return fail(
            format!(
                "tbot asks region {:?}, the answers are for {}",
                tbot.region, plan.aws.region
            ),
            "re-render instead of editing tbot/services.yaml",
        );
    }
    for (key, value, kind) in [
        (
            "trust_anchor_arn",
            &tbot.trust_anchor_arn,
            ResourceKind::TrustAnchor,
        ),
        ("profile_arn", &tbot.profile_arn, ResourceKind::Profile),
    ] {
        let arn = match ResourceArn::parse(value, kind) {
            Ok(arn) => arn,
            Err(problem) => return fail(format!("tbot's {key} {value:?}: {problem}"), pending_fix),
        };
        if arn.partition != plan.aws.partition
            || arn.region != plan.aws.region
            || arn.account_id != plan.aws.account_id
        {
            return fail(
                format!(
                    "tbot's {key} {value} is not in {} {} {}",
                    plan.aws.partition.id(),
                    plan.aws.region,
                    plan.aws.account_id
                ),
                "give the ARN of the anchor and profile in the answers' account and region",
            );
        }
    }
    if setup.ra.trust_anchor == super::AnchorMode::Existing
        && tf_anchor.is_some_and(|anchor| anchor != tbot.trust_anchor_arn)
    {
        return fail(
            format!(
                "tbot names the trust anchor {}, but the role trusts {}",
                tbot.trust_anchor_arn,
                tf_anchor.unwrap_or_default()
            ),
            "re-render instead of editing one file",
        );
    }
    Check::pass(
        id,
        format!(
            "tbot names the role {}, the trust anchor {} and the profile {}",
            tbot.role_arn, tbot.trust_anchor_arn, tbot.profile_arn
        ),
    )
}

/// The workload's environment reads the credentials file tbot writes, at the section it writes.
fn environment_check(setup: &RaSetup) -> Check {
    let id = CheckId::EnvCredentials;
    let (file, profile) = setup.tbot.credentials();
    let env_file = setup.env.get("AWS_SHARED_CREDENTIALS_FILE");
    let env_profile = setup.env.get("AWS_PROFILE");
    let section = match profile.as_str() {
        "default" => "default".to_owned(),
        name => format!("profile {name}"),
    };
    let problem = if env_file != Some(&file) {
        Some(format!(
            "aws/env's AWS_SHARED_CREDENTIALS_FILE is {env_file:?}, but tbot writes {file}"
        ))
    } else if env_profile != Some(&profile) {
        Some(format!(
            "aws/env's AWS_PROFILE is {env_profile:?}, but tbot writes the section [{profile}]"
        ))
    } else if !setup.config.contains_key(&section) {
        Some(format!("aws/config has no [{section}] section"))
    } else {
        None
    };
    match problem {
        Some(problem) => Check::fail_owned(
            id,
            problem,
            "(in the SDK) Unable to locate credentials, or another profile's".into(),
            "re-render: aws/env names tbot's credentials file and its section".into(),
        ),
        None => Check::pass(
            id,
            format!("AWS_SHARED_CREDENTIALS_FILE={file}, AWS_PROFILE={profile}"),
        ),
    }
}
