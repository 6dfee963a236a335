//! The Teleport side of the proof, in either API generation: what tbot asks for (and where it
//! writes the token), and whether the role lets the bot have it. Teleport refuses before AWS is
//! ever asked, so these failures come first.

use super::{Check, CheckId, VerifyError, parse_error, read};
use crate::artifacts::render::{
    ArtifactKind, JOIN_TOKEN, OPERATOR_BOT_FILE, OPERATOR_JOIN_TOKEN, OPERATOR_ROLE,
    OPERATOR_WORKLOAD_IDENTITY, TELEPORT_TERRAFORM,
};
use crate::artifacts::render::{TBOT_OUTPUTS, TBOT_SERVICES, TELEPORT_ROLE, WORKLOAD_IDENTITY};
use crate::domain::teleport::TeleportApi;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// What tbot's configuration asks Teleport for, and where it writes the token.
#[derive(Debug, Clone, Default)]
pub struct TbotOutput {
    pub directory: String,
    /// The SPIFFE ID path of the SVID: tbot's `svid.path` (legacy) or the selected
    /// resource's `spec.spiffe.id` (current).
    pub svid_path: String,
    /// The audience the token is issued for (the first of the service's `audiences`).
    pub audience: String,
    pub file_name: String,
    /// The current generation's `selector.name`.
    pub selector: Option<String>,
    /// The service's `credential_ttl` and `renewal_interval` as written (`None` when absent:
    /// tbot's own settings, 1h and 20m by default, apply).
    pub credential_ttl: Option<String>,
    pub renewal_interval: Option<String>,
}

/// What the role allows.
#[derive(Debug, Clone)]
pub enum Grant {
    /// `spec.allow.spiffe[].path`.
    Legacy { allowed_paths: Vec<String> },
    /// `spec.allow.workload_identity_labels`, whether its rules allow listing and reading
    /// `workload_identity` resources, and the resource of `teleport/workload-identity.yaml`.
    WorkloadIdentity {
        role_labels: BTreeMap<String, Vec<String>>,
        may_read_resources: bool,
        resource: Resource,
    },
}

/// A `workload_identity` resource.
#[derive(Debug, Clone, Default)]
pub struct Resource {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub spiffe_path: String,
}

pub(crate) fn yaml(dir: &Path, relative: &str) -> Result<Value, VerifyError> {
    crate::artifacts::yaml::from_str(&read(dir, relative)?)
        .map_err(|e| parse_error(dir, relative, e))
}

pub(crate) fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// tbot's service (or legacy output) of `key` and the directory the workload finds its files
/// in: a host's file and its destination's path, or on Kubernetes the chart's values and where
/// the workload's container mounts the Secret they write.
pub(crate) fn tbot_service(
    dir: &Path,
    files: super::Files<'_>,
    host_file: &crate::artifacts::render::ArtifactKind,
    key: &str,
    kubernetes: Option<&super::kubernetes::KubernetesFiles>,
) -> Result<(Value, String), VerifyError> {
    Ok(match kubernetes {
        Some(kube) => (kube.service(key).clone(), kube.directory(key)),
        None => {
            let service = yaml(dir, &files.path(host_file))?[key][0].clone();
            let directory = text(&service["destination"]["path"]);
            (service, directory)
        }
    })
}

