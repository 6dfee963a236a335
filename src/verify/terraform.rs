//! Reads `terraform/main.tf` the way Terraform would plan it: every attribute evaluated, with
//! each resource's computed attributes (`arn`, `id`, `name`) derived from its own arguments as
//! the AWS provider would fill them. A reference to anything the file does not declare is an
//! error — the mistake of the upstream guide, whose Terraform named resources it never declared.

use crate::domain::aws::{self, Partition};
use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use std::collections::BTreeMap;

/// The addresses of the blocks `templates/terraform/main.tf.hbs` declares, as the evaluated
/// values name them.
pub const PROVIDER: &str = ".resource.aws_iam_openid_connect_provider.teleport";
pub const EXISTING_PROVIDER: &str = ".data.aws_iam_openid_connect_provider.teleport";
pub const ROLE: &str = ".resource.aws_iam_role.workload";
pub const POLICY: &str = ".resource.aws_iam_policy.workload";
/// The attachments of `aws.managed_policies`, one instance per policy ARN.
pub const MANAGED_ATTACHMENT: &str = ".resource.aws_iam_role_policy_attachment.managed";
/// The Roles Anywhere route's blocks (`templates/roles-anywhere/terraform/main.tf.hbs`).
pub const TRUST_ANCHOR: &str = ".resource.aws_rolesanywhere_trust_anchor.teleport";
pub const RA_PROFILE: &str = ".resource.aws_rolesanywhere_profile.workload";

/// Where the evaluated resources live: the partition and account the answers name, and the
/// region of the file's `provider "aws"` block.
#[derive(Debug, Clone, Copy)]
struct Cloud<'a> {
    partition: Partition,
    account: &'a str,
    region: &'a str,
}

