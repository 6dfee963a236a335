//! Reads `terraform/main.tf` the way Terraform would plan it: every attribute evaluated, with
//! each resource's computed attributes (`arn`, `id`, `name`) derived from its own arguments as
//! the AWS provider would fill them. A reference to anything the file does not declare is an
//! error — the mistake of the upstream guide, whose Terraform named resources it never declared.

use crate::aws::{self, Partition};
use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use std::collections::BTreeMap;

/// The addresses of the blocks `templates/terraform/main.tf.hbs` declares, as the evaluated
/// values name them.
pub const PROVIDER: &str = ".resource.aws_iam_openid_connect_provider.teleport";
pub const EXISTING_PROVIDER: &str = ".data.aws_iam_openid_connect_provider.teleport";
pub const ROLE: &str = ".resource.aws_iam_role.workload";
pub const POLICY: &str = ".resource.aws_iam_policy.workload";

/// Evaluated attributes keyed by `.block.label….attribute`, e.g.
/// `.resource.aws_iam_role.workload.assume_role_policy`.
pub type Values = BTreeMap<String, hcl::Value>;

fn jsonencode(args: FuncArgs) -> Result<hcl::Value, String> {
    serde_json::to_string(&args[0])
        .map(hcl::Value::String)
        .map_err(|e| e.to_string())
}

fn literal(block: &hcl::Block, name: &str) -> Option<String> {
    let context = Context::new();
    block
        .body()
        .attributes()
        .find(|a| a.key() == name)
        .and_then(|a| a.expr().evaluate(&context).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// What the AWS provider computes for a resource, from its own (literal) arguments.
fn computed(kind: &str, block: &hcl::Block, partition: Partition, account: &str) -> hcl::Value {
    let path = literal(block, "path").unwrap_or_else(|| "/".into());
    let (arn, id, name) = match kind {
        "aws_iam_openid_connect_provider" => {
            let url = literal(block, "url").unwrap_or_default();
            let arn =
                aws::oidc_provider_arn(partition, account, url.trim_start_matches("https://"));
            (arn.clone(), arn, String::new())
        }
        "aws_s3_bucket" => {
            let bucket = literal(block, "bucket").unwrap_or_default();
            (aws::bucket_arn(partition, &bucket), bucket.clone(), bucket)
        }
        "aws_iam_role" => {
            let name = literal(block, "name").unwrap_or_default();
            (
                aws::role_arn(partition, account, &path, &name),
                name.clone(),
                name,
            )
        }
        "aws_iam_policy" => {
            let name = literal(block, "name").unwrap_or_default();
            let arn = aws::policy_arn(partition, account, &path, &name);
            (arn.clone(), arn, name)
        }
        other => (
            format!("<{other}.arn>"),
            format!("<{other}.id>"),
            format!("<{other}.name>"),
        ),
    };
    let mut object = hcl::Map::new();
    object.insert("arn".into(), hcl::Value::String(arn));
    object.insert("id".into(), hcl::Value::String(id));
    object.insert("name".into(), hcl::Value::String(name));
    hcl::Value::Object(object)
}

/// Parses and evaluates `main.tf`; `Err` names the first attribute that does not resolve.
pub fn evaluate(text: &str, partition: Partition, account: &str) -> Result<Values, String> {
    let body = hcl::parse(text).map_err(|e| format!("not valid HCL: {e}"))?;
    let mut resources: BTreeMap<String, hcl::Map<String, hcl::Value>> = BTreeMap::new();
    let mut data: BTreeMap<String, hcl::Map<String, hcl::Value>> = BTreeMap::new();
    for block in body.blocks() {
        let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
        match (block.identifier(), labels.as_slice()) {
            ("resource", [kind, name]) => {
                let value = computed(kind, block, partition, account);
                resources
                    .entry((*kind).to_owned())
                    .or_default()
                    .insert((*name).to_owned(), value);
            }
            ("data", [kind, name]) => {
                let value = computed(kind, block, partition, account);
                data.entry((*kind).to_owned())
                    .or_default()
                    .insert((*name).to_owned(), value);
            }
            _ => {}
        }
    }
    let mut context = Context::new();
    context.declare_func(
        "jsonencode",
        FuncDef::builder().param(ParamType::Any).build(jsonencode),
    );
    for (kind, objects) in resources {
        context.declare_var(kind, hcl::Value::Object(objects));
    }
    let data: hcl::Map<String, hcl::Value> = data
        .into_iter()
        .map(|(k, v)| (k, hcl::Value::Object(v)))
        .collect();
    context.declare_var("data", hcl::Value::Object(data));

    let mut locals = hcl::Map::new();
    for block in body.blocks().filter(|b| b.identifier() == "locals") {
        for attribute in block.body().attributes() {
            let value = attribute
                .expr()
                .evaluate(&context)
                .map_err(|e| format!("local.{}: {e}", attribute.key()))?;
            locals.insert(attribute.key().to_owned(), value);
        }
    }
    context.declare_var("local", hcl::Value::Object(locals));

    let mut values = Values::new();
    walk("", &body, &context, &mut values)?;
    Ok(values)
}

fn walk(prefix: &str, body: &hcl::Body, context: &Context, out: &mut Values) -> Result<(), String> {
    for attribute in body.attributes() {
        let key = format!("{prefix}.{}", attribute.key());
        let value = attribute
            .expr()
            .evaluate(context)
            .map_err(|e| format!("{key} does not resolve: {e}"))?;
        out.insert(key, value);
    }
    for block in body.blocks() {
        let mut name = format!("{prefix}.{}", block.identifier());
        for label in block.labels() {
            name.push('.');
            name.push_str(label.as_str());
        }
        walk(&name, block.body(), context, out)?;
    }
    Ok(())
}

/// A `jsonencode(…)` attribute decoded back to JSON.
pub fn json_attribute(values: &Values, key: &str) -> Result<serde_json::Value, String> {
    let text = values
        .get(key)
        .and_then(|v| v.as_str())
        .ok_or_else(|| format!("{key} is missing or not a string"))?;
    serde_json::from_str(text).map_err(|e| format!("{key} is not JSON: {e}"))
}

pub fn string_attribute(values: &Values, key: &str) -> Option<String> {
    values.get(key).and_then(|v| v.as_str()).map(str::to_owned)
}

pub fn list_attribute(values: &Values, key: &str) -> Option<Vec<String>> {
    values.get(key).and_then(|v| v.as_array()).map(|items| {
        items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undeclared_references_are_errors() {
        // The upstream guide's first two mistakes.
        let guide = r#"
resource "aws_s3_bucket" "example" { bucket = "workload-id-demo" }
resource "aws_iam_policy" "example" {
  name   = "p"
  policy = jsonencode({ Resource = [aws_s3_bucket.workload_id_demo.arn] })
}"#;
        let error = evaluate(guide, Partition::Aws, "123456789012").expect_err("must not resolve");
        assert!(error.contains("aws_iam_policy.example.policy"), "{error}");
    }

    #[test]
    fn computed_arns_follow_the_arguments() {
        let text = r#"
resource "aws_iam_role" "r" {
  name = "n"
  path = "/p/"
}
output "arn" { value = aws_iam_role.r.arn }"#;
        let values = evaluate(text, Partition::AwsUsGov, "123456789012").expect("resolves");
        assert_eq!(
            string_attribute(&values, ".output.arn.value").as_deref(),
            Some("arn:aws-us-gov:iam::123456789012:role/p/n")
        );
    }
}