/// Reads the Teleport and tbot artifacts of generation `api` from `dir`.
pub fn read_side(
    dir: &Path,
    api: TeleportApi,
    files: super::Files<'_>,
    kubernetes: Option<&super::kubernetes::KubernetesFiles>,
    docs: &TeleportDocs,
) -> Result<(TbotOutput, Grant), VerifyError> {
    match api {
        TeleportApi::LegacySpiffe => {
            let allow = &docs.role["spec"]["allow"];
            let (output, directory) =
                tbot_service(dir, files, &TBOT_OUTPUTS, "outputs", kubernetes)?;
            let output = &output;
            let tbot = TbotOutput {
                directory,
                svid_path: text(&output["svid"]["path"]),
                audience: text(&output["jwts"][0]["audience"]),
                file_name: text(&output["jwts"][0]["file_name"]),
                selector: None,
                credential_ttl: written(&output["credential_ttl"]),
                renewal_interval: written(&output["renewal_interval"]),
            };
            let allowed_paths = allow["spiffe"]
                .as_array()
                .map(|rules| rules.iter().map(|r| text(&r["path"])).collect())
                .unwrap_or_default();
            Ok((tbot, Grant::Legacy { allowed_paths }))
        }
        TeleportApi::WorkloadIdentity => {
            let grant = workload_identity_grant(docs);
            let Grant::WorkloadIdentity { resource, .. } = &grant else {
                unreachable!("workload_identity_grant reads that generation's grant");
            };
            let (service, directory) =
                tbot_service(dir, files, &TBOT_SERVICES, "services", kubernetes)?;
            let service = &service;
            let tbot = TbotOutput {
                directory,
                svid_path: resource.spiffe_path.clone(),
                audience: text(&service["audiences"][0]),
                file_name: crate::domain::tbot::WORKLOAD_IDENTITY_JWT_FILE.to_owned(),
                selector: Some(text(&service["selector"]["name"])),
                credential_ttl: written(&service["credential_ttl"]),
                renewal_interval: written(&service["renewal_interval"]),
            };
            Ok((tbot, grant))
        }
    }
}

/// The current generation's role and `workload_identity` resource: what any tbot service
/// that selects the resource by name (either route's) is granted.
pub(crate) fn workload_identity_grant(docs: &TeleportDocs) -> Grant {
    let allow = &docs.role["spec"]["allow"];
    let document = &docs.workload_identity;
    let resource = Resource {
        name: text(&document["metadata"]["name"]),
        labels: string_map(&document["metadata"]["labels"], text),
        spiffe_path: text(&document["spec"]["spiffe"]["id"]),
    };
    Grant::WorkloadIdentity {
        role_labels: string_map(&allow["workload_identity_labels"], |values| {
            super::policy::strings(Some(values))
        }),
        may_read_resources: reads_workload_identities(&allow["rules"]),
        resource,
    }
}

/// One workload's Teleport resources as written, each as the document `tctl create` would be
/// given: tctl's YAML files, or the resources of teleport/main.tf as Terraform would plan them.
#[derive(Debug, Clone, Default)]
pub struct TeleportDocs {
    pub role: Value,
    /// The current generation's resource (null in the legacy one).
    pub workload_identity: Value,
    /// The join token, on Kubernetes.
    pub token: Value,
    /// The bot, when teleport/main.tf owns it.
    pub bot: Value,
    /// Where each was read, for the checks to name: the token's, the bot's.
    pub token_source: String,
    pub bot_source: String,
    /// How they were written.
    pub as_code: crate::domain::teleport::AsCode,
}

/// The blocks teleport/main.tf declares (`templates/teleport/main.tf.hbs`).
const TF_WORKLOAD_IDENTITY: &str = ".resource.teleport_workload_identity.workload";
const TF_ROLE: &str = ".resource.teleport_role.workload";
const TF_TOKEN: &str = ".resource.teleport_provision_token.tbot";
const TF_BOT: &str = ".resource.teleport_bot.workload";

/// teleport/main.tf evaluated as Terraform would plan it: the values of its blocks without
/// `for_each` and each instance's by its key (a workload's name; a bot's name for the bots).
#[derive(Debug, Clone, Default)]
pub struct TeleportTerraform {
    shared: super::terraform::Values,
    instances: BTreeMap<String, super::terraform::Values>,
}

impl TeleportTerraform {
    /// The set's teleport/main.tf, when its Teleport side is Terraform's. A file that does not
    /// evaluate is an error: no Teleport check could be made.
    pub fn read(
        dir: &Path,
        plan: &crate::answers::plan::Plan,
    ) -> Result<Option<Self>, VerifyError> {
        if plan.workload.as_code != crate::domain::teleport::AsCode::Terraform {
            return Ok(None);
        }
        let path = TELEPORT_TERRAFORM.written_path();
        let values = super::terraform::evaluate_in(
            &read(dir, path)?,
            plan.aws.partition,
            &plan.aws.account_id,
            &crate::artifacts::files::set_file_reader(dir),
        )
        .map_err(|error| parse_error(dir, path, error))?;
        let (shared, instances) = super::terraform::instances_by_key(values);
        Ok(Some(Self { shared, instances }))
    }

