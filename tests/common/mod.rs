//! Helpers shared by the integration tests: render a fixture, find an artifact, and read each
//! artifact back with an independent parser.
#![allow(dead_code)]

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wi_aws::plan::{self, Plan};
use wi_aws::render::{self, Artifact, Templates};

pub const CASES: &[(&str, &str)] = &[
    ("guide", "examples/answers.yaml"),
    (
        "gov_readonly_existing",
        "tests/fixtures/gov-readonly-existing.yaml",
    ),
    (
        "deep_path_dotted_bucket",
        "tests/fixtures/deep-path-dotted-bucket.yaml",
    ),
];

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn plan_of(relative: &str) -> Plan {
    let text = std::fs::read_to_string(repo_path(relative)).expect("fixture readable");
    plan::from_answers_file(&text).unwrap_or_else(|problems| panic!("{relative}: {problems}"))
}

pub fn render_plan(plan: &Plan) -> Vec<Artifact> {
    let templates = Templates::embedded().expect("embedded templates compile");
    render::render(plan, &templates).expect("renders")
}

pub fn artifact<'a>(artifacts: &'a [Artifact], path: &str) -> &'a str {
    &artifacts
        .iter()
        .find(|a| a.path == path)
        .unwrap_or_else(|| panic!("no artifact {path}"))
        .contents
}

pub fn json(artifacts: &[Artifact], path: &str) -> serde_json::Value {
    serde_json::from_str(artifact(artifacts, path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn yaml(artifacts: &[Artifact], path: &str) -> serde_yaml::Value {
    serde_yaml::from_str(artifact(artifacts, path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `aws/config` as the AWS CLI reads it: section → key → value.
pub fn ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut sections = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.to_owned());
            sections
                .entry(name.to_owned())
                .or_insert_with(BTreeMap::new);
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not key = value: {line}"));
        let section = current.clone().expect("key before any section");
        sections
            .get_mut(&section)
            .expect("section exists")
            .insert(key.trim().to_owned(), value.trim().to_owned());
    }
    sections
}

/// Runs `sh -c '. FILE; printf %s "$VAR"'` and returns the value the shell sees.
pub fn shell_value(file: &Path, variable: &str) -> String {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(". \"$1\"; printf %s \"${variable}\""))
        .arg("sh")
        .arg(file)
        .output()
        .expect("sh runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

fn jsonencode(args: FuncArgs) -> Result<hcl::Value, String> {
    serde_json::to_string(&args[0])
        .map(hcl::Value::String)
        .map_err(|e| e.to_string())
}

/// Known Terraform attributes of the resources main.tf declares, as the provider would fill them.
pub struct TerraformWorld {
    pub provider_arn: String,
    pub bucket_arn: String,
    pub bucket: String,
    pub role_name: String,
    pub policy_arn: String,
}

impl TerraformWorld {
    pub fn of(plan: &Plan) -> Self {
        Self {
            provider_arn: plan.provider_arn(),
            bucket_arn: plan.bucket_arn(),
            bucket: plan.bucket.clone(),
            role_name: plan.role_name.clone(),
            policy_arn: plan.policy_arn(),
        }
    }
}

/// Evaluates every attribute of main.tf with only what the file itself declares (plus
/// `jsonencode`): any reference to an undeclared resource, data source or local fails.
/// Returns the evaluated attributes keyed by `block_type.label1.label2.attribute`.
pub fn evaluate_terraform(text: &str, world: &TerraformWorld) -> BTreeMap<String, hcl::Value> {
    let body = hcl::parse(text).unwrap_or_else(|e| panic!("main.tf does not parse: {e}"));
    let mut resources: BTreeMap<String, hcl::Map<String, hcl::Value>> = BTreeMap::new();
    let mut data: BTreeMap<String, hcl::Map<String, hcl::Value>> = BTreeMap::new();
    for block in body.blocks() {
        let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
        let attributes = |kind: &str| -> hcl::Value {
            let mut object = hcl::Map::new();
            let (arn, id, name) = match kind {
                "aws_iam_openid_connect_provider" => (
                    world.provider_arn.clone(),
                    world.provider_arn.clone(),
                    String::new(),
                ),
                "aws_s3_bucket" => (
                    world.bucket_arn.clone(),
                    world.bucket.clone(),
                    world.bucket.clone(),
                ),
                "aws_iam_role" => (
                    String::new(),
                    world.role_name.clone(),
                    world.role_name.clone(),
                ),
                "aws_iam_policy" => (
                    world.policy_arn.clone(),
                    world.policy_arn.clone(),
                    String::new(),
                ),
                _ => (
                    format!("<{kind}.arn>"),
                    format!("<{kind}.id>"),
                    String::new(),
                ),
            };
            object.insert("arn".into(), hcl::Value::String(arn));
            object.insert("id".into(), hcl::Value::String(id));
            object.insert("name".into(), hcl::Value::String(name));
            hcl::Value::Object(object)
        };
        match (block.identifier(), labels.as_slice()) {
            ("resource", [kind, name]) => {
                resources
                    .entry((*kind).to_owned())
                    .or_default()
                    .insert((*name).to_owned(), attributes(kind));
            }
            ("data", [kind, name]) => {
                data.entry((*kind).to_owned())
                    .or_default()
                    .insert((*name).to_owned(), attributes(kind));
            }
            _ => {}
        }
    }
    let mut context = Context::new();
    context.declare_func(
        "jsonencode",
        FuncDef::builder().param(ParamType::Any).build(jsonencode),
    );
    for (kind, objects) in &resources {
        context.declare_var(kind.as_str(), hcl::Value::Object(objects.clone()));
    }
    let data_object: hcl::Map<String, hcl::Value> = data
        .iter()
        .map(|(kind, objects)| (kind.clone(), hcl::Value::Object(objects.clone())))
        .collect();
    context.declare_var("data", hcl::Value::Object(data_object));

    let mut locals = hcl::Map::new();
    for block in body.blocks().filter(|b| b.identifier() == "locals") {
        for attribute in block.body().attributes() {
            let value = attribute
                .expr()
                .evaluate(&context)
                .unwrap_or_else(|e| panic!("local.{}: {e}", attribute.key()));
            locals.insert(attribute.key().to_owned(), value);
        }
    }
    context.declare_var("local", hcl::Value::Object(locals));

    let mut evaluated = BTreeMap::new();
    fn walk(
        prefix: &str,
        body: &hcl::Body,
        context: &Context,
        out: &mut BTreeMap<String, hcl::Value>,
    ) {
        for attribute in body.attributes() {
            let key = format!("{prefix}.{}", attribute.key());
            let value = attribute
                .expr()
                .evaluate(context)
                .unwrap_or_else(|e| panic!("{key} does not resolve: {e}"));
            out.insert(key, value);
        }
        for block in body.blocks() {
            let mut name = format!("{prefix}.{}", block.identifier());
            for label in block.labels() {
                name.push('.');
                name.push_str(label.as_str());
            }
            walk(&name, block.body(), context, out);
        }
    }
    walk("", &body, &context, &mut evaluated);
    evaluated
}
