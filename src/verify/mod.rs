//! `wi-aws verify`: a local simulation of AWS STS that proves the rendered files work together.
//!
//! It reads the **written files** — never the answers in memory — issues a JWT SVID as Teleport
//! would (an ephemeral RSA key that never touches disk), validates it as STS does, evaluates the
//! trust policy with IAM's semantics, and checks that the AWS profile and the permissions point
//! at the right role, token file and bucket. Each failure names the AWS error it would cause.

pub mod check;
pub(crate) mod isolation;
pub mod kubernetes;
pub mod policy;
pub mod sts;
pub mod teleport;
pub mod terraform;

use crate::answers::Form;
use crate::answers::fleet::Fleet;
use crate::answers::plan::Plan;
use crate::artifacts::render::{
    self, ANSWERS_FILE, AWS_CLI_SETUP, AWS_CONFIG, AWS_ENV, ArtifactKind, FLEET_AWS_CLI_SETUP,
    FLEET_TERRAFORM, PERMISSIONS_POLICY, TERRAFORM, TRUST_POLICY,
};
use crate::domain::aws::{self, AccessPreset};
use crate::domain::jwk::Jwks;
use crate::domain::jwt_svid::Issuer;
pub use crate::verify::check::{
    Check, CheckId, ChecklistRow, Report, Status, WorkloadReport, checklist, checklist_rows,
    checklist_summary,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};
use thiserror::Error;

/// Teleport's JWT SVIDs live for minutes; the simulated one too.
const SIMULATED_TTL: Duration = Duration::from_secs(600);

#[derive(Debug, Error)]
pub enum VerifyError {
    #[error("{path}: {detail}")]
    File { path: String, detail: String },
    #[error("cannot create the ephemeral issuer: {0}")]
    Issuer(String),
}

/// The rendered files, read from an output directory.
#[derive(Debug, Clone)]
pub struct Setup {
    /// `answers.yaml`: where Teleport issues tokens from (proxy, cluster), and for which account.
    pub plan: Plan,
    pub trust_policy: Value,
    pub permissions_policy: Value,
    pub terraform: Result<terraform::Values, String>,
    pub tbot: TbotOutput,
    /// What the Teleport role allows, in the plan's API generation.
    pub grant: teleport::Grant,
    /// `aws/config`'s profile; empty on Kubernetes, where the environment says it all.
    pub profile: BTreeMap<String, String>,
    pub profile_name: String,
    /// The workload's environment: `aws/env`, or on Kubernetes its container's.
    pub env: BTreeMap<String, String>,
    /// The file `env` is read from.
    pub env_source: String,
    /// A set on Kubernetes: the chart's values, the join token and the manifests.
    pub kubernetes: Option<kubernetes::KubernetesFiles>,
    /// The Teleport resources as written (tctl's files, or teleport/main.tf's).
    pub teleport_docs: teleport::TeleportDocs,
    pub setup_script: BTreeMap<String, String>,
}

pub use teleport::TbotOutput;

pub(crate) fn read(dir: &Path, relative: &str) -> Result<String, VerifyError> {
    crate::artifacts::files::read_in_dir(dir, relative, crate::artifacts::files::ARTIFACT_LIMIT)
        .map_err(|error| {
            let hint = match error.is_not_found() {
                true => format!(
                    " (render the artifacts first: wi-aws --answers-file F --out {})",
                    dir.display()
                ),
                false => String::new(),
            };
            VerifyError::File {
                path: dir.join(relative).display().to_string(),
                detail: format!("{}{hint}", file_detail(&error)),
            }
        })
}

/// What a file error says, without the path (the caller names it).
fn file_detail(error: &crate::artifacts::files::FileError) -> String {
    error.problem.to_string()
}

pub(crate) fn parse_error(
    dir: &Path,
    relative: &str,
    detail: impl std::fmt::Display,
) -> VerifyError {
    VerifyError::File {
        path: dir.join(relative).display().to_string(),
        detail: detail.to_string(),
    }
}

/// `[section]` → key → value, as botocore's INI reader sees it.
pub fn parse_ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current = None;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.trim().to_owned());
            sections.entry(name.trim().to_owned()).or_default();
        } else if let (Some(section), Some((key, value))) = (&current, line.split_once('=')) {
            sections
                .entry(section.clone())
                .or_default()
                .insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    sections
}

/// The value of a POSIX shell word as written by [`crate::artifacts::escape::shell_word`]: bare, or
/// single-quoted with `'\''` for embedded quotes.
pub fn unquote_shell_word(word: &str) -> String {
    let mut out = String::new();
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => out.extend(chars.by_ref().take_while(|c| *c != '\'')),
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// `NAME=word` and `export NAME=word` lines of a shell file.
pub fn shell_assignments(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(|line| line.trim().strip_prefix("export ").unwrap_or(line.trim()))
        .filter_map(|line| line.split_once('='))
        .filter(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map(|(name, word)| (name.to_owned(), unquote_shell_word(word)))
        .collect()
}

/// Where one workload's files are in an output directory: the paths of the one-workload set,
/// or those of a workload of a fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Files<'a> {
    Single,
    Workload(&'a str),
}

impl Files<'_> {
    pub fn path(self, kind: &ArtifactKind) -> String {
        match self {
            Self::Single => kind.written_path().to_owned(),
            Self::Workload(name) => render::fleet_path(kind, name),
        }
    }
}

/// The answers a directory was rendered from.
pub fn read_answers(dir: &Path) -> Result<Fleet, VerifyError> {
    let answers = read(dir, ANSWERS_FILE)?;
    let read = crate::artifacts::files::set_file_reader(dir);
    crate::answers::fleet::from_answers_file_reading(&answers, &read)
        .map_err(|problems| parse_error(dir, ANSWERS_FILE, problems))
}

/// The lines of the fleet's AWS CLI script before the first workload's section, and each
/// section by workload name (`# --- workload: NAME`).
fn script_sections(script: &str) -> (String, BTreeMap<String, String>) {
    const MARK: &str = "# --- workload: ";
    let mut shared = String::new();
    let mut sections: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in script.lines() {
        if let Some(name) = line.strip_prefix(MARK) {
            current = Some(name.trim().to_owned());
            continue;
        }
        let text = match &current {
            Some(name) => sections.entry(name.clone()).or_default(),
            None => &mut shared,
        };
        text.push_str(line);
        text.push('\n');
    }
    (shared, sections)
}

impl Setup {
    /// The files of one workload in `dir`: the only one of a version 1 set, else the one
    /// named `workload` (which may be left out when the fleet has one workload).
    pub fn read(dir: &Path, workload: Option<&str>) -> Result<Self, VerifyError> {
        let fleet = read_answers(dir)?;
        if fleet.form == Form::Single {
            let plan = fleet.shared().clone();
            let terraform = terraform::evaluate_in(
                &read(dir, TERRAFORM.path)?,
                plan.aws.partition,
                &plan.aws.account_id,
                &crate::artifacts::files::set_file_reader(dir),
            );
            let script = shell_assignments(&read(dir, AWS_CLI_SETUP.path)?);
            let teleport = teleport::TeleportTerraform::read(dir, &plan)?;
            return Self::assemble(
                dir,
                plan,
                Files::Single,
                (terraform, script),
                teleport.as_ref(),
            );
        }
        let wanted = wanted_workload(dir, &fleet, workload)?;
        // Only the wanted workload's own files are read.
        let files = FleetFiles::read(dir, &fleet)?;
        let input = WorkloadInput {
            workload: wanted,
            files: &files,
        };
        input.assemble(dir).map(|(_, setup)| setup)
    }

    /// One workload's files, with what it shares with the fleet already read.
    fn assemble(
        dir: &Path,
        plan: Plan,
        files: Files<'_>,
        (terraform, setup_script): (Result<terraform::Values, String>, BTreeMap<String, String>),
        teleport_terraform: Option<&teleport::TeleportTerraform>,
    ) -> Result<Self, VerifyError> {
        let json = |kind: &ArtifactKind| -> Result<Value, VerifyError> {
            let relative = files.path(kind);
            serde_json::from_str(&read(dir, &relative)?).map_err(|e| parse_error(dir, &relative, e))
        };
        let trust_policy = json(&TRUST_POLICY)?;
        let permissions_policy = json(&PERMISSIONS_POLICY)?;
        let teleport_docs = teleport::TeleportDocs::read(dir, files, &plan, teleport_terraform)?;
        let kubernetes = match &plan.tbot.kubernetes {
            Some(names) => Some(kubernetes::KubernetesFiles::read(
                dir,
                files,
                names,
                &teleport_docs,
            )?),
            None => None,
        };
        let (tbot, grant) = teleport::read_side(
            dir,
            plan.workload.api,
            files,
            kubernetes.as_ref(),
            &teleport_docs,
        )?;
        // On Kubernetes the workload's environment is its container's: there is no profile.
        let (profile_name, profile, env, env_source) = match &kubernetes {
            Some(kube) => (
                String::new(),
                BTreeMap::new(),
                kube.env(),
                kube.deployment_path.clone(),
            ),
            None => {
                let config = files.path(&AWS_CONFIG);
                let ini = parse_ini(&read(dir, &config)?);
                let (profile_name, profile) = ini
                    .into_iter()
                    .find(|(name, _)| name.starts_with("profile "))
                    .ok_or_else(|| parse_error(dir, &config, "no [profile NAME] section"))?;
                let env_source = files.path(&AWS_ENV);
                let env = shell_assignments(&read(dir, &env_source)?);
                let name = profile_name.trim_start_matches("profile ").to_owned();
                (name, profile, env, env_source)
            }
        };
        Ok(Self {
            trust_policy,
            permissions_policy,
            terraform,
            tbot,
            grant,
            profile,
            profile_name,
            env,
            env_source,
            kubernetes,
            teleport_docs,
            setup_script,
            plan,
        })
    }

    /// A JSON document main.tf gives a block's attribute, e.g. the role's trust policy.
    fn terraform_json(&self, block: &str, attribute: &str) -> Result<Value, String> {
        self.terraform
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|values| terraform::json_attribute(values, &format!("{block}.{attribute}")))
    }

    /// What the OIDC provider will be, as the Terraform creates (or finds) it.
    pub fn provider(&self) -> sts::Provider {
        let values = self.terraform.as_ref().ok();
        let created = terraform::PROVIDER;
        let existing = terraform::EXISTING_PROVIDER;
        let get = |key: &str| values.and_then(|v| terraform::string_attribute(v, key));
        match (
            get(&format!("{created}.url")),
            get(&format!("{existing}.url")),
        ) {
            (Some(url), _) => sts::Provider {
                url,
                client_ids: values.and_then(|v| {
                    terraform::list_attribute(v, &format!("{created}.client_id_list"))
                }),
            },
            (None, Some(url)) => sts::Provider {
                url,
                client_ids: None,
            },
            // Without Terraform, the AWS CLI script says what it creates.
            (None, None) => sts::Provider {
                url: self
                    .setup_script
                    .get("provider_url")
                    .cloned()
                    .unwrap_or_default(),
                client_ids: self.setup_script.get("audience").map(|a| vec![a.clone()]),
            },
        }
    }

    /// The token file tbot writes: its output directory joined with the JWT file name.
    pub fn tbot_token_file(&self) -> String {
        format!(
            "{}/{}",
            self.tbot.directory.trim_end_matches('/'),
            self.tbot.file_name
        )
    }

    /// The SPIFFE ID tbot asks for: the cluster's trust domain and tbot's `svid.path`.
    pub fn spiffe_id(&self) -> String {
        format!(
            "spiffe://{}{}",
            self.plan.cluster.cluster_name, self.tbot.svid_path
        )
    }

    /// The role the artifacts create, from Terraform when it evaluates.
    pub fn role_arn(&self) -> String {
        let role = terraform::ROLE;
        match self
            .terraform
            .as_ref()
            .ok()
            .map(|v| terraform::string_attribute(v, &format!("{role}.name")))
        {
            Some(Some(name)) => {
                let path = self
                    .terraform
                    .as_ref()
                    .ok()
                    .and_then(|v| terraform::string_attribute(v, &format!("{role}.path")))
                    .unwrap_or_else(|| "/".into());
                aws::role_arn(
                    self.plan.aws.partition,
                    &self.plan.aws.account_id,
                    &path,
                    &name,
                )
            }
            _ => self.plan.role_arn(),
        }
    }
}

