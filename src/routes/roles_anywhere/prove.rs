//! The Roles Anywhere route's proof over the written files, as strict as the OIDC one: an X.509
//! SVID issued as Teleport would (from a fresh local SPIFFE CA standing in for the cluster's),
//! validated as Roles Anywhere validates it, the session tags it derives, the role's trust
//! policy evaluated for them (and for who else might come), and everything that must agree
//! across main.tf, the AWS CLI script, tbot's file and the workload's environment: the trust
//! anchor's bundle, the profile, the ARNs and the durations. A check that cannot be made fails.

use super::agreement::{
    anchor_bundle_check, arns_check, durations_check, environment_check, profile_check,
    service_check, setup_script_check, terraform_check, timing_check,
};
use super::plan::RolesAnywherePlan;
use super::x509::{self, SimulatedSpiffeCa};
use super::{ResourceArn, ResourceKind};
use crate::answers::Form;
use crate::answers::fleet::{Fleet, FleetWorkload};
use crate::answers::plan::Plan;
use crate::artifacts::render::{ANSWERS_FILE, ArtifactKind, PERMISSIONS_POLICY};
use crate::routes::roles_anywhere::artifacts as ra_files;
use crate::verify::check::{Check, CheckId, Report, Status, WorkloadReport};
use crate::verify::kubernetes::KubernetesFiles;
use crate::verify::teleport::{self as teleport_side, Grant};
use crate::verify::{Files, VerifyError, parse_error, policy, read, shell_assignments, terraform};
use crate::verify::{FleetFiles, isolation};
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
    /// The workload's environment: `aws/env`, or on Kubernetes its container's.
    pub env: BTreeMap<String, String>,
    /// The file `env` is read from.
    pub env_source: String,
    /// `aws/config`; empty on Kubernetes.
    pub config: BTreeMap<String, BTreeMap<String, String>>,
    /// A set on Kubernetes: the chart's values, the join token and the manifests.
    pub kubernetes: Option<KubernetesFiles>,
    /// The Teleport resources as written (tctl's files, or teleport/main.tf's).
    pub teleport_docs: teleport_side::TeleportDocs,
}

impl RaSetup {
    /// The files of one workload in `dir`: the only one of a version 1 set, else the one
    /// named `workload` (which may be left out when the fleet has one workload).
    pub fn read(dir: &Path, workload: Option<&str>) -> Result<Self, VerifyError> {
        let fleet = crate::verify::read_answers(dir)?;
        if fleet.form == Form::Single {
            return Self::read_single(dir, fleet.shared().clone());
        }
        let workload = crate::verify::wanted_workload(dir, &fleet, workload)?;
        let files = FleetFiles::read_of(
            dir,
            &fleet,
            &ra_files::FLEET_TERRAFORM,
            &ra_files::FLEET_AWS_CLI_SETUP,
        )?;
        Self::of_fleet(dir, &files, workload)
    }

    fn read_single(dir: &Path, plan: Plan) -> Result<Self, VerifyError> {
        let terraform = terraform::evaluate_in(
            &read(dir, ra_files::TERRAFORM.written_path())?,
            plan.aws.partition,
            &plan.aws.account_id,
            &crate::artifacts::files::set_file_reader(dir),
        );
        let script = shell_assignments(&read(dir, ra_files::AWS_CLI_SETUP.written_path())?);
        let teleport = teleport_side::TeleportTerraform::read(dir, &plan)?;
        Self::assemble(
            dir,
            plan,
            Files::Single,
            (terraform, script),
            teleport.as_ref(),
        )
    }

    /// A workload of a fleet: main.tf's instance of its role and of its profile (keyed by the
    /// profile's name, which it may share), and its section of the script.
    fn of_fleet(
        dir: &Path,
        files: &FleetFiles,
        workload: &FleetWorkload,
    ) -> Result<Self, VerifyError> {
        let (mut terraform, script) = files.share_of(&workload.name);
        if let (Ok(values), Some(ra)) = (&mut terraform, &workload.plan.roles_anywhere) {
            // An instance keyed like this workload may be another's profile.
            values.retain(|key, _| !key.starts_with(terraform::RA_PROFILE));
            if let Some(profile) = files.instance(&ra.profile_name) {
                values.extend(
                    profile
                        .iter()
                        .filter(|(key, _)| key.starts_with(terraform::RA_PROFILE))
                        .map(|(key, value)| (key.clone(), value.clone())),
                );
            }
        }
        let teleport = files.teleport.as_ref();
        let files = Files::Workload(&workload.name);
        Self::assemble(
            dir,
            workload.plan.clone(),
            files,
            (terraform, script),
            teleport,
        )
    }