    /// What `workload`'s resources say (`None`: a one-workload set), its bot's by `bot`.
    fn docs(&self, workload: Option<&str>, bot: &str) -> TeleportDocs {
        let empty = super::terraform::Values::new();
        let own = match workload {
            Some(name) => self.instances.get(name).unwrap_or(&empty),
            None => &self.shared,
        };
        let bots = match workload {
            Some(_) => self.instances.get(bot).unwrap_or(&empty),
            None => &self.shared,
        };
        let document = |values: &super::terraform::Values, block: &str, kind: &str| {
            let attribute = |name: &str| {
                values
                    .get(&format!("{block}.{name}"))
                    .and_then(|value| serde_json::to_value(value).ok())
                    .unwrap_or(Value::Null)
            };
            if values
                .keys()
                .any(|key| key.starts_with(&format!("{block}.")))
            {
                serde_json::json!({
                    "kind": kind,
                    "version": attribute("version"),
                    "metadata": attribute("metadata"),
                    "spec": attribute("spec"),
                })
            } else {
                Value::Null
            }
        };
        let path = TELEPORT_TERRAFORM.written_path();
        TeleportDocs {
            role: document(own, TF_ROLE, "role"),
            workload_identity: document(own, TF_WORKLOAD_IDENTITY, "workload_identity"),
            token: document(own, TF_TOKEN, "token"),
            bot: document(bots, TF_BOT, "bot"),
            token_source: format!("{path} teleport_provision_token.tbot"),
            bot_source: format!("{path} teleport_bot.workload"),
            as_code: crate::domain::teleport::AsCode::Terraform,
        }
    }
}

impl TeleportDocs {
    /// One workload's Teleport resources: from `terraform` when the set's Teleport side is
    /// Terraform's (`workload`: its name in a fleet), else from tctl's files.
    pub fn read(
        dir: &Path,
        files: super::Files<'_>,
        plan: &crate::answers::plan::Plan,
        terraform: Option<&TeleportTerraform>,
    ) -> Result<Self, VerifyError> {
        if let Some(terraform) = terraform {
            let workload = match files {
                super::Files::Single => None,
                super::Files::Workload(name) => Some(name),
            };
            return Ok(terraform.docs(workload, &plan.workload.bot));
        }
        if plan.workload.as_code == crate::domain::teleport::AsCode::Operator {
            return Self::read_operator(dir, files, plan);
        }
        let role = yaml(dir, &files.path(&TELEPORT_ROLE))?;
        let workload_identity = match plan.workload.api {
            TeleportApi::WorkloadIdentity => yaml(dir, &files.path(&WORKLOAD_IDENTITY))?,
            TeleportApi::LegacySpiffe => Value::Null,
        };
        let token_source = files.path(&JOIN_TOKEN);
        let token = match plan.tbot.kubernetes {
            Some(_) => yaml(dir, &token_source)?,
            None => Value::Null,
        };
        Ok(Self {
            role,
            workload_identity,
            token,
            bot: Value::Null,
            token_source,
            bot_source: String::new(),
            as_code: crate::domain::teleport::AsCode::Tctl,
        })
    }