/// The workload of a fleet named `workload`, which may be left out when the fleet has one.
pub(crate) fn wanted_workload<'a>(
    dir: &Path,
    fleet: &'a Fleet,
    workload: Option<&str>,
) -> Result<&'a crate::answers::fleet::FleetWorkload, VerifyError> {
    let names: Vec<&str> = fleet.workloads.iter().map(|w| w.name.as_str()).collect();
    let path = dir.join(ANSWERS_FILE).display().to_string();
    let wanted = match (workload, names.as_slice()) {
        (Some(name), _) => name,
        (None, [only]) => only,
        (None, _) => {
            return Err(VerifyError::File {
                path,
                detail: format!(
                    "a fleet of {} workloads: name one with --workload ({})",
                    names.len(),
                    names.join(", ")
                ),
            });
        }
    };
    fleet
        .workloads
        .iter()
        .find(|w| w.name == wanted)
        .ok_or_else(|| VerifyError::File {
            path,
            detail: format!("no workload {wanted:?} (there are: {})", names.join(", ")),
        })
}

/// Every workload's files of a fleet in `dir`, by name, each as if it were alone.
pub fn read_fleet(dir: &Path, fleet: &Fleet) -> Result<Vec<(String, Setup)>, VerifyError> {
    let files = FleetFiles::read(dir, fleet)?;
    let inputs = files.inputs(fleet);
    crate::artifacts::parallel::on_every_core(&inputs, |input| input.assemble(dir))
        .into_iter()
        .collect()
}

/// What a fleet's workloads share on disk, read once: main.tf, evaluated and split by
/// instance of its `for_each` maps, and the AWS CLI script, split by workload section.
pub(crate) struct FleetFiles {
    /// main.tf's values that are no single instance's (or why it does not evaluate).
    terraform: Result<terraform::Values, String>,
    /// teleport/main.tf, when the Teleport side is Terraform's.
    pub(crate) teleport: Option<teleport::TeleportTerraform>,
    instances: BTreeMap<String, terraform::Values>,
    script: BTreeMap<String, String>,
    sections: BTreeMap<String, String>,
}

/// One workload's share of the fleet's files, to read its own files with. What every workload
/// shares is borrowed and joined to its own part only while the workload is read, so a large
/// fleet never holds a copy of it per workload.
struct WorkloadInput<'a> {
    workload: &'a crate::answers::fleet::FleetWorkload,
    files: &'a FleetFiles,
}

impl FleetFiles {
    fn read(dir: &Path, fleet: &Fleet) -> Result<Self, VerifyError> {
        Self::read_of(dir, fleet, &FLEET_TERRAFORM, &FLEET_AWS_CLI_SETUP)
    }

    /// The fleet's root module `terraform` and AWS CLI script `script` (each route has its own).
    pub(crate) fn read_of(
        dir: &Path,
        fleet: &Fleet,
        terraform_kind: &ArtifactKind,
        script_kind: &ArtifactKind,
    ) -> Result<Self, VerifyError> {
        let shared = fleet.shared();
        let main_tf = read(dir, &render::fleet_path(terraform_kind, ""))?;
        let (terraform, instances) = match terraform::evaluate_in(
            &main_tf,
            shared.aws.partition,
            &shared.aws.account_id,
            &crate::artifacts::files::set_file_reader(dir),
        ) {
            Ok(values) => {
                let (shared, instances) = terraform::instances_by_key(values);
                // The outputs and the locals' maps list every workload; no single
                // workload's check reads them, and a copy for each would grow with the
                // square of the fleet's size.
                let shared = shared
                    .into_iter()
                    .filter(|(key, _)| {
                        !key.starts_with(".output.")
                            && !matches!(
                                key.as_str(),
                                ".locals.workloads"
                                    | ".locals.profiles"
                                    | ".locals.managed_policy_attachments"
                            )
                    })
                    .collect();
                (Ok(shared), instances)
            }
            Err(error) => (Err(error), BTreeMap::new()),
        };
        let script = read(dir, &render::fleet_path(script_kind, ""))?;
        let (script, sections) = script_sections(&script);
        Ok(Self {
            terraform,
            teleport: teleport::TeleportTerraform::read(dir, shared)?,
            instances,
            script: shell_assignments(&script),
            sections,
        })
    }

    fn inputs<'a>(&'a self, fleet: &'a Fleet) -> Vec<WorkloadInput<'a>> {
        fleet
            .workloads
            .iter()
            .map(|workload| WorkloadInput {
                workload,
                files: self,
            })
            .collect()
    }