    /// One workload's files, with what it shares with a fleet already read.
    fn assemble(
        dir: &Path,
        plan: Plan,
        files: Files<'_>,
        (terraform, setup_script): (Result<terraform::Values, String>, BTreeMap<String, String>),
        teleport_terraform: Option<&teleport_side::TeleportTerraform>,
    ) -> Result<Self, VerifyError> {
        let ra = plan
            .roles_anywhere
            .clone()
            .ok_or_else(|| parse_error(dir, ANSWERS_FILE, "aws.route is not roles-anywhere"))?;
        let json = |kind: &ArtifactKind| -> Result<Value, VerifyError> {
            let relative = files.path(kind);
            serde_json::from_str(&read(dir, &relative)?).map_err(|e| parse_error(dir, &relative, e))
        };
        let teleport_docs =
            teleport_side::TeleportDocs::read(dir, files, &plan, teleport_terraform)?;
        let kubernetes = match &plan.tbot.kubernetes {
            Some(names) => Some(KubernetesFiles::read(dir, files, names, &teleport_docs)?),
            None => None,
        };
        let (service, directory) = teleport_side::tbot_service(
            dir,
            files,
            &ra_files::TBOT_SERVICES,
            "services",
            kubernetes.as_ref(),
        )?;
        let text = |key: &str| teleport_side::text(&service[key]);
        let tbot = RaService {
            kind: text("type"),
            selector: teleport_side::text(&service["selector"]["name"]),
            directory,
            role_arn: text("role_arn"),
            trust_anchor_arn: text("trust_anchor_arn"),
            profile_arn: text("profile_arn"),
            region: text("region"),
            session_duration: teleport_side::written(&service["session_duration"]),
            session_renewal_interval: teleport_side::written(&service["session_renewal_interval"]),
            credential_profile_name: teleport_side::written(&service["credential_profile_name"]),
            artifact_name: teleport_side::written(&service["artifact_name"]),
        };
        // On Kubernetes the workload's environment is its container's, and there is no
        // aws/config: the region is the environment's too.
        let (env, env_source, config) = match &kubernetes {
            Some(kube) => (kube.env(), kube.deployment_path.clone(), BTreeMap::new()),
            None => {
                let env_source = files.path(&ra_files::AWS_ENV);
                let env = shell_assignments(&read(dir, &env_source)?);
                let config =
                    crate::verify::parse_ini(&read(dir, &files.path(&ra_files::AWS_CONFIG))?);
                (env, env_source, config)
            }
        };
        Ok(Self {
            trust_policy: json(&ra_files::TRUST_POLICY)?,
            permissions_policy: json(&PERMISSIONS_POLICY)?,
            anchor_pem: read(dir, &files.path(&ra_files::TRUST_ANCHOR))?,
            terraform,
            setup_script,
            grant: teleport_side::workload_identity_grant(&teleport_docs),
            env,
            env_source,
            config,
            kubernetes,
            teleport_docs,
            tbot,
            ra: *ra,
            plan,
        })
    }

    pub(super) fn terraform_value(&self, key: &str) -> Option<&hcl::Value> {
        self.terraform
            .as_ref()
            .ok()
            .and_then(|values| values.get(key))
    }

    pub(super) fn terraform_string(&self, key: &str) -> Option<String> {
        self.terraform_value(key)
            .and_then(|v| v.as_str().map(str::to_owned))
    }

    pub(super) fn terraform_number(&self, key: &str) -> Option<u64> {
        match self.terraform_value(key)? {
            hcl::Value::Number(number) => number.as_u64(),
            _ => None,
        }
    }

    /// The SPIFFE ID tbot gets: the cluster's trust domain and the selected resource's path.
    pub(super) fn spiffe_id(&self) -> String {
        let path = match &self.grant {
            Grant::WorkloadIdentity { resource, .. } => resource.spiffe_path.as_str(),
            Grant::Legacy { .. } => "",
        };
        format!("spiffe://{}{path}", self.plan.cluster.cluster_name)
    }

    /// The role's ARN as main.tf creates it, or as the answers plan it.
    pub(super) fn role_arn(&self) -> String {
        self.terraform_string(&format!("{}.arn", terraform::ROLE))
            .unwrap_or_else(|| self.plan.role_arn())
    }
}