    /// The operator's objects, each as the Teleport resource the operator makes of it: its
    /// name and labels, and its spec as it is (`ToTeleport` in
    /// `integrations/operator/apis/resources/v1/workload_identityv1_types.go`: `Name: l.Name`,
    /// `Labels: l.Labels`, the spec cast). Each keeps its apiVersion and kind for
    /// [`operator_check`].
    fn read_operator(
        dir: &Path,
        files: super::Files<'_>,
        plan: &crate::answers::plan::Plan,
    ) -> Result<Self, VerifyError> {
        let object = |kind: &ArtifactKind, teleport_kind: &str| -> Result<Value, VerifyError> {
            let document = yaml(dir, &files.path(kind))?;
            Ok(serde_json::json!({
                "kind": teleport_kind,
                "metadata": document["metadata"],
                "spec": document["spec"],
                "object": {"apiVersion": document["apiVersion"], "kind": document["kind"], "path": files.path(kind)},
            }))
        };
        let token = match plan.tbot.kubernetes {
            Some(_) => object(&OPERATOR_JOIN_TOKEN, "token")?,
            None => Value::Null,
        };
        let bot = match plan.workload.manage_bot {
            true => object(&OPERATOR_BOT_FILE, "bot")?,
            false => Value::Null,
        };
        Ok(Self {
            role: object(&OPERATOR_ROLE, "role")?,
            workload_identity: object(&OPERATOR_WORKLOAD_IDENTITY, "workload_identity")?,
            token,
            bot,
            token_source: files.path(&OPERATOR_JOIN_TOKEN),
            bot_source: files.path(&OPERATOR_BOT_FILE),
            as_code: crate::domain::teleport::AsCode::Operator,
        })
    }
}

/// The operator's objects are of the kinds and versions of its CRDs
/// (`integrations/operator/config/crd/bases`, group resources.teleport.dev): an object of
/// another kind or version is one the operator does not reconcile, and no resource is made.
pub(crate) fn operator_check(docs: &TeleportDocs) -> Option<Check> {
    if docs.as_code != crate::domain::teleport::AsCode::Operator {
        return None;
    }
    let expected = [
        (
            &docs.workload_identity,
            "resources.teleport.dev/v1",
            "TeleportWorkloadIdentityV1",
        ),
        (&docs.role, "resources.teleport.dev/v1", "TeleportRoleV7"),
        (
            &docs.token,
            "resources.teleport.dev/v2",
            "TeleportProvisionToken",
        ),
        (&docs.bot, "resources.teleport.dev/v1", "TeleportBotV1"),
    ];
    let mut problems = Vec::new();
    let mut namespaces = Vec::new();
    for (document, api_version, kind) in expected {
        if document.is_null() {
            continue;
        }
        let object = &document["object"];
        let (given_version, given_kind) = (text(&object["apiVersion"]), text(&object["kind"]));
        if given_version != api_version || given_kind != kind {
            problems.push(format!(
                "{} is {given_version} {given_kind}, not {api_version} {kind}",
                text(&object["path"])
            ));
        }
        namespaces.push(text(&document["metadata"]["namespace"]));
    }
    namespaces.dedup();
    if namespaces.len() > 1 {
        problems.push(format!(
            "the objects are in the namespaces {namespaces:?}: the operator watches one"
        ));
    }
    Some(match problems.is_empty() {
        true => Check::pass(
            CheckId::TeleportOperator,
            format!(
                "the operator's objects are of its CRDs' kinds, in namespace {}",
                namespaces.first().cloned().unwrap_or_default()
            ),
        ),
        false => Check::fail(
            CheckId::TeleportOperator,
            problems.join("; "),
            REFUSED,
            "re-render: the objects are the operator's kinds, in the namespace it watches",
        ),
    })
}

/// Who gives the bot the role: teleport/main.tf when it owns the bot (the bot's roles then
/// are exactly its list), or `tctl bots update --add-roles`, which NEXT-STEPS.md gives.
pub(crate) fn bot_check(docs: &TeleportDocs, plan: &crate::answers::plan::Plan) -> Option<Check> {
    if docs.as_code == crate::domain::teleport::AsCode::Tctl {
        return None;
    }
    let role = &plan.workload.teleport_role;
    let bot = &plan.workload.bot;
    let id = CheckId::TeleportBot;
    Some(match (plan.workload.manage_bot, docs.bot.is_null()) {
        (true, true) => Check::fail(
            id,
            format!(
                "teleport.manage_bot is true, but {} declares no bot",
                docs.bot_source
            ),
            REFUSED,
            "re-render: teleport/main.tf declares the bot with the role",
        ),
        (true, false) => {
            let name = text(&docs.bot["metadata"]["name"]);
            let roles = super::policy::strings(docs.bot["spec"].get("roles"));
            if name == *bot && roles.contains(role) {
                Check::pass(
                    id,
                    format!("{} gives bot {bot} the role {role}", docs.bot_source),
                )
            } else {
                Check::fail(
                    id,
                    format!(
                        "{} is bot {name:?} with the roles {roles:?}: not bot {bot} with {role}",
                        docs.bot_source
                    ),
                    REFUSED,
                    "re-render: teleport/main.tf gives the bot the role",
                )
            }
        }
        (false, true) => Check::pass(
            id,
            format!(
                "bot {bot} is not Terraform's: `tctl bots update {bot} --add-roles {role}` gives it the role (NEXT-STEPS.md)"
            ),
        ),
        (false, false) => Check::fail(
            id,
            format!(
                "teleport.manage_bot is false, but {} declares the bot: its roles would be replaced by the file's",
                docs.bot_source
            ),
            "(before AWS) the bot's other roles are taken away at apply",
            "re-render, or set teleport.manage_bot: true",
        ),
    })
}