    /// Workload `name`'s view of the shared files: main.tf's shared values with its instance
    /// of each `for_each` block, keyed as if it had none, and the script's shared assignments
    /// with those of its section.
    pub(crate) fn share_of(
        &self,
        name: &str,
    ) -> (Result<terraform::Values, String>, BTreeMap<String, String>) {
        let terraform = self.terraform.clone().map(|mut values| {
            if let Some(instance) = self.instances.get(name) {
                values.extend(instance.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            values
        });
        let mut script = self.script.clone();
        if let Some(section) = self.sections.get(name) {
            script.extend(shell_assignments(section));
        }
        (terraform, script)
    }

    /// main.tf's values of the instances keyed `key` (of any `for_each` block).
    pub(crate) fn instance(&self, key: &str) -> Option<&terraform::Values> {
        self.instances.get(key)
    }
}

impl WorkloadInput<'_> {
    fn assemble(&self, dir: &Path) -> Result<(String, Setup), VerifyError> {
        let name = &self.workload.name;
        let plan = self.workload.plan.clone();
        let shares = self.files.share_of(name);
        let teleport = self.files.teleport.as_ref();
        Setup::assemble(dir, plan, Files::Workload(name), shares, teleport)
            .map(|setup| (name.clone(), setup))
    }
}

/// The simulated Teleport issuer of one verify run: a fresh RSA key, and the tokens it signed
/// ahead of the proof (while the disk synced the files and verify read them, see [`Signer`])
/// for the SPIFFE IDs and audiences the answers planned. A token signed ahead is used only for
/// exactly the claims the written files ask for; any other is signed when asked. Signing
/// (RSA-2048) is most of a fleet's verify: 1,000 tokens are about 0.4 s of one core, the key
/// 0.1 s.
pub struct SimulatedIssuer {
    issuer: Issuer,
    ahead: HashMap<(String, String), String>,
}

impl SimulatedIssuer {
    pub fn generate(issuer_url: &str) -> Result<Self, VerifyError> {
        Ok(Self {
            issuer: Issuer::generate(issuer_url).map_err(|e| VerifyError::Issuer(e.to_string()))?,
            ahead: HashMap::new(),
        })
    }

    /// A fresh issuer for `fleet`'s cluster, with tokens signed ahead (see `sign_each`)
    /// until `enough` is set.
    pub fn signed_ahead_for(fleet: &Fleet, enough: &AtomicBool) -> Result<Self, VerifyError> {
        let mut simulated = Self::generate(&fleet.shared().issuer_url())?;
        simulated.sign_each(planned_claims(fleet), enough)?;
        Ok(simulated)
    }

    /// Signs a token for each of `claims` (SPIFFE ID, audience) that has none yet, one after
    /// the other, until `enough` is set: a core that would wait (on the disk, on the reading of
    /// main.tf) signs, and the proof that follows signs the rest on every core.
    fn sign_each(
        &mut self,
        claims: Vec<(String, String)>,
        enough: &AtomicBool,
    ) -> Result<(), VerifyError> {
        for claims in claims {
            if enough.load(Ordering::Relaxed) {
                break;
            }
            if !self.ahead.contains_key(&claims) {
                let token = self.sign(&claims.0, &claims.1)?;
                self.ahead.insert(claims, token);
            }
        }
        Ok(())
    }

    fn sign(&self, spiffe_id: &str, audience: &str) -> Result<String, VerifyError> {
        self.issuer
            .issue(spiffe_id, audience, SIMULATED_TTL)
            .map_err(|e| VerifyError::Issuer(e.to_string()))
    }

    /// The token Teleport would issue for `spiffe_id` and `audience`.
    fn token_for(&self, spiffe_id: &str, audience: &str) -> Result<String, VerifyError> {
        match self.ahead.get(&(spiffe_id.to_owned(), audience.to_owned())) {
            Some(token) => Ok(token.clone()),
            None => self.sign(spiffe_id, audience),
        }
    }
}

/// The SPIFFE ID and audience each workload's tokens are planned to carry.
fn planned_claims(fleet: &Fleet) -> Vec<(String, String)> {
    fleet
        .workloads
        .iter()
        .map(|workload| {
            (
                workload.plan.workload.spiffe_id.to_string(),
                workload.plan.tbot.audience.clone(),
            )
        })
        .collect()
}

/// A [`SimulatedIssuer`] made on a thread of its own: it waits for [`Signer::begin`] (the
/// files are staged and the write waits on the disk), generates its key, and signs ahead until
/// verify has read the shared files and finishes it. Dropped unfinished (the write
/// failed), it stops after what it is doing.
pub struct Signer {
    begun: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<Result<SimulatedIssuer, VerifyError>>>,
}

impl Signer {
    /// A signer with a fresh key.
    pub fn start(fleet: &Fleet) -> Self {
        Self::start_with(fleet, None)
    }

    /// A signer that goes on from `issuer` (its tokens kept), or from a fresh key.
    pub fn start_with(fleet: &Fleet, issuer: Option<SimulatedIssuer>) -> Self {
        let begun = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let issuer_url = fleet.shared().issuer_url();
        let claims = planned_claims(fleet);
        let thread = {
            let (begun, stop) = (Arc::clone(&begun), Arc::clone(&stop));
            // Without a thread, verify makes its own issuer.
            std::thread::Builder::new()
                .name("signer".into())
                .spawn(move || {
                    while !begun.load(Ordering::Acquire) {
                        std::thread::park();
                    }
                    let mut issuer = match issuer {
                        Some(issuer) => issuer,
                        None => SimulatedIssuer::generate(&issuer_url)?,
                    };
                    issuer.sign_each(claims, &stop)?;
                    Ok(issuer)
                })
                .ok()
        };
        Self {
            begun,
            stop,
            thread,
        }
    }

    /// From now on the signer has a core to itself.
    pub fn begin(&self) {
        self.begun.store(true, Ordering::Release);
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
    }

    /// The issuer and the tokens it signed so far (`None` when it failed).
    fn finish(mut self) -> Option<SimulatedIssuer> {
        self.stop.store(true, Ordering::Relaxed);
        self.begin();
        let thread = self.thread.take()?;
        thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            .ok()
    }
}

impl Drop for Signer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.begin();
    }
}

/// Runs every check on the files in `dir` with freshly issued tokens: one workload's, or for a
/// fleet each workload's and the isolation of each from the others.
pub fn verify_dir(dir: &Path) -> Result<Report, VerifyError> {
    verify_dir_with(dir, None).map(|(_, report)| report)
}

/// [`verify_dir`] with a [`Signer`] started beforehand (a fresh one otherwise); its issuer is
/// used only when it is the one the written answers name, and a fresh one made otherwise.
/// Also says which route the files take, read from their answers, which a large fleet's
/// caller would otherwise parse a second time for its heading.
pub fn verify_dir_with(
    dir: &Path,
    signer: Option<Signer>,
) -> Result<(crate::routes::Route, Report), VerifyError> {
    let fleet = read_answers(dir)?;
    let route = fleet.shared().route;
    verify_fleet(dir, fleet, signer).map(|report| (route, report))
}