/// The ID AWS would assign a Roles Anywhere resource at apply, simulated: a UUID derived from
/// its kind and name, so that every reference to it reads the same ARN. It is never an ID AWS
/// gave: tbot's file must name the real one, which verify checks apart.
pub fn simulated_id(kind: &str, name: &str) -> String {
    let hex =
        crate::domain::thumbprint::sha1_hex(format!("wi-aws simulated {kind} {name}").as_bytes());
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Evaluated attributes keyed by `.block.label….attribute`, e.g.
/// `.resource.aws_iam_role.workload.assume_role_policy`.
pub type Values = BTreeMap<String, hcl::Value>;

fn jsonencode(args: FuncArgs) -> Result<hcl::Value, String> {
    serde_json::to_string(&args[0])
        .map(hcl::Value::String)
        .map_err(|e| e.to_string())
}

/// What `file(PATH)` evaluates to until [`read_files`] puts the file's text in its place:
/// hcl-rs's functions are plain `fn`s, which cannot reach the set's files. Terraform's `file`
/// reads the file's text as it is, with no template interpretation, and `path.module` is the
/// directory of the module's files (<https://developer.hashicorp.com/terraform/language/functions/file>,
/// <https://developer.hashicorp.com/terraform/language/expressions/references#filesystem-and-workspace-info>).
const FILE_MARK: &str = "\u{0}wi-aws file:";

fn file(args: FuncArgs) -> Result<hcl::Value, String> {
    let path = args[0].as_str().ok_or("file takes a path")?;
    Ok(hcl::Value::String(format!("{FILE_MARK}{path}")))
}

/// The directory main.tf is in, relative to the set's root: Terraform's `path.module`.
const MODULE_DIR: &str = "terraform";

/// A path main.tf names, relative to the set's root (`terraform/../iam/x.json` is
/// `iam/x.json`); `None` when it leads out of the set or is absolute.
fn in_set(path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// Puts the text of every file main.tf reads (`policy = file(…)`) in place of its mark, read
/// with `read` from the set: a file the set lacks, or outside it, does not resolve.
fn read_files(values: &mut Values, read: ReadSetFile<'_>) -> Result<(), String> {
    for (key, value) in values.iter_mut() {
        let Some(path) = value.as_str().and_then(|v| v.strip_prefix(FILE_MARK)) else {
            continue;
        };
        let text = match in_set(path) {
            Some(relative) => read(&relative).map_err(|error| {
                format!("{key} reads {path}, which the set cannot give: {error}")
            })?,
            None => return Err(format!("{key} reads {path}, outside the set")),
        };
        *value = hcl::Value::String(text);
    }
    Ok(())
}

/// How the evaluator reads a file of the set that main.tf names, by its path in the set.
pub type ReadSetFile<'a> = &'a dyn Fn(&str) -> Result<String, String>;

fn toset(args: FuncArgs) -> Result<hcl::Value, String> {
    let mut items: Vec<hcl::Value> = Vec::new();
    for item in args[0].as_array().ok_or("toset takes a list")? {
        if !items.contains(item) {
            items.push(item.clone());
        }
    }
    Ok(hcl::Value::Array(items))
}

/// A string argument of a block as evaluated (with `each` for an instance of `for_each`).
fn argument(block: &hcl::Block, name: &str, context: &Context) -> Option<String> {
    block
        .body()
        .attributes()
        .find(|a| a.key() == name)
        .and_then(|a| a.expr().evaluate(context).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// What the AWS provider computes for a resource, from its own arguments.
fn computed(kind: &str, block: &hcl::Block, context: &Context, cloud: Cloud<'_>) -> hcl::Value {
    let Cloud {
        partition,
        account,
        region,
    } = cloud;
    let literal = |name: &str| argument(block, name, context);
    let path = literal("path").unwrap_or_else(|| "/".into());
    let (arn, id, name) = match kind {
        "aws_iam_openid_connect_provider" => {
            let url = literal("url").unwrap_or_default();
            let arn =
                aws::oidc_provider_arn(partition, account, url.trim_start_matches("https://"));
            (arn.clone(), arn, String::new())
        }
        "aws_s3_bucket" => {
            let bucket = literal("bucket").unwrap_or_default();
            (aws::bucket_arn(partition, &bucket), bucket.clone(), bucket)
        }
        "aws_iam_role" => {
            let name = literal("name").unwrap_or_default();
            (
                aws::role_arn(partition, account, &path, &name),
                name.clone(),
                name,
            )
        }
        "aws_iam_policy" => {
            let name = literal("name").unwrap_or_default();
            let arn = aws::policy_arn(partition, account, &path, &name);
            (arn.clone(), arn, name)
        }
        "aws_rolesanywhere_trust_anchor" | "aws_rolesanywhere_profile" => {
            let name = literal("name").unwrap_or_default();
            let resource = match kind {
                "aws_rolesanywhere_profile" => "profile",
                _ => "trust-anchor",
            };
            let id = simulated_id(resource, &name);
            let arn = format!(
                "arn:{}:rolesanywhere:{region}:{account}:{resource}/{id}",
                partition.id()
            );
            (arn, id, name)
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
    // Teleport's provider keeps a resource's `metadata` (its name, its labels) as written:
    // another resource refers to it (`teleport_role.workload.metadata.name`).
    if kind.starts_with("teleport_")
        && let Some(metadata) = block
            .body()
            .attributes()
            .find(|a| a.key() == "metadata")
            .and_then(|a| a.expr().evaluate(context).ok())
    {
        object.insert("metadata".into(), metadata);
    }
    hcl::Value::Object(object)
}

/// The instances of a block with `for_each`, as Terraform keys them: a map's keys, a set's
/// strings; `None` without `for_each`.
fn instances(
    block: &hcl::Block,
    context: &Context,
) -> Result<Option<Vec<(String, hcl::Value)>>, String> {
    let Some(for_each) = block.body().attributes().find(|a| a.key() == "for_each") else {
        return Ok(None);
    };
    let address = block
        .labels()
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(".");
    let value = for_each
        .expr()
        .evaluate(context)
        .map_err(|e| format!("{address}.for_each does not resolve: {e}"))?;
    let entries = instance_entries(&address, &value)?;
    Ok(Some(
        entries
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value.clone()))
            .collect(),
    ))
}

/// The instances a `for_each` value makes, by reference: a map's entries, a set's strings
/// (each its own key and value).
fn instance_entries<'v>(
    address: &str,
    value: &'v hcl::Value,
) -> Result<Vec<(&'v str, &'v hcl::Value)>, String> {
    let refused = || format!("{address}.for_each: a set of strings or a map");
    match value {
        hcl::Value::Object(map) => Ok(map.iter().map(|(key, v)| (key.as_str(), v)).collect()),
        hcl::Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(|key| (key, item)).ok_or_else(refused))
            .collect(),
        _ => Err(refused()),
    }
}

/// The instances of a `for_each` block still to be walked: evaluated, or (`for_each =
/// local.NAME`) read in place from that local, so that no copy of a fleet-sized map is held
/// per block.
enum Iteration {
    Evaluated(Vec<(String, hcl::Value)>),
    OfLocal(String),
}

fn each(key: &str, value: hcl::Value) -> hcl::Value {
    let mut each = hcl::Map::new();
    each.insert("key".into(), hcl::Value::String(key.to_owned()));
    each.insert("value".into(), value);
    hcl::Value::Object(each)
}

/// Declares what a resource or data block is: its computed attributes, or with `for_each`
/// a map of them by instance key. `iterated` holds the locals blocks iterate over
/// (`for_each = local.NAME`), whose instances are read in place.
fn declare(
    context: &mut Context,
    declared: &mut Declared,
    block: &hcl::Block,
    (cloud, iterated): (Cloud<'_>, &hcl::Map<String, hcl::Value>),
) -> Result<(), String> {
    let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
    let (is_data, [kind, name]) = (block.identifier() == "data", labels.as_slice()) else {
        return Ok(());
    };
    let value = match has_for_each(block) {
        false => computed(kind, block, context, cloud),
        true => {
            let mut objects = hcl::Map::new();
            let mut declare_one = |context: &mut Context, key: &str, value: hcl::Value| {
                context.declare_var("each", each(key, value));
                objects.insert(key.to_owned(), computed(kind, block, context, cloud));
            };
            match for_each_local(block).and_then(|local| iterated.get(&local)) {
                Some(map) => {
                    for (key, value) in instance_entries(&format!("{kind}.{name}"), map)? {
                        declare_one(context, key, value.clone());
                    }
                }
                None => {
                    for (key, value) in instances(block, context)?.unwrap_or_default() {
                        declare_one(context, &key, value);
                    }
                }
            }
            hcl::Value::Object(objects)
        }
    };
    let of_kind = declared.entry((is_data, (*kind).to_owned())).or_default();
    of_kind.insert((*name).to_owned(), value);
    let of_kind = hcl::Value::Object(of_kind.clone());
    match is_data {
        false => context.declare_var(*kind, of_kind),
        true => {
            let data: hcl::Map<String, hcl::Value> = declared
                .iter()
                .filter(|((data, _), _)| *data)
                .map(|((_, kind), objects)| (kind.clone(), hcl::Value::Object(objects.clone())))
                .collect();
            context.declare_var("data", hcl::Value::Object(data));
        }
    }
    Ok(())
}

/// The value of `KIND.NAME[each.key].ATTRIBUTE` or `KIND.NAME[each.value.FIELD].ATTRIBUTE`
/// (how one instance names its sibling of another `for_each` block, e.g. an attachment its
/// role), read in place. hcl-rs would clone every instance of KIND to read one, once per
/// instance: the square of a fleet's size. `None` for any other expression, which hcl-rs
/// evaluates.
fn sibling_instance(
    expr: &hcl::Expression,
    declared: &Declared,
    context: &Context,
) -> Option<hcl::Value> {
    use hcl::expr::TraversalOperator::{GetAttr, Index};
    let hcl::Expression::Traversal(traversal) = expr else {
        return None;
    };
    let hcl::Expression::Variable(kind) = &traversal.expr else {
        return None;
    };
    let [GetAttr(name), Index(index), GetAttr(attribute)] = traversal.operators.as_slice() else {
        return None;
    };
    let hcl::Expression::Traversal(traversal_of_index) = index else {
        return None;
    };
    let of_each = matches!(&traversal_of_index.expr, hcl::Expression::Variable(each) if each.as_str() == "each");
    if !of_each {
        return None;
    }
    // `each` is the one instance's key and value: small to evaluate.
    let key = index.evaluate(context).ok()?;
    declared
        .get(&(false, kind.as_str().to_owned()))?
        .get(name.as_str())?
        .as_object()?
        .get(key.as_str()?)?
        .as_object()?
        .get(attribute.as_str())
        .cloned()
}

/// The value of `[for V in COLLECTION : KIND.NAME[V].ATTRIBUTE]` (how a profile lists the roles
/// of its workloads), read in place for the same reason as [`sibling_instance`]: hcl-rs would
/// clone every instance of KIND for each item. `None` for any other expression, or when an
/// item names no instance, which hcl-rs then evaluates (and reports).
fn sibling_list(
    expr: &hcl::Expression,
    declared: &Declared,
    context: &Context,
) -> Option<hcl::Value> {
    use hcl::expr::TraversalOperator::{GetAttr, Index};
    let hcl::Expression::ForExpr(for_expr) = expr else {
        return None;
    };
    let plain = for_expr.key_var.is_none()
        && for_expr.key_expr.is_none()
        && for_expr.cond_expr.is_none()
        && !for_expr.grouping;
    let hcl::Expression::Traversal(traversal) = &for_expr.value_expr else {
        return None;
    };
    let hcl::Expression::Variable(kind) = &traversal.expr else {
        return None;
    };
    let [
        GetAttr(name),
        Index(hcl::Expression::Variable(item)),
        GetAttr(attribute),
    ] = traversal.operators.as_slice()
    else {
        return None;
    };
    if !plain || item.as_str() != for_expr.value_var.as_str() {
        return None;
    }
    let instances = declared
        .get(&(false, kind.as_str().to_owned()))?
        .get(name.as_str())?
        .as_object()?;
    let collection = for_expr.collection_expr.evaluate(context).ok()?;
    collection
        .as_array()?
        .iter()
        .map(|key| {
            instances
                .get(key.as_str()?)?
                .as_object()?
                .get(attribute.as_str())
                .cloned()
        })
        .collect::<Option<Vec<_>>>()
        .map(hcl::Value::Array)
}

/// The resources and data sources declared so far: (is data, kind) → name → value.
type Declared = BTreeMap<(bool, String), hcl::Map<String, hcl::Value>>;

/// `NAME` of a block's `for_each = local.NAME`.
fn for_each_local(block: &hcl::Block) -> Option<String> {
    let attribute = block.body().attributes().find(|a| a.key() == "for_each")?;
    let hcl::Expression::Traversal(traversal) = attribute.expr() else {
        return None;
    };
    match (&traversal.expr, traversal.operators.as_slice()) {
        (hcl::Expression::Variable(root), [hcl::expr::TraversalOperator::GetAttr(name)])
            if root.as_str() == "local" =>
        {
            Some(name.to_string())
        }
        _ => None,
    }
}

fn is_resource(block: &hcl::Block) -> bool {
    matches!(block.identifier(), "resource" | "data")
}

fn has_for_each(block: &hcl::Block) -> bool {
    block.body().attributes().any(|a| a.key() == "for_each")
}

/// Parses and evaluates `main.tf`; `Err` names the first attribute that does not resolve.
///
/// Blocks are declared in three passes, as their references allow: those without `for_each`
/// (their arguments are literals), then the locals, then those with `for_each` (over a local,
/// or over another such block declared before them). An instance's values are keyed with its
/// key: `.resource.aws_iam_role.workload["api"].name`.
pub fn evaluate(text: &str, partition: Partition, account: &str) -> Result<Values, String> {
    evaluate_in(text, partition, account, &|_| {
        Err("no file of the set is read here".into())
    })
}

/// [`evaluate`], with the files main.tf reads (`file("${path.module}/../iam/…")`) read from
/// the set with `read`.
pub fn evaluate_in(
    text: &str,
    partition: Partition,
    account: &str,
    read: ReadSetFile<'_>,
) -> Result<Values, String> {
    let body = hcl::parse(text).map_err(|e| format!("not valid HCL: {e}"))?;
    let region = provider_region(&body);
    let cloud = Cloud {
        partition,
        account,
        region: &region,
    };
    let mut context = Context::new();
    context.declare_func(
        "jsonencode",
        FuncDef::builder().param(ParamType::Any).build(jsonencode),
    );
    context.declare_func(
        "toset",
        FuncDef::builder().param(ParamType::Any).build(toset),
    );
    context.declare_func(
        "file",
        FuncDef::builder().param(ParamType::String).build(file),
    );
    context.declare_var("data", hcl::Value::Object(hcl::Map::new()));
    let mut module = hcl::Map::new();
    module.insert("module".to_owned(), hcl::Value::from(MODULE_DIR));
    context.declare_var("path", hcl::Value::Object(module));
    let mut declared = Declared::new();
    for block in body.blocks().filter(|b| is_resource(b) && !has_for_each(b)) {
        declare(
            &mut context,
            &mut declared,
            block,
            (cloud, &hcl::Map::new()),
        )?;
    }
    let locals = evaluate_locals(&body, &context)?;
    // A local that blocks iterate over (`for_each = local.NAME`) reaches their instances as
    // `each`. They see the locals without it: hcl-rs clones a variable's whole value to read
    // one attribute of it, so every `local.audience` of every instance would copy the map of
    // all instances, and a fleet's evaluation would grow with the square of its size. An
    // instance that reads the map itself fails to resolve, which verify reports. Nor is such a
    // map recorded: each of its entries is recorded as its instances' attributes.
    let iterated: Vec<String> = body.blocks().filter_map(for_each_local).collect();
    let mut values: Values = locals
        .iter()
        .filter(|(name, _)| !iterated.contains(name))
        .map(|(name, value)| (format!(".locals.{name}"), value.clone()))
        .collect();
    let instance_locals: hcl::Map<String, hcl::Value> = locals
        .iter()
        .filter(|(name, _)| !iterated.contains(name))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let iterated_locals: hcl::Map<String, hcl::Value> = locals
        .iter()
        .filter(|(name, _)| iterated.contains(name))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    context.declare_var("local", hcl::Value::Object(locals));
    for block in body.blocks().filter(|b| is_resource(b) && has_for_each(b)) {
        declare(
            &mut context,
            &mut declared,
            block,
            (cloud, &iterated_locals),
        )?;
    }
    for attribute in body.attributes() {
        let key = format!(".{}", attribute.key());
        record(&key, attribute.expr(), &context, &mut values)?;
    }
    // What is not an instance is evaluated with every local; then the same context, its
    // iterated maps left out, evaluates the instances (a copy of it would double the
    // declared resources of a fleet at the peak).
    let mut iterations = Vec::new();
    for block in body.blocks() {
        let name = address(".", block);
        // The locals were evaluated and recorded above.
        if block.identifier() == "locals" {
            continue;
        }
        let of_local = for_each_local(block).filter(|local| iterated_locals.contains_key(local));
        match of_local {
            Some(local) if is_resource(block) => {
                iterations.push((name, block, Iteration::OfLocal(local)));
            }
            _ => match instances(block, &context)? {
                Some(instances) if is_resource(block) => {
                    iterations.push((name, block, Iteration::Evaluated(instances)));
                }
                _ => walk(&name, block.body(), &context, &mut values)?,
            },
        }
    }
    context.declare_var("local", hcl::Value::Object(instance_locals));
    for (name, block, iteration) in iterations {
        let entries: Vec<(&str, &hcl::Value)> = match &iteration {
            Iteration::Evaluated(instances) => instances
                .iter()
                .map(|(key, value)| (key.as_str(), value))
                .collect(),
            Iteration::OfLocal(local) => {
                let address = name.trim_start_matches(".resource.");
                let map = iterated_locals
                    .get(local)
                    .ok_or_else(|| format!("{address}.for_each: local.{local} is not declared"))?;
                instance_entries(address, map)?
            }
        };
        for (key, value) in entries {
            context.declare_var("each", each(key, value.clone()));
            let prefix = format!("{name}[{key:?}]");
            walk_instance(&prefix, block, (&context, &declared), &mut values)?;
        }
    }
    read_files(&mut values, read)?;
    Ok(values)
}

/// The `region` of the `provider "aws"` block, as a literal.
fn provider_region(body: &hcl::Body) -> String {
    body.blocks()
        .filter(|b| b.identifier() == "provider")
        .filter(|b| b.labels().first().is_some_and(|l| l.as_str() == "aws"))
        .flat_map(|b| b.body().attributes())
        .find(|a| a.key() == "region")
        .and_then(|a| a.expr().evaluate(&Context::new()).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn evaluate_locals(
    body: &hcl::Body,
    context: &Context,
) -> Result<hcl::Map<String, hcl::Value>, String> {
    let mut locals = hcl::Map::new();
    for block in body.blocks().filter(|b| b.identifier() == "locals") {
        for attribute in block.body().attributes() {
            let value = attribute
                .expr()
                .evaluate(context)
                .map_err(|e| format!("local.{}: {e}", attribute.key()))?;
            locals.insert(attribute.key().to_owned(), value);
        }
    }
    Ok(locals)
}

/// One instance of a `for_each` block, its values keyed under `prefix`.
fn walk_instance(
    prefix: &str,
    block: &hcl::Block,
    (context, declared): (&Context, &Declared),
    values: &mut Values,
) -> Result<(), String> {
    for attribute in block.body().attributes() {
        // Which instances there are is said once (see `instances`); each instance's value
        // of `for_each` would be the whole map again.
        if attribute.key() == "for_each" {
            continue;
        }
        let address = format!("{prefix}.{}", attribute.key());
        let in_place = sibling_instance(attribute.expr(), declared, context)
            .or_else(|| sibling_list(attribute.expr(), declared, context));
        match in_place {
            Some(value) => {
                values.insert(address, value);
            }
            None => record(&address, attribute.expr(), context, values)?,
        }
    }
    for nested in block.body().blocks() {
        walk(&address(prefix, nested), nested.body(), context, values)?;
    }
    Ok(())
}

fn address(prefix: &str, block: &hcl::Block) -> String {
    let mut name = format!("{}{}", prefix.trim_end_matches('.'), ".");
    name.push_str(block.identifier());
    for label in block.labels() {
        name.push('.');
        name.push_str(label.as_str());
    }
    name
}

fn record(
    key: &str,
    expr: &hcl::Expression,
    context: &Context,
    out: &mut Values,
) -> Result<(), String> {
    let value = expr
        .evaluate(context)
        .map_err(|e| format!("{key} does not resolve: {e}"))?;
    out.insert(key.to_owned(), value);
    Ok(())
}

fn walk(prefix: &str, body: &hcl::Body, context: &Context, out: &mut Values) -> Result<(), String> {
    for attribute in body.attributes() {
        record(
            &format!("{prefix}.{}", attribute.key()),
            attribute.expr(),
            context,
            out,
        )?;
    }
    for block in body.blocks() {
        walk(&address(prefix, block), block.body(), context, out)?;
    }
    Ok(())
}

/// The values of the blocks without `for_each`, and those of each instance of the blocks
/// with one, keyed as if it had none (`…workload["api"].name` → `…workload.name`): what the
/// checks of a single workload read. One pass over the values.
pub fn instances_by_key(values: Values) -> (Values, BTreeMap<String, Values>) {
    let mut shared = Values::new();
    let mut by_key: BTreeMap<String, Values> = BTreeMap::new();
    for (address, value) in values {
        let Some(open) = address.find("[\"") else {
            shared.insert(address, value);
            continue;
        };
        let rest = &address[open + 2..];
        let Some(close) = rest.find("\"]") else {
            continue;
        };
        let (key, plain) = match rest[..close].split_once(' ') {
            // One of a workload's several instances (`"NAME ITEM"`, as the managed policy
            // attachments are keyed): the workload's, keyed by its item as in a one-workload
            // set. Workload names hold no space.
            Some((workload, item)) => (
                workload,
                format!("{}[{item:?}]{}", &address[..open], &rest[close + 2..]),
            ),
            None => (
                &rest[..close],
                format!("{}{}", &address[..open], &rest[close + 2..]),
            ),
        };
        by_key
            .entry(key.to_owned())
            .or_default()
            .insert(plain, value);
    }
    (shared, by_key)
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

    #[test]
    fn instances_of_a_local_map_or_set_see_their_own_entry_and_not_the_whole_local() {
        let text = |role_name: &str| {
            format!(
                r#"
locals {{
  prefix = "team"
  names  = toset(["a", "b"])
  roles  = {{ a = {{ role = "ra" }}, b = {{ role = "rb" }} }}
}}
resource "aws_s3_bucket" "bucket" {{
  for_each = local.names
  bucket   = "${{local.prefix}}-${{each.value}}"
}}
resource "aws_iam_role" "r" {{
  for_each = local.roles
  name     = {role_name}
}}"#
            )
        };
        let values =
            evaluate(&text("each.value.role"), Partition::Aws, "123456789012").expect("resolves");
        for (key, bucket, role) in [("a", "team-a", "ra"), ("b", "team-b", "rb")] {
            assert_eq!(
                string_attribute(
                    &values,
                    &format!(".resource.aws_s3_bucket.bucket[{key:?}].bucket")
                )
                .as_deref(),
                Some(bucket)
            );
            assert_eq!(
                string_attribute(&values, &format!(".resource.aws_iam_role.r[{key:?}].name"))
                    .as_deref(),
                Some(role)
            );
        }
        // An instance sees the locals, but not the map its block iterates over.
        let error = evaluate(
            &text("local.roles[each.key].role"),
            Partition::Aws,
            "123456789012",
        )
        .expect_err("the iterated map is not an instance's");
        assert!(error.contains("aws_iam_role.r"), "{error}");
    }

    #[test]
    fn a_list_of_sibling_instances_reads_each_and_refuses_one_not_declared() {
        let text = |members: &str| {
            format!(
                r#"
locals {{
  roles  = {{ a = "ra", b = "rb" }}
  groups = {{ g = {{ members = [{members}] }} }}
}}
resource "aws_iam_role" "r" {{
  for_each = local.roles
  name     = each.value
}}
resource "aws_rolesanywhere_profile" "p" {{
  for_each  = local.groups
  name      = each.key
  role_arns = [for member in each.value.members : aws_iam_role.r[member].arn]
}}"#
            )
        };
        let values =
            evaluate(&text(r#""b", "a""#), Partition::Aws, "123456789012").expect("resolves");
        assert_eq!(
            list_attribute(
                &values,
                r#".resource.aws_rolesanywhere_profile.p["g"].role_arns"#
            ),
            Some(vec![
                "arn:aws:iam::123456789012:role/rb".to_owned(),
                "arn:aws:iam::123456789012:role/ra".to_owned()
            ])
        );
        let error = evaluate(&text(r#""a", "c""#), Partition::Aws, "123456789012")
            .expect_err("no instance c");
        assert!(error.contains("role_arns"), "{error}");
    }
}