/// Whether Teleport would issue the SVID of the resource a tbot service selects by name.
pub(crate) fn selected_checks(selector: &str, grant: &Grant) -> Vec<Check> {
    match grant {
        Grant::Legacy { .. } => Vec::new(),
        Grant::WorkloadIdentity {
            role_labels,
            may_read_resources,
            resource,
        } => vec![
            labels_check(role_labels, *may_read_resources, resource),
            selector_check(selector, resource),
        ],
    }
}

/// A setting as written: absent is `None`, anything else its text (a number or a list reads as
/// the empty text, which no rule accepts).
pub(crate) fn written(value: &Value) -> Option<String> {
    (!value.is_null()).then(|| text(value))
}

fn string_map<T>(value: &Value, convert: impl Fn(&Value) -> T) -> BTreeMap<String, T> {
    value
        .as_object()
        .map(|entries| {
            entries
                .iter()
                .map(|(key, value)| (key.clone(), convert(value)))
                .collect()
        })
        .unwrap_or_default()
}

/// A rule with `resources: [workload_identity]` (or `*`) and the verbs `list` and `read`.
fn reads_workload_identities(rules: &Value) -> bool {
    rules.as_array().into_iter().flatten().any(|rule| {
        let has = |key: &str, wanted: &str| {
            super::policy::strings(rule.get(key))
                .iter()
                .any(|v| v == wanted || v == "*")
        };
        has("resources", "workload_identity") && has("verbs", "list") && has("verbs", "read")
    })
}

const REFUSED: &str = "(before AWS) Teleport refuses to issue the SVID and tbot writes no token: the SDK then fails to read the token file";

/// Whether Teleport would issue what tbot asks for.
pub fn checks(tbot: &TbotOutput, grant: &Grant) -> Vec<Check> {
    let mut checks = match grant {
        Grant::Legacy { allowed_paths } => vec![legacy_check(&tbot.svid_path, allowed_paths)],
        Grant::WorkloadIdentity { .. } => {
            selected_checks(tbot.selector.as_deref().unwrap_or_default(), grant)
        }
    };
    checks.push(timing_check(tbot));
    checks
}