fn verify_fleet(dir: &Path, fleet: Fleet, signer: Option<Signer>) -> Result<Report, VerifyError> {
    if fleet.shared().route == crate::routes::Route::RolesAnywhere {
        return crate::routes::roles_anywhere::prove::verify_dir(dir, &fleet);
    }
    // As tbot would, each token is written to a private file, which the "SDK" then reads; the
    // files go away with the directory, and the signing key was never written anywhere.
    let tokens = tempfile::tempdir()
        .map_err(|e| VerifyError::Issuer(format!("temporary token directory: {e}")))?;
    // The issuer's RSA key (a good part of a small run's time) is generated, and tokens are
    // signed, while the shared files are read.
    let signer = signer.unwrap_or_else(|| Signer::start(&fleet));
    signer.begin();
    let files = match fleet.form {
        Form::Single => Setup::read(dir, None).map(Err),
        Form::Fleet => FleetFiles::read(dir, &fleet).map(Ok),
    };
    let issuer_url = fleet.shared().issuer_url();
    let issuer = match signer
        .finish()
        .filter(|issuer| issuer.issuer.issuer_url() == issuer_url)
    {
        Some(issuer) => Ok(issuer),
        None => SimulatedIssuer::generate(&issuer_url),
    };
    // What reading the shared files dropped (main.tf's evaluation) goes back to the system
    // before the proof allocates on every core.
    crate::heap::release_freed();
    let issuer = issuer?;
    let files = match files? {
        Err(single) => return Ok(Report::of(verify_setup(&single, &issuer, &tokens)?)),
        Ok(files) => files,
    };
    // Each workload is read and proven on its own (most of it signing its token), then only
    // what isolation needs of it is kept: a large fleet's files are never all in memory.
    let inputs = files.inputs(&fleet);
    let proven = crate::artifacts::parallel::on_every_core(&inputs, |input| {
        let (name, setup) = input.assemble(dir)?;
        let checks = verify_setup(&setup, &issuer, &tokens)?;
        Ok::<_, VerifyError>((checks, isolation::Guard::of(name, &setup)))
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

/// Every check of one workload's files, with a token issued for it and read back from a file
/// in `tokens`.
fn verify_setup(
    setup: &Setup,
    simulated: &SimulatedIssuer,
    tokens: &tempfile::TempDir,
) -> Result<Vec<Check>, VerifyError> {
    let issuer = &simulated.issuer;
    let mut checks = teleport::checks(&setup.tbot, &setup.grant);
    checks.extend(teleport::operator_check(&setup.teleport_docs));
    checks.extend(teleport::bot_check(&setup.teleport_docs, &setup.plan));
    let teleport_refuses = checks.iter().any(|c| c.status == Status::Fail);
    if let Some(kube) = &setup.kubernetes {
        checks.extend(kubernetes::checks(kube, &setup.plan));
    }
    let token = simulated.token_for(&setup.spiffe_id(), &setup.tbot.audience)?;
    let token = through_token_file(tokens.path(), &token)
        .map_err(|e| VerifyError::Issuer(format!("temporary token file: {e}")))?;
    checks.push(Check::pass(
        CheckId::Issued,
        format!(
            "simulated JWT SVID: iss {}, sub {}, aud {}, RS256, kid {}",
            setup.plan.issuer_url(),
            setup.spiffe_id(),
            setup.tbot.audience,
            issuer.kid()
        ),
    ));
    let mut token_checks = verify_token(setup, &token, &issuer.jwks(), SystemTime::now(), false);
    if teleport_refuses {
        // Teleport would issue no token at all, so AWS would never see one.
        for check in token_checks.iter_mut().filter(|c| c.id.is_trust_policy()) {
            *check = Check::skipped(
                check.id,
                "not evaluated: Teleport issues no token for this SPIFFE path",
            );
        }
    }
    checks.extend(token_checks);
    checks.extend(role_settings_checks(
        &setup.plan,
        &setup.terraform,
        &setup.setup_script,
    ));
    checks.extend(max_session_check(
        &setup.plan,
        &setup.terraform,
        &setup.setup_script,
    ));
    checks.push(policy_size_check(
        &setup.trust_policy,
        &setup.permissions_policy,
    ));
    Ok(checks)
}

/// Writes the token to a private file in `dir` and reads it back. One file per thread, each
/// token written over the last: a file system allocates an inode per new file, which for a
/// fleet's thousand tokens costs more than signing them, and truncating the file to nothing
/// before each token frees its blocks only to allocate them again. It is cut to the token's
/// length only when the last one was longer.
fn through_token_file(dir: &Path, token: &str) -> std::io::Result<String> {
    use std::os::unix::fs::FileExt;
    let path = dir.join(format!("jwt-{:?}", std::thread::current().id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&path)?;
    file.write_all_at(token.as_bytes(), 0)?;
    if file.metadata()?.len() > token.len() as u64 {
        file.set_len(token.len() as u64)?;
    }
    drop(file);
    std::fs::read_to_string(&path)
}

/// Every check that depends on a token: STS's validation, the trust policy (as written in
/// iam/trust-policy.json and in main.tf, each on its own), the profile, the permissions.
pub fn verify_token(
    setup: &Setup,
    token: &str,
    jwks: &Jwks,
    now: SystemTime,
    live: bool,
) -> Vec<Check> {
    let provider = setup.provider();
    let mut checks = vec![provider_url_check(&provider.url)];
    let (token_checks, claims) = sts::validate(token, &jwks.clone().into(), &provider, now, live);
    // STS evaluates the trust policy only for a token it accepted.
    let token_accepted = token_checks.iter().all(|c| c.status != Status::Fail);
    checks.extend(token_checks);
    let provider_arn = aws::oidc_provider_arn(
        setup.plan.aws.partition,
        &setup.plan.aws.account_id,
        provider.url.trim_start_matches("https://"),
    );
    let terraform_trust = setup.terraform_json(terraform::ROLE, "assume_role_policy");
    for (id, policy) in [
        (CheckId::TrustPolicy, Ok(&setup.trust_policy)),
        (CheckId::TrustPolicyTf, terraform_trust.as_ref()),
    ] {
        checks.push(match (policy, &claims) {
            (Err(error), _) => Check::skipped(id, format!("main.tf does not evaluate: {error}")),
            (Ok(_), Some(_)) if !token_accepted => {
                Check::skipped(id, "not evaluated: STS rejects the token first")
            }
            (Ok(policy), Some(claims)) => {
                trust_policy_check(id, policy, &provider, &provider_arn, claims)
            }
            (Ok(_), None) => Check::skipped(id, "not evaluated: the token cannot be read"),
        });
    }
    let intended = (setup.spiffe_id(), setup.tbot.audience.clone());
    for (id, policy) in [
        (CheckId::TrustScope, Ok(&setup.trust_policy)),
        (CheckId::TrustScopeTf, terraform_trust.as_ref()),
    ] {
        checks.push(match policy {
            Err(error) => Check::skipped(id, format!("main.tf does not evaluate: {error}")),
            Ok(policy) => trust_scope_check(
                id,
                policy,
                &provider,
                &provider_arn,
                (&intended.0, &intended.1),
            ),
        });
    }
    checks.push(terraform_check(setup, &provider));
    checks.push(setup_script_check(setup, &provider));
    checks.push(thumbprints_check(setup));
    checks.extend(profile_checks(setup));
    let terraform_permissions = setup.terraform_json(terraform::POLICY, "policy");
    checks.push(written_permissions_check(
        CheckId::Permissions,
        &setup.plan,
        &setup.permissions_policy,
    ));
    checks.push(match &terraform_permissions {
        Ok(policy) => written_permissions_check(CheckId::PermissionsTf, &setup.plan, policy),
        Err(error) => Check::skipped(
            CheckId::PermissionsTf,
            format!("main.tf does not evaluate: {error}"),
        ),
    });
    checks
}

fn provider_url_check(url: &str) -> Check {
    let bad = |detail: String| {
        Check::fail_owned(
            CheckId::ProviderUrl,
            detail,
            "ValidationError when creating the OIDC provider".into(),
            "use https://<proxy public address>/workload-identity".into(),
        )
    };
    let Some(rest) = url.strip_prefix("https://") else {
        return bad(format!("{url:?} must start with https://"));
    };
    if url.len() > 255 || rest.contains(['?', '#']) || rest.is_empty() {
        return bad(format!(
            "{url:?}: at most 255 characters, no query or fragment"
        ));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority
        .rsplit_once(':')
        .is_some_and(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        && !authority.ends_with(']')
    {
        return Check::warn(
            CheckId::ProviderUrl,
            format!(
                "{url} carries a port: AWS documents that the provider URL should not contain one, and fetches the JWKS on 443"
            ),
        );
    }
    Check::pass(CheckId::ProviderUrl, url.to_owned())
}

/// Mistakes in condition keys that evaluate silently to "no match".
fn condition_key_lints(policy: &Value, prefix: &str) -> Vec<String> {
    let mut lints = Vec::new();
    for statement in policy["Statement"].as_array().into_iter().flatten() {
        let Some(operators) = statement["Condition"].as_object() else {
            continue;
        };
        for (operator, keys) in operators {
            for (key, values) in keys.as_object().into_iter().flatten() {
                let claim = key
                    .rsplit_once(':')
                    .map(|(_, claim)| claim)
                    .unwrap_or_default();
                let key_prefix = key.rsplit_once(':').map(|(p, _)| p).unwrap_or_default();
                if key.starts_with("https://") {
                    lints.push(format!("condition key {key:?} starts with https:// — IAM's keys are the provider URL without its scheme: {prefix}:{claim}"));
                } else if !key_prefix.eq_ignore_ascii_case(prefix) && matches!(claim, "aud" | "sub")
                {
                    lints.push(format!("condition key {key:?} is not {prefix}:{claim} (the provider URL without https://, /workload-identity included)"));
                }
                let has_wildcard = match values {
                    Value::String(s) => s.contains(['*', '?']),
                    Value::Array(items) => items
                        .iter()
                        .any(|v| v.as_str().is_some_and(|s| s.contains(['*', '?']))),
                    _ => false,
                };
                if has_wildcard
                    && operator
                        .trim_start_matches("ForAnyValue:")
                        .trim_start_matches("ForAllValues:")
                        .starts_with("StringEquals")
                {
                    lints.push(format!("{operator} compares {key} literally, so its '*' or '?' is not a wildcard — use StringLike"));
                }
            }
        }
    }
    lints
}

/// The request STS makes of the trust policy for a token with `sub` and `aud`.
pub(crate) fn web_identity_request(
    prefix: &str,
    provider_arn: &str,
    sub: &str,
    aud: &[String],
) -> policy::Request {
    let mut context = BTreeMap::new();
    context.insert(format!("{prefix}:sub"), vec![sub.to_owned()]);
    context.insert(format!("{prefix}:aud"), aud.to_vec());
    policy::Request {
        action: "sts:AssumeRoleWithWebIdentity".into(),
        federated: Some(provider_arn.to_owned()),
        context,
        ..policy::Request::default()
    }
}

pub(crate) fn trust_policy_check(
    id: CheckId,
    policy: &Value,
    provider: &sts::Provider,
    provider_arn: &str,
    claims: &sts::Claims,
) -> Check {
    let prefix = provider.url.trim_start_matches("https://").to_owned();
    let request = web_identity_request(&prefix, provider_arn, &claims.sub, &claims.aud);
    let lints = condition_key_lints(policy, &prefix);
    let fix = format!(
        "allow Federated {provider_arn}, Action sts:AssumeRoleWithWebIdentity, with StringEquals {{\"{prefix}:aud\": {:?}, \"{prefix}:sub\": {:?}}}",
        claims.aud.first().cloned().unwrap_or_default(),
        claims.sub
    );
    let reasons = match policy::evaluate(policy, &request) {
        policy::Decision::Allow(index) => {
            let mut check = Check::pass(
                id,
                format!(
                    "statement {} allows {provider_arn} for sub {}",
                    index + 1,
                    claims.sub
                ),
            );
            if !lints.is_empty() {
                check.status = Status::Warn;
                check.detail = format!("{}; but {}", check.detail, lints.join("; "));
            }
            return check;
        }
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
        policy::Decision::ExplicitDeny(index) => vec![format!(
            "statement {} explicitly denies it, and an explicit Deny wins over any Allow",
            index + 1
        )],
        policy::Decision::ImplicitDeny(reasons) => reasons,
    };
    Check::fail_owned(
        id,
        reasons
            .into_iter()
            .chain(lints)
            .collect::<Vec<_>>()
            .join("; "),
        "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity".into(),
        fix,
    )
}

/// The probe of any AWS principal asking `sts:AssumeRole`, which no workload's trust policy
/// may admit, on either route.
pub(crate) fn any_aws_principal() -> (String, policy::Request) {
    (
        "any AWS principal (sts:AssumeRole)".to_owned(),
        policy::Request {
            action: "sts:AssumeRole".into(),
            aws: Some("arn:aws:iam::000000000000:root".into()),
            ..policy::Request::default()
        },
    )
}

/// The first probe `policy` lets in (or cannot be judged on, which fails as well), said as a
/// trust scope failure; `None` when it refuses them all.
pub(crate) fn first_admitted(
    policy: &Value,
    probes: impl IntoIterator<Item = (String, policy::Request)>,
) -> Option<String> {
    probes
        .into_iter()
        .find_map(|(who, request)| match policy::evaluate(policy, &request) {
            policy::Decision::Allow(index) => {
                Some(format!("statement {} also lets in {who}", index + 1))
            }
            policy::Decision::CannotEvaluate(why) => {
                Some(format!("cannot tell whether it lets in {who}: {why}"))
            }
            _ => None,
        })
}

/// Other SPIFFE IDs of the same cluster as `spiffe_id`, where a wildcard or a missing condition
/// on the SPIFFE ID would let them in: a sibling, a child, a longer name, and elsewhere in the
/// tree. Both routes' trust scope asks for each.
pub(crate) fn other_spiffe_ids(spiffe_id: &str) -> [String; 4] {
    let trust_domain = spiffe_id
        .strip_prefix("spiffe://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    let parent = spiffe_id
        .rsplit_once('/')
        .map_or(spiffe_id, |(parent, _)| parent);
    [
        format!("{parent}/wi-aws-probe"),
        format!("{spiffe_id}/wi-aws-probe"),
        format!("{spiffe_id}-wi-aws-probe"),
        format!("spiffe://{trust_domain}/wi-aws-probe/another-workload"),
    ]
}

/// Who else the trust policy lets in. It is asked, as AWS would be, for another workload of
/// the same cluster, for a token of another OIDC provider and for any AWS principal; each that
/// it allows is a failure: the files are meant to give this role to one workload only.
pub(crate) fn trust_scope_check(
    id: CheckId,
    policy: &Value,
    provider: &sts::Provider,
    provider_arn: &str,
    (sub, aud): (&str, &str),
) -> Check {
    let prefix = provider.url.trim_start_matches("https://");
    let other_workloads = other_spiffe_ids(sub);
    let aud = vec![aud.to_owned()];
    let stranger_provider = "arn:aws:iam::000000000000:oidc-provider/probe.invalid/issuer";
    let mut probes: Vec<(String, policy::Request)> = other_workloads
        .iter()
        .map(|other| {
            (
                format!("other workloads of the cluster (a token for {other})"),
                web_identity_request(prefix, provider_arn, other, &aud),
            )
        })
        .collect();
    probes.extend([
        (
            "tokens of any OIDC provider (Principal \"*\")".to_owned(),
            web_identity_request("probe.invalid/issuer", stranger_provider, sub, &aud),
        ),
        any_aws_principal(),
    ]);
    if let Some(failure) = first_admitted(policy, probes) {
        return Check::fail_owned(
            id,
            failure,
            "none: AWS accepts this trust policy, and the role with it".into(),
            format!(
                "trust only Federated {provider_arn}, with StringEquals on {prefix}:sub = {sub:?} and {prefix}:aud"
            ),
        );
    }
    Check::pass(
        id,
        format!("only sub {sub} of {provider_arn} can assume the role"),
    )
}

fn terraform_check(setup: &Setup, provider: &sts::Provider) -> Check {
    match &setup.terraform {
        Ok(_) => Check::pass(
            CheckId::Terraform,
            format!(
                "main.tf resolves every reference; its OIDC provider URL is {}",
                provider.url
            ),
        ),
        Err(error) => terraform_unresolved(error),
    }
}

/// What the answers set on the role and the set besides its trust and its own policy (a
/// permissions boundary, managed policies, tags), each held to main.tf and the AWS CLI script,
/// on either route; a check only for what some file or answer names.
pub(crate) fn role_settings_checks(
    plan: &Plan,
    terraform: &Result<terraform::Values, String>,
    script: &BTreeMap<String, String>,
) -> Vec<Check> {
    [boundary_check, managed_policies_check, tags_check]
        .into_iter()
        .filter_map(|check| check(plan, terraform, script))
        .collect()
}

/// The permissions boundary the answers give the role, as main.tf and the AWS CLI script put
/// it on the role, on either route; `None` when none of them names one. verify cannot see
/// what a managed boundary allows (its document is in the account), and says so: doctor reads
/// it and checks the permissions against it.
pub(crate) fn boundary_check(
    plan: &Plan,
    terraform: &Result<terraform::Values, String>,
    script: &BTreeMap<String, String>,
) -> Option<Check> {
    let id = CheckId::Boundary;
    let planned = plan.aws.permissions_boundary.as_deref();
    let in_terraform = terraform.as_ref().ok().and_then(|values| {
        terraform::string_attribute(values, &format!("{}.permissions_boundary", terraform::ROLE))
    });
    let in_script = script
        .get("permissions_boundary")
        .filter(|arn| !arn.is_empty())
        .map(String::as_str);
    if planned.is_none() && in_terraform.is_none() && in_script.is_none() {
        return None;
    }
    let disagree = |file: &str, found: Option<&str>| {
        Check::fail_owned(
            id,
            format!(
                "{file} puts the boundary {} on the role, the answers {}",
                found.unwrap_or("(none)"),
                planned.unwrap_or("(none)")
            ),
            "none: AWS applies whatever boundary the apply sets, and verify's proof would not cover it".into(),
            "give aws.permissions_boundary in the answers and render again instead of editing the file".into(),
        )
    };
    if terraform.is_ok() && in_terraform.as_deref() != planned {
        return Some(disagree("main.tf", in_terraform.as_deref()));
    }
    if in_script != planned {
        return Some(disagree("aws-cli/setup.sh", in_script));
    }
    Some(Check::warn(
        id,
        format!(
            "main.tf and aws-cli/setup.sh put the boundary {} on the role; what it allows is in the account, which verify does not read: `wi-aws doctor` checks the permissions against it",
            planned.unwrap_or_default()
        ),
    ))
}

/// The managed policies the answers attach to the role (`aws.managed_policies`), as main.tf
/// and the AWS CLI script attach them, on either route; `None` when none of them names one.
/// What a managed policy allows is in the account, which verify does not read: it says so,
/// and doctor reads the deployed role's.
pub(crate) fn managed_policies_check(
    plan: &Plan,
    terraform: &Result<terraform::Values, String>,
    script: &BTreeMap<String, String>,
) -> Option<Check> {
    let id = CheckId::ManagedPolicies;
    let planned: Vec<&str> = plan
        .aws
        .managed_policies
        .iter()
        .map(String::as_str)
        .collect();
    let prefix = format!("{}[", terraform::MANAGED_ATTACHMENT);
    let in_terraform: Option<Vec<String>> = terraform.as_ref().ok().map(|values| {
        values
            .iter()
            .filter(|(key, _)| key.starts_with(&prefix) && key.ends_with("].policy_arn"))
            .filter(|(key, _)| {
                let role = key.replace(".policy_arn", ".role");
                values.get(&role).and_then(|v| v.as_str()) == Some(plan.aws.role_name.as_str())
            })
            .filter_map(|(_, value)| value.as_str().map(str::to_owned))
            .collect()
    });
    let in_script: Vec<&str> = script
        .get("managed_policies")
        .map(|words| words.split_whitespace().collect())
        .unwrap_or_default();
    fn as_set<'a>(arns: &[&'a str]) -> Vec<&'a str> {
        let mut arns = arns.to_vec();
        arns.sort_unstable();
        arns
    }
    let tf: Vec<&str> = in_terraform.iter().flatten().map(String::as_str).collect();
    if planned.is_empty() && tf.is_empty() && in_script.is_empty() {
        return None;
    }
    let listed = |arns: &[&str]| match arns.is_empty() {
        true => "none".to_owned(),
        false => arns.join(", "),
    };
    let disagree = |file: &str, found: &[&str]| {
        Check::fail_owned(
            id,
            format!(
                "{file} attaches {} to role {}, the answers {}",
                listed(found),
                plan.aws.role_name,
                listed(&planned)
            ),
            "none: the role gets what the apply attaches, and verify's proof would not cover it"
                .into(),
            "list them in aws.managed_policies and render again instead of editing the file".into(),
        )
    };
    if in_terraform.is_some() && as_set(&tf) != as_set(&planned) {
        return Some(disagree("main.tf", &tf));
    }
    if as_set(&in_script) != as_set(&planned) {
        return Some(disagree("aws-cli/setup.sh", &in_script));
    }
    Some(Check::warn(
        id,
        format!(
            "main.tf and aws-cli/setup.sh attach {} to role {}; what they allow is in AWS, which verify does not read: `wi-aws doctor` reads the deployed role's",
            listed(&planned),
            plan.aws.role_name
        ),
    ))
}

/// The role's longest session (`aws.max_session_duration`) as main.tf and the AWS CLI script
/// set it, on the OIDC route (the Roles Anywhere route proves it with tbot's and the profile's
/// durations); `None` when none of them sets one. A file that sets none leaves IAM's 3,600.
pub(crate) fn max_session_check(
    plan: &Plan,
    terraform: &Result<terraform::Values, String>,
    script: &BTreeMap<String, String>,
) -> Option<Check> {
    let id = CheckId::MaxSession;
    let planned = plan.aws.max_session_duration;
    // Each file's value: absent (IAM's default), seconds, or something that is not seconds
    // (Terraform also takes the number as a string).
    let in_terraform: Option<Option<Result<u64, String>>> = terraform.as_ref().ok().map(|values| {
        values
            .get(&format!("{}.max_session_duration", terraform::ROLE))
            .map(|value| match value {
                hcl::Value::Number(_) => value.as_u64().ok_or_else(|| value.to_string()),
                hcl::Value::String(text) => text.parse().map_err(|_| text.clone()),
                other => Err(other.to_string()),
            })
    });
    let in_script: Option<Result<u64, String>> = script
        .get("max_session_duration")
        .filter(|seconds| !seconds.is_empty())
        .map(|seconds| seconds.parse().map_err(|_| seconds.clone()));
    if planned.is_none() && in_terraform.as_ref().is_none_or(Option::is_none) && in_script.is_none()
    {
        return None;
    }
    const IAM_DEFAULT: u64 = 3600;
    let wanted = planned.unwrap_or(IAM_DEFAULT);
    for (file, found) in [
        ("main.tf", in_terraform),
        ("aws-cli/setup.sh", Some(in_script)),
    ] {
        // main.tf that does not evaluate fails its own check.
        let Some(found) = found else { continue };
        let found = match found.unwrap_or(Ok(IAM_DEFAULT)) {
            Ok(seconds) => seconds,
            Err(text) => {
                return Some(Check::fail_owned(
                    id,
                    format!(
                        "{file} sets the role's longest session to {text}, which is not seconds"
                    ),
                    "unknown: wi-aws cannot tell how long the role's sessions may last".into(),
                    "re-render the artifacts instead of editing them by hand".into(),
                ));
            }
        };
        if found != wanted {
            return Some(Check::fail_owned(
                id,
                format!(
                    "{file} lets sessions of role {} last {found} s, the answers {wanted} s",
                    plan.aws.role_name
                ),
                "ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set for this role (for a session asked longer)".into(),
                "set aws.max_session_duration in the answers and render again instead of editing the file".into(),
            ));
        }
    }
    Some(Check::pass(
        id,
        format!(
            "main.tf and aws-cli/setup.sh let sessions of role {} last up to {wanted} s (the SDK asks 3600 unless told otherwise)",
            plan.aws.role_name
        ),
    ))
}

/// The tags of what the set creates (`aws.tags`), as main.tf's provider gives them by default
/// and as the AWS CLI script's `--tags` carries them with wi-aws's `created-by`, on either
/// route; `None` when the answers give none and the script carries only `created-by`.
pub(crate) fn tags_check(
    plan: &Plan,
    terraform: &Result<terraform::Values, String>,
    script: &BTreeMap<String, String>,
) -> Option<Check> {
    let id = CheckId::Tags;
    let planned: Vec<(String, String)> = plan
        .aws
        .tags
        .iter()
        .map(|tag| (tag.key.clone(), tag.value.clone()))
        .collect();
    let in_terraform: Option<Vec<(String, String)>> = terraform.as_ref().ok().map(|values| {
        values
            .get(".provider.aws.default_tags.tags")
            .and_then(|tags| tags.as_object())
            .map(|tags| {
                tags.iter()
                    .map(|(key, value)| {
                        let value = value
                            .as_str()
                            .map_or_else(|| value.to_string(), str::to_owned);
                        (key.clone(), value)
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    // The script's `created_by`: the shorthand of created-by alone, or JSON of every tag,
    // created-by=wi-aws among them (without it the teardown would take nothing away). Anything
    // else cannot be read as tags.
    let in_script: Option<Vec<(String, String)>> = match script.get("created_by") {
        Some(shorthand) if shorthand == "Key=created-by,Value=wi-aws" => Some(Vec::new()),
        Some(json) => serde_json::from_str::<Vec<Value>>(json)
            .ok()
            .and_then(|tags| {
                tags.iter()
                    .map(|tag| {
                        Some((
                            tag["Key"].as_str()?.to_owned(),
                            tag["Value"].as_str()?.to_owned(),
                        ))
                    })
                    .collect::<Option<Vec<(String, String)>>>()
            })
            .filter(|tags| {
                tags.iter()
                    .any(|(k, v)| (k.as_str(), v.as_str()) == aws::CREATED_BY)
            })
            .map(|tags| {
                tags.into_iter()
                    .filter(|(k, _)| k != aws::CREATED_BY.0)
                    .collect()
            }),
        None => None,
    };
    if planned.is_empty()
        && in_terraform.as_ref().is_none_or(Vec::is_empty)
        && in_script.as_ref().is_some_and(Vec::is_empty)
    {
        return None;
    }
    let sorted = |mut tags: Vec<(String, String)>| {
        tags.sort();
        tags
    };
    let shown = |tags: &[(String, String)]| match tags.is_empty() {
        true => "none".to_owned(),
        false => tags
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let wanted = sorted(planned.clone());
    for (file, found) in [("main.tf", in_terraform), ("aws-cli/setup.sh", in_script)] {
        let Some(found) = found else {
            if file == "main.tf" {
                continue; // main.tf that does not evaluate fails its own check
            }
            return Some(Check::fail_owned(
                id,
                "aws-cli/setup.sh's created_by cannot be read as tags with created-by=wi-aws among them".into(),
                "unknown: wi-aws cannot tell what the script tags".into(),
                "re-render the artifacts instead of editing them by hand".into(),
            ));
        };
        if sorted(found.clone()) != wanted {
            return Some(Check::fail_owned(
                id,
                format!(
                    "{file} tags what it creates {}, the answers {}",
                    shown(&found),
                    shown(&planned)
                ),
                "none at once: an SCP or tag policy that requires the tags refuses the create (AccessDenied), or the resources go untagged".into(),
                "set aws.tags in the answers and render again instead of editing the file".into(),
            ));
        }
    }
    Some(Check::pass(
        id,
        format!(
            "main.tf and aws-cli/setup.sh tag what they create {} (and created-by=wi-aws in the script)",
            shown(&planned)
        ),
    ))
}

/// The trust and permissions policies' sizes against IAM's quotas, on either route: over the
/// most IAM grants is a failure (no account accepts it); over a quota's default a warning,
/// since the account may have had it raised (`wi-aws doctor --preflight` reads its own).
pub(crate) fn policy_size_check(trust_policy: &Value, permissions_policy: &Value) -> Check {
    use crate::domain::quotas::{self, Fit};
    let documents = [
        (
            "iam/trust-policy.json",
            trust_policy,
            quotas::TRUST_POLICY_CHARS,
        ),
        (
            "iam/permissions-policy.json",
            permissions_policy,
            quotas::MANAGED_POLICY_CHARS,
        ),
    ];
    let mut sizes = Vec::new();
    let mut over_default = Vec::new();
    for (file, document, quota) in documents {
        let size = quotas::policy_value_size(document);
        match quota.fit(size) {
            Fit::OverMax => {
                return Check::fail_owned(
                    CheckId::PolicySize,
                    format!(
                        "{file} holds {size} {}, over the {} IAM accepts in any account",
                        quota.what, quota.max
                    ),
                    format!("{}: {}", quota.refusal, quota.default),
                    "shorten it: fewer or shorter statements, names and conditions".into(),
                );
            }
            Fit::OverDefault => over_default.push(format!(
                "{file} holds {size} {}, over the default {}: {}",
                quota.what,
                quota.default,
                quota.raise()
            )),
            Fit::Within => {}
        }
        sizes.push(format!("{file} {size} of {}", quota.default));
    }
    match over_default.is_empty() {
        true => Check::pass(
            CheckId::PolicySize,
            format!("within IAM's quotas (characters): {}", sizes.join(", ")),
        ),
        false => Check::warn(CheckId::PolicySize, over_default.join("; ")),
    }
}

/// main.tf does not evaluate: what terraform plan would say, on either route.
pub(crate) fn terraform_unresolved(error: &str) -> Check {
    Check::fail_owned(
        CheckId::Terraform,
        format!(
            "terraform/main.tf: {}",
            error.lines().next().unwrap_or_default()
        ),
        "terraform plan fails (Reference to undeclared resource)".into(),
        "re-render the artifacts; every reference must name a declared resource".into(),
    )
}

/// The AWS CLI script must create a provider for the issuer Teleport signs with, with the
/// audience the Terraform provider accepts, and the role of the answers.
fn setup_script_check(setup: &Setup, provider: &sts::Provider) -> Check {
    let script = &setup.setup_script;
    let mut expected = vec![
        ("provider_url", setup.plan.issuer_url()),
        ("provider_arn", setup.plan.provider_arn()),
        ("role_arn", setup.plan.role_arn()),
        ("region", setup.plan.aws.region.clone()),
    ];
    if let Some(client_ids) = &provider.client_ids {
        expected.push(("audience", client_ids.first().cloned().unwrap_or_default()));
    }
    for (name, value) in expected {
        if script.get(name) != Some(&value) {
            return Check::fail_owned(
                CheckId::AwsCliScript,
                format!(
                    "aws-cli/setup.sh sets {name}={:?}, but the other artifacts need {value:?}",
                    script.get(name).cloned().unwrap_or_default()
                ),
                "resources created with the AWS CLI would not match the token or the profile"
                    .into(),
                "re-render instead of editing one file by hand".into(),
            );
        }
    }
    Check::pass(
        CheckId::AwsCliScript,
        "creates the provider, audience and role the token and profile need",
    )
}

/// The thumbprints the provider is created with, in main.tf and in setup.sh: what the answers
/// say, each exactly 40 lowercase hex digits (AWS refuses anything else when it creates the
/// provider, and a wrong one fails every token from a private CA).
fn thumbprints_check(setup: &Setup) -> Check {
    let id = CheckId::ProviderThumbprints;
    if setup.plan.aws.provider == aws::ProviderMode::Existing {
        return Check::pass(id, "the existing provider keeps its own thumbprints");
    }
    let expected = &setup.plan.cluster.thumbprints;
    // A main.tf that does not evaluate fails its own check; its list is not read here.
    let terraform = setup.terraform.as_ref().ok().map(|values| {
        terraform::list_attribute(values, &format!("{}.thumbprint_list", terraform::PROVIDER))
            .unwrap_or_default()
    });
    let script = setup
        .setup_script
        .get("thumbprints")
        .map(|words| words.split_whitespace().map(str::to_owned).collect())
        .or(Some(Vec::new()));
    for (file, listed) in [(TERRAFORM.path, terraform), (AWS_CLI_SETUP.path, script)] {
        let Some(listed) = listed else { continue };
        let malformed = listed.iter().find(|t| {
            t.len() != 40
                || !t
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        let problem = match malformed {
            Some(bad) => format!("{file} lists thumbprint {bad:?}, which is not 40 hex digits"),
            None if listed != *expected => {
                format!("{file} lists thumbprints {listed:?}, but the answers say {expected:?}")
            }
            None => continue,
        };
        return Check::fail_owned(
            id,
            problem,
            "InvalidInput when the provider is created, or later: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint".into(),
            "re-render instead of editing one file by hand; take the thumbprint from `wi-aws discover`".into(),
        );
    }
    Check::pass(
        id,
        format!("main.tf and setup.sh create the provider with {expected:?}"),
    )
}

/// `arn:<partition>:iam::<12 digits>:role/<path><name>`, with the empty region field.
fn role_arn_problem(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", account, resource]
            if aws::parse_account_id(account).is_ok() && resource.starts_with("role/") =>
        {
            None
        }
        ["arn", _, "iam", account, ..] if aws::parse_account_id(account).is_ok() => Some(format!(
            "{arn:?} lacks the empty region field: IAM ARNs are arn:PARTITION:iam::ACCOUNT:role/NAME (note the '::')"
        )),
        _ => Some(format!(
            "{arn:?} is not a role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)"
        )),
    }
}

fn profile_checks(setup: &Setup) -> Vec<Check> {
    let expected_role = setup.role_arn();
    let token_file = setup.tbot_token_file();
    let mut checks = Vec::new();
    let profile = (
        CheckId::ProfileRole,
        format!("aws/config [profile {}]", setup.profile_name),
        setup.profile.get("role_arn"),
        setup.profile.get("web_identity_token_file"),
    );
    let env = (
        CheckId::EnvRole,
        setup.env_source.clone(),
        setup.env.get("AWS_ROLE_ARN"),
        setup.env.get("AWS_WEB_IDENTITY_TOKEN_FILE"),
    );
    // On Kubernetes there is no profile: the container's environment is all the SDK reads.
    let sources = match setup.kubernetes {
        Some(_) => vec![env],
        None => vec![profile, env],
    };
    for (id, source, role, file) in sources {
        let role = role.cloned().unwrap_or_default();
        checks.push(match role_arn_problem(&role) {
            Some(problem) => Check::fail_owned(id, format!("{source}: {problem}"), "ValidationError: the role ARN is malformed (the SDK cannot call AssumeRoleWithWebIdentity)".into(), format!("use {expected_role}")),
            None if role != expected_role => Check::fail_owned(id, format!("{source} names {role}, but the artifacts create {expected_role}"), "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity (another role's trust policy does not trust this token)".into(), format!("use {expected_role}")),
            None => Check::pass(id, format!("{source} assumes {role}")),
        });
        let file_id = if id == CheckId::ProfileRole {
            CheckId::ProfileTokenFile
        } else {
            CheckId::EnvTokenFile
        };
        let file = file.cloned().unwrap_or_default();
        checks.push(if file == token_file {
            Check::pass(file_id, format!("{source} reads {file}, where tbot writes the JWT"))
        } else {
            Check::fail_owned(
                file_id,
                format!("{source} reads {file:?}, but tbot writes the JWT to {token_file:?}"),
                "the SDK cannot read the token (No such file) or reads a stale one: InvalidIdentityToken / ExpiredTokenException".into(),
                format!("set web_identity_token_file (AWS_WEB_IDENTITY_TOKEN_FILE) to {token_file}"),
            )
        });
    }
    checks
}

/// The actions each preset promises, on the bucket and on its objects.
fn promised(plan: &Plan) -> (Vec<String>, Vec<String>) {
    match plan.aws.access {
        // `full` promises everything the guide's test does, and more.
        AccessPreset::Full => (
            vec!["s3:ListBucket".into(), "s3:GetBucketPolicy".into()],
            vec![
                "s3:PutObject".into(),
                "s3:GetObject".into(),
                "s3:DeleteObject".into(),
            ],
        ),
        _ => (plan.bucket_actions(), plan.object_actions()),
    }
}

/// What a policy grants against what the answers promise, simulated: the access preset's
/// actions on the bucket and its objects, and what each Allow statement of `aws.policy_file`
/// names (each action on each resource, unless the file itself denies it). Statements under
/// conditions hold per request and are not simulated, which the detail says. Used on the
/// written files, on a deployed role's policies together and on its boundary.
pub(crate) fn permissions_check(id: CheckId, plan: &Plan, policy: &Value) -> Check {
    let mut grants = Vec::new();
    let mut missing = Vec::new();
    if plan.aws.access != AccessPreset::None {
        match preset_grants(plan, policy) {
            Ok(granted) => grants.push(granted),
            Err(not_granted) => missing.extend(not_granted),
        }
    }
    if let Some(document) = &plan.aws.policy_document {
        let (probes, conditioned) = policy_file_probes(document);
        let before = missing.len();
        for request in &probes {
            if !policy::evaluate(policy, request).allowed() {
                missing.push(format!(
                    "{} on {}",
                    request.action,
                    request.resource.as_deref().unwrap_or_default()
                ));
            }
        }
        if missing.len() == before {
            let said: Vec<String> = document.statements.iter().map(said_statement).collect();
            let unsimulated = match conditioned {
                0 => String::new(),
                count => format!(
                    " ({count} under conditions, which hold or not per request, not simulated)"
                ),
            };
            grants.push(format!(
                "the policy file's {} statement(s){unsimulated}: {}",
                said.len(),
                said.join("; ")
            ));
        }
    }
    if missing.is_empty() {
        return Check::pass(id, grants.join("; "));
    }
    // The service that refuses, as its namespace reads (`S3` for the presets' own).
    let service = match missing[0].split(':').next().unwrap_or_default() {
        "s3" => "S3".to_owned(),
        namespace => namespace.to_owned(),
    };
    Check::fail_owned(
        id,
        format!(
            "the answers promise (access {}{}), but the policy does not grant: {}",
            plan.aws.access.id(),
            if plan.aws.policy_document.is_some() { " and aws.policy_file" } else { "" },
            missing.join(", ")
        ),
        format!(
            "AccessDenied when calling {} (the role is assumed, then {service} refuses)",
            missing[0].split(' ').next().unwrap_or_default()
        ),
        "re-render the artifacts, or grant what the answers promise: the preset's actions on the bucket ARN and on bucket/*, the policy file's as it says".into(),
    )
}

/// The requests each Allow statement of a policy file promises: its actions on its resources
/// (patterns stand for themselves), less those the file itself denies; and how many statements
/// are under conditions, which no request without their context decides.
fn policy_file_probes(
    document: &crate::domain::policy_document::PolicyDocument,
) -> (Vec<policy::Request>, usize) {
    let alone = serde_json::json!({"Version": "2012-10-17", "Statement": document.statements});
    let mut probes = Vec::new();
    let mut conditioned = 0;
    for statement in &document.statements {
        if statement.get("Condition").is_some() {
            conditioned += 1;
            continue;
        }
        if statement["Effect"] != "Allow" {
            continue;
        }
        for action in policy::strings(statement.get("Action")) {
            for resource in policy::strings(statement.get("Resource")) {
                let request = policy::Request {
                    action: action.clone(),
                    resource: Some(resource),
                    ..policy::Request::default()
                };
                if policy::evaluate(&alone, &request).allowed() {
                    probes.push(request);
                }
            }
        }
    }
    (probes, conditioned)
}

/// [`permissions_check`] on a policy file as written (iam/permissions-policy.json, main.tf's):
/// also, it must hold the policy file's statements exactly, after the preset's and with
/// nothing else, so what it denies is there too.
pub(crate) fn written_permissions_check(id: CheckId, plan: &Plan, policy: &Value) -> Check {
    let check = permissions_check(id, plan, policy);
    let Some(document) = &plan.aws.policy_document else {
        return check;
    };
    match (check.status, policy_file_exact(plan, document, policy)) {
        (Status::Fail, _) | (_, Ok(())) => check,
        (_, Err(detail)) => Check::fail_owned(
            id,
            detail,
            "the role may do other than aws.policy_file says: AccessDenied where it grants, or access it does not grant".into(),
            "re-render the artifacts; change what the role may do in the policy file, not in the output".into(),
        ),
    }
}

/// The preset's promised actions that the policy grants, said; or those it does not.
fn preset_grants(plan: &Plan, policy: &Value) -> Result<String, Vec<String>> {
    // Every S3 preset names a bucket (see `plan::check_bucket`).
    let bucket = plan.bucket_arn().unwrap_or_default();
    let object = format!("{bucket}/wi-aws-verify-probe.txt");
    let (bucket_actions, object_actions) = promised(plan);
    let mut missing = Vec::new();
    for (actions, resource) in [(&bucket_actions, &bucket), (&object_actions, &object)] {
        for action in actions {
            let request = policy::Request {
                action: action.clone(),
                resource: Some(resource.clone()),
                ..policy::Request::default()
            };
            if !policy::evaluate(policy, &request).allowed() {
                missing.push(format!("{action} on {resource}"));
            }
        }
    }
    match missing.is_empty() {
        true => Ok(format!(
            "access {} grants {} on the bucket and {} on its objects",
            plan.aws.access.id(),
            bucket_actions.join(", "),
            object_actions.join(", ")
        )),
        false => Err(missing),
    }
}

/// Whether the written policy holds the policy file's statements exactly, after the preset's
/// (those with its Sids) and nothing else.
fn policy_file_exact(
    plan: &Plan,
    document: &crate::domain::policy_document::PolicyDocument,
    policy: &Value,
) -> Result<(), String> {
    use crate::domain::policy_document::PRESET_SIDS;
    let written: Vec<&Value> = match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    let is_preset = |statement: &&Value| {
        plan.aws.access != AccessPreset::None
            && statement["Sid"]
                .as_str()
                .is_some_and(|sid| PRESET_SIDS.contains(&sid))
    };
    let own: Vec<&Value> = written.iter().copied().filter(|s| !is_preset(s)).collect();
    let given: Vec<&Value> = document.statements.iter().collect();
    if own != given {
        let first = (0..own.len().max(given.len()))
            .find(|&at| own.get(at) != given.get(at))
            .unwrap_or_default();
        let shown = |statement: Option<&&Value>| {
            statement.map_or_else(|| "nothing".to_owned(), |s| s.to_string())
        };
        return Err(format!(
            "statement {} of the policy file's is {}, and the policy holds {}",
            first + 1,
            shown(given.get(first)),
            shown(own.get(first))
        ));
    }
    Ok(())
}

/// One statement in words: `allows dynamodb:GetItem on arn:…:table/orders under its conditions`.
fn said_statement(statement: &Value) -> String {
    let verb = match statement["Effect"].as_str() {
        Some("Deny") => "denies",
        _ => "allows",
    };
    let (actions, not_actions) = (
        policy::strings(statement.get("Action")),
        policy::strings(statement.get("NotAction")),
    );
    let what = match actions.is_empty() {
        true => format!("all but {}", not_actions.join(", ")),
        false => actions.join(", "),
    };
    let (resources, not_resources) = (
        policy::strings(statement.get("Resource")),
        policy::strings(statement.get("NotResource")),
    );
    let on = match resources.is_empty() {
        true => format!("all but {}", not_resources.join(", ")),
        false => resources.join(", "),
    };
    let conditions = match statement.get("Condition") {
        Some(_) => " under its conditions",
        None => "",
    };
    format!("{verb} {what} on {on}{conditions}")
}

/// Live mode: a real token (from tbot) against a JWKS, and the artifacts when given.
pub struct LiveInput {
    pub token_file: PathBuf,
    pub jwks: Jwks,
    /// The `issuer` of the proxy's discovery document, when fetched from a proxy.
    pub discovery_issuer: Option<String>,
    pub setup: Option<Setup>,
}

pub fn verify_live(input: &LiveInput, now: SystemTime) -> Vec<Check> {
    let token = match crate::artifacts::files::read_text(
        &input.token_file,
        crate::artifacts::files::TOKEN_LIMIT,
    ) {
        Ok(token) => token,
        Err(error) => {
            return vec![Check::fail_owned(
                CheckId::TokenFile,
                format!("cannot read {}: {}", input.token_file.display(), file_detail(&error)),
                "the SDK fails before calling STS: unable to read the web identity token file (or STS refuses a token over 20,000 characters)".into(),
                "check that tbot is running and writes to this path, and that this user may read it".into(),
            )];
        }
    };
    let mut checks = vec![Check::pass(
        CheckId::TokenFile,
        format!("read {}", input.token_file.display()),
    )];
    match &input.setup {
        Some(setup) => {
            let expected = setup.tbot_token_file();
            if input.token_file != Path::new(&expected) {
                checks.push(Check::warn(
                    CheckId::TokenFile,
                    format!(
                        "{} is not the file the artifacts name ({expected})",
                        input.token_file.display()
                    ),
                ));
            }
            checks.extend(verify_token(setup, &token, &input.jwks, now, true));
        }
        None => {
            let provider = sts::Provider {
                url: input.discovery_issuer.clone().unwrap_or_default(),
                client_ids: Some(vec![crate::answers::plan::DEFAULT_AUDIENCE.to_owned()]),
            };
            let (token_checks, _) =
                sts::validate(&token, &input.jwks.clone().into(), &provider, now, true);
            checks.extend(
                token_checks
                    .into_iter()
                    .filter(|c| input.discovery_issuer.is_some() || c.id != CheckId::TokenIssuer),
            );
        }
    }
    if let (Some(issuer), Some(setup)) = (&input.discovery_issuer, &input.setup) {
        let provider = setup.provider();
        checks.push(if *issuer == provider.url {
            Check::pass(CheckId::DiscoveryIssuer, format!("the proxy's discovery document names issuer {issuer}"))
        } else {
            Check::fail_owned(
                CheckId::DiscoveryIssuer,
                format!("the proxy's discovery document names issuer {issuer:?}, the provider URL is {:?}", provider.url),
                format!("InvalidIdentityToken: No OpenIDConnect provider found in your account for {issuer}"),
                "make the provider URL exactly the proxy's issuer".into(),
            )
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_file_reads_back_each_token_whole_after_a_longer_or_a_shorter_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        for token in [
            "a.longer.token",
            "b.short",
            "c.the.longest.token",
            "d.same.length.token",
        ] {
            assert_eq!(
                super::through_token_file(dir.path(), token).expect("round trip"),
                token
            );
        }
        use std::os::unix::fs::PermissionsExt;
        let file = std::fs::read_dir(dir.path())
            .expect("listing")
            .next()
            .expect("one file")
            .expect("entry");
        let mode = file.metadata().expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the token file is private");
    }
}