/// Every check of the set in `dir` on this route: one workload's, or for a fleet each
/// workload's and the isolation of each from the others.
pub fn verify_dir(dir: &Path, fleet: &Fleet) -> Result<Report, VerifyError> {
    let now = SystemTime::now();
    let issue = |why: x509::CaError| VerifyError::Issuer(why.to_string());
    // One simulated SPIFFE CA for the set, as the cluster has one.
    let ca =
        SimulatedSpiffeCa::generate(&fleet.shared().cluster.cluster_name, now).map_err(issue)?;
    if fleet.form == Form::Single {
        let setup = RaSetup::read_single(dir, fleet.shared().clone())?;
        return Ok(Report::of(checks_with(&setup, &ca, now)?));
    }
    let files = FleetFiles::read_of(
        dir,
        fleet,
        &ra_files::FLEET_TERRAFORM,
        &ra_files::FLEET_AWS_CLI_SETUP,
    )?;
    let proven = crate::artifacts::parallel::on_every_core(&fleet.workloads, |workload| {
        let setup = RaSetup::of_fleet(dir, &files, workload)?;
        let checks = checks_with(&setup, &ca, now)?;
        Ok::<_, VerifyError>((checks, guard(&workload.name, &setup)))
    });
    let mut workloads = Vec::with_capacity(proven.len());
    let mut guards = Vec::with_capacity(proven.len());
    for result in proven {
        let (checks, guard) = result?;
        workloads.push(checks);
        guards.push(guard);
    }
    let (per_workload, fleet_check) = isolation::checks(&guards);
    let workloads = workloads
        .into_iter()
        .zip(per_workload)
        .zip(&guards)
        .map(|((mut checks, isolation), guard)| {
            checks.extend(isolation);
            WorkloadReport::new(guard.name.clone(), checks)
        })
        .collect();
    Ok(Report {
        checks: vec![fleet_check],
        workloads,
    })
}

/// What isolation needs of a workload: the session its SVID opens through the anchor tbot
/// names (main.tf's when tbot's is not an ARN yet), and its role's trust policies.
fn guard(name: &str, setup: &RaSetup) -> isolation::Guard {
    let spiffe_id = setup.spiffe_id();
    let tf_anchor = setup.terraform_string(".locals.trust_anchor_arn");
    let anchor = ResourceArn::parse(&setup.tbot.trust_anchor_arn, ResourceKind::TrustAnchor)
        .ok()
        .map(|arn| arn.to_string())
        .or_else(|| tf_anchor.clone())
        .unwrap_or_else(|| setup.ra.trust_anchor_arn_or_pending().to_owned());
    let tags = BTreeMap::from([("x509SAN/URI".to_owned(), spiffe_id.clone())]);
    let terraform_trust = setup.terraform.as_ref().ok().and_then(|values| {
        terraform::json_attribute(values, &format!("{}.assume_role_policy", terraform::ROLE)).ok()
    });
    let guard = isolation::Guard::new(
        name.to_owned(),
        session_request("sts:AssumeRole", &tags, &anchor),
        (
            format!("the SVID for {spiffe_id}"),
            "SVID",
            super::SPIFFE_ID_CONDITION_KEY,
        ),
        setup.plan.aws.role_name.clone(),
        setup.trust_policy.clone(),
        terraform_trust,
    );
    match tf_anchor {
        Some(tf_anchor) => {
            guard.with_terraform_request(session_request("sts:AssumeRole", &tags, &tf_anchor))
        }
        None => guard,
    }
}

/// The checks of one workload's files at `now`, with a fresh simulated SPIFFE CA.
pub fn checks(setup: &RaSetup, now: SystemTime) -> Result<Vec<Check>, VerifyError> {
    let issue = |why: x509::CaError| VerifyError::Issuer(why.to_string());
    let ca = SimulatedSpiffeCa::generate(&setup.plan.cluster.cluster_name, now).map_err(issue)?;
    checks_with(setup, &ca, now)
}

/// The checks of one workload's files at `now`, its SVID issued by `ca`.
fn checks_with(
    setup: &RaSetup,
    ca: &SimulatedSpiffeCa,
    now: SystemTime,
) -> Result<Vec<Check>, VerifyError> {
    let mut checks = teleport_side::selected_checks(&setup.tbot.selector, &setup.grant);
    checks.extend(teleport_side::operator_check(&setup.teleport_docs));
    checks.extend(teleport_side::bot_check(&setup.teleport_docs, &setup.plan));
    let teleport_refuses = checks.iter().any(|c| c.status == Status::Fail);
    checks.push(service_check(&setup.tbot));
    if let Some(kube) = &setup.kubernetes {
        checks.extend(crate::verify::kubernetes::checks(kube, &setup.plan));
    }
    let session = timing_check(&setup.tbot);
    checks.push(session.0);
    checks.push(durations_check(setup, session.1));
    checks.push(anchor_bundle_check(setup, now));

    let spiffe_id = setup.spiffe_id();
    let issue = |why: x509::CaError| VerifyError::Issuer(why.to_string());
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
    checks.extend(crate::verify::role_settings_checks(
        &setup.plan,
        &setup.terraform,
        &setup.setup_script,
    ));
    checks.push(crate::verify::policy_size_check(
        &setup.trust_policy,
        &setup.permissions_policy,
    ));
    checks.push(crate::verify::written_permissions_check(
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
        Ok(policy) => {
            crate::verify::written_permissions_check(CheckId::PermissionsTf, &setup.plan, policy)
        }
        Err(error) => Check::skipped(
            CheckId::PermissionsTf,
            format!("main.tf does not evaluate: {error}"),
        ),
    });
    Ok(checks)
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
        crate::verify::any_aws_principal(),
    ]);
    if let Some(failure) = crate::verify::first_admitted(policy, probes) {
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