/// The lifetime and renewal tbot's file asks for, under the rules the answers are held to
/// (`tbot::parse_credential_ttl`, `tbot::parse_renewal_interval`): an edited file is proven as
/// strictly as the answers were.
fn timing_check(tbot: &TbotOutput) -> Check {
    use crate::domain::tbot::{DEFAULT_CREDENTIAL_TTL, DEFAULT_RENEWAL_INTERVAL};
    let ttl = tbot.credential_ttl.as_deref();
    let renewal = tbot.renewal_interval.as_deref();
    let said = |value: Option<&str>, default: &str| match value {
        Some(value) => format!("{value:?}"),
        None => format!("{default} (tbot's default)"),
    };
    const UNREADABLE: &str = "(before AWS) tbot does not start with a duration it cannot read";
    let fail = |problem: crate::domain::tbot::TbotError, aws_error: &str| {
        use crate::answers::advice::Advice;
        Check::fail_owned(
            CheckId::TbotTiming,
            format!(
                "the tbot file asks for credential_ttl {} and renewal_interval {}: {problem}",
                said(ttl, DEFAULT_CREDENTIAL_TTL),
                said(renewal, DEFAULT_RENEWAL_INTERVAL)
            ),
            aws_error.to_owned(),
            problem.fix(),
        )
    };
    if let Err(problem) =
        crate::domain::tbot::parse_credential_ttl(ttl.unwrap_or(DEFAULT_CREDENTIAL_TTL))
    {
        let aws_error = match problem {
            crate::domain::tbot::TbotError::TtlRange => {
                "(before AWS) a lifetime past Teleport's cap of 24h is not what tbot gets, and under 1m the token expires before it is used"
            }
            _ => UNREADABLE,
        };
        return fail(problem, aws_error);
    }
    let ttl = ttl.unwrap_or(DEFAULT_CREDENTIAL_TTL);
    if let Err(problem) = crate::domain::tbot::parse_renewal_interval(
        renewal.unwrap_or(DEFAULT_RENEWAL_INTERVAL),
        Some(ttl),
    ) {
        let aws_error = match problem {
            crate::domain::tbot::TbotError::RenewalNotShorter { .. } => {
                "ExpiredTokenException: Token expired (now and then: the file holds an expired token until tbot renews it)"
            }
            _ => UNREADABLE,
        };
        return fail(problem, aws_error);
    }
    Check::pass(
        CheckId::TbotTiming,
        format!(
            "each token lives {} and tbot renews it every {}, before it expires",
            said(Some(ttl), DEFAULT_CREDENTIAL_TTL).trim_matches('"'),
            said(renewal, DEFAULT_RENEWAL_INTERVAL).trim_matches('"')
        ),
    )
}

fn legacy_check(path: &str, allowed_paths: &[String]) -> Check {
    if allowed_paths
        .iter()
        .any(|allowed| crate::domain::aws::wildcard_match(allowed, path))
    {
        return Check::pass(
            CheckId::TeleportRole,
            format!("allows the SPIFFE path {path} that tbot asks for"),
        );
    }
    Check::fail_owned(
        CheckId::TeleportRole,
        format!(
            "teleport/role.yaml allows {allowed_paths:?}, but tbot/outputs.yaml asks for {path:?}"
        ),
        REFUSED.into(),
        "make spec.allow.spiffe[].path and tbot's svid.path the same path".into(),
    )
}

/// The role's labels must select the resource (every label of the role, any of its values;
/// `*` matches any), and its rules must let the bot list and read workload identities.
fn labels_check(
    role_labels: &BTreeMap<String, Vec<String>>,
    may_read_resources: bool,
    resource: &Resource,
) -> Check {
    let selects = !role_labels.is_empty()
        && role_labels.iter().all(|(key, values)| {
            let value = resource.labels.get(key);
            values
                .iter()
                .any(|v| v == "*" || value.is_some_and(|value| value == v))
        });
    let problem = match (selects, may_read_resources) {
        (false, _) => format!(
            "teleport/role.yaml's workload_identity_labels {role_labels:?} do not select the resource {:?}, labelled {:?}",
            resource.name, resource.labels
        ),
        (true, false) => {
            "teleport/role.yaml has no rule allowing list and read on workload_identity resources"
                .to_owned()
        }
        (true, true) => {
            return Check::pass(
                CheckId::TeleportRole,
                format!(
                    "selects the workload_identity {:?} (SPIFFE path {}) by its labels",
                    resource.name, resource.spiffe_path
                ),
            );
        }
    };
    Check::fail_owned(
        CheckId::TeleportRole,
        problem,
        REFUSED.into(),
        "give the role workload_identity_labels equal to the resource's labels, and a rule resources: [workload_identity], verbs: [list, read]".into(),
    )
}

fn selector_check(selector: &str, resource: &Resource) -> Check {
    if selector == resource.name {
        return Check::pass(
            CheckId::TbotSelector,
            format!("tbot asks for the workload_identity {selector:?}"),
        );
    }
    Check::fail_owned(
        CheckId::TbotSelector,
        format!(
            "tbot/services.yaml selects {selector:?}, but teleport/workload-identity.yaml names the resource {:?}",
            resource.name
        ),
        "(before AWS) tbot finds no workload_identity of that name and writes no token".into(),
        "make selector.name the resource's metadata.name".into(),
    )
}
