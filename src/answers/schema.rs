//! `wi-aws schema`: a JSON Schema of the answers file, generated from the one field list
//! (keys, kinds, choices, fixed defaults, help, patterns), so editors with the YAML language
//! server check and complete `answers.yaml` as it is typed. wi-aws's own checks stay the rule.

use crate::answers::fleet::MAX_NAME_LEN;
use crate::answers::steps::{FIELDS, Field, FieldDefault, FieldKind, SECTIONS, Scope};
use crate::answers::{FLEET_FORMAT_VERSION, FORMAT_VERSION};
use serde_json::{Map, Value, json};

/// The schema's file: written next to every saved `answers.yaml`, whose first line names it
/// for the YAML language server (a path relative to the answers file), and kept in the
/// repository as `schema/answers.schema.json` for the examples.
pub const SCHEMA_FILE: &str = "answers.schema.json";

/// The comment for the YAML language server naming the schema at `path`.
pub fn modeline(path: &str) -> String {
    format!("# yaml-language-server: $schema={path}")
}

/// One field's schema: its type (null meaning "the default", except for a required field),
/// its choices or pattern, its fixed default and its help.
fn property(field: &Field) -> Value {
    let required = matches!(field.default, FieldDefault::Required(_));
    let nullable = |mut types: Vec<&str>| {
        if !required {
            types.push("null");
        }
        json!(types)
    };
    let mut schema = Map::new();
    let text = || {
        let mut text = json!({"type": "string"});
        if let Some(pattern) = field.id.pattern() {
            text["pattern"] = json!(pattern);
        }
        text
    };
    match field.kind {
        // YAML reads unquoted digits as a number; wi-aws takes it as the text it was.
        FieldKind::Text => {
            schema.insert("type".into(), nullable(vec!["string", "integer"]));
            if let Some(pattern) = field.id.pattern() {
                schema.insert("pattern".into(), json!(pattern));
            }
        }
        FieldKind::Choice(choices) => {
            let mut choices: Vec<Value> = choices.iter().map(|c| json!(c)).collect();
            if !required {
                choices.push(Value::Null);
            }
            schema.insert("enum".into(), Value::Array(choices));
        }
        FieldKind::Flag => {
            schema.insert("type".into(), nullable(vec!["boolean"]));
        }
        // A list, or one item written alone.
        FieldKind::List => {
            let mut list = json!({"type": "array", "items": text()});
            if field.id == crate::answers::steps::FieldId::Thumbprints {
                list["maxItems"] = json!(crate::domain::thumbprint::MAX_THUMBPRINTS);
            }
            let mut options = vec![list, text()];
            if !required {
                options.push(json!({"type": "null"}));
            }
            schema.insert("anyOf".into(), Value::Array(options));
        }
    }
    match field.default {
        FieldDefault::Text(text) => {
            schema.insert("default".into(), json!(text));
        }
        FieldDefault::Flag(flag) => {
            schema.insert("default".into(), json!(flag));
        }
        _ => {}
    }
    let mut description = format!("{}. {}", field.label, field.help);
    match field.default {
        FieldDefault::Required(hint) => description.push_str(&format!(" Required: {hint}.")),
        FieldDefault::Derived => description.push_str(" Default: derived from the other answers."),
        FieldDefault::Optional(meaning) => description.push_str(&format!(" Optional: {meaning}.")),
        _ => {}
    }
    schema.insert("description".into(), json!(description));
    Value::Object(schema)
}

/// The sections (`teleport`, `aws`, `tbot`) with the fields `keep` selects; `with_required`
/// makes the required fields (and so their sections) required.
fn sections(
    keep: impl Fn(&Field) -> bool,
    with_required: bool,
) -> (Map<String, Value>, Vec<String>) {
    let mut properties = Map::new();
    let mut required_sections = Vec::new();
    for section in SECTIONS {
        let fields: Vec<&Field> = FIELDS
            .iter()
            .filter(|f| f.section() == *section && keep(f))
            .collect();
        let required: Vec<&str> = fields
            .iter()
            .filter(|f| with_required && matches!(f.default, FieldDefault::Required(_)))
            .map(|f| f.name())
            .collect();
        // A section is required when a field every route needs is; one route's required field
        // (the Roles Anywhere CA bundle) is required only inside its section.
        let every_route_needs = fields.iter().any(|f| {
            with_required && f.route().is_none() && matches!(f.default, FieldDefault::Required(_))
        });
        if every_route_needs {
            required_sections.push((*section).to_owned());
        }
        let field_schemas: Map<String, Value> = fields
            .iter()
            .map(|f| (f.name().to_owned(), property(f)))
            .collect();
        properties.insert(
            (*section).to_owned(),
            json!({
                "type": ["object", "null"],
                "additionalProperties": false,
                "properties": field_schemas,
                "required": required,
            }),
        );
    }
    (properties, required_sections)
}

/// [`answers_schema`] as `answers.schema.json` holds it, pretty-printed with a final newline.
/// Made once per process: every rendered set carries a copy, and building it is about half of
/// rendering one workload's set.
pub fn schema_file_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        // A `Value` always serializes: its keys are strings.
        serde_json::to_string_pretty(&answers_schema()).unwrap_or_default() + "\n"
    })
}

/// The JSON Schema (draft 2020-12) of both answers formats.
pub fn answers_schema() -> Value {
    let (mut one, one_required) = sections(|_| true, true);
    one.insert("version".into(), json!({"const": FORMAT_VERSION}));
    let mut one_required = one_required;
    one_required.insert(0, "version".into());
    // A fleet's top level: every field (shared ones, and the defaults of workload fields),
    // none required (a workload may give its own).
    let (mut fleet, _) = sections(|_| true, false);
    fleet.insert("version".into(), json!({"const": FLEET_FORMAT_VERSION}));
    let (mut workload, _) = sections(|f| f.id.scope() == Scope::Workload, false);
    workload.insert(
        "name".into(),
        json!({
            "type": "string",
            "pattern": format!("^[a-z0-9]([a-z0-9-]{{0,{}}}[a-z0-9])?$", MAX_NAME_LEN - 2),
            "description": "The workload's name: its key in Terraform's map and its bundle hosts/<name>/.",
        }),
    );
    fleet.insert(
        "workloads".into(),
        json!({"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/workload"}}),
    );
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_FILE,
        "title": "wi-aws answers",
        "description": "The answers of wi-aws (Teleport Workload Identity -> AWS OIDC federation): version 1 for one workload, version 2 for a fleet. `wi-aws --answers-file F` checks them all and says why.",
        "oneOf": [{"$ref": "#/$defs/one"}, {"$ref": "#/$defs/fleet"}],
        "$defs": {
            "one": {
                "type": "object",
                "additionalProperties": false,
                "properties": one,
                "required": one_required,
            },
            "fleet": {
                "type": "object",
                "additionalProperties": false,
                "properties": fleet,
                "required": ["version", "workloads"],
            },
            "workload": {
                "type": "object",
                "additionalProperties": false,
                "properties": workload,
                "required": ["name"],
            },
        },
    })
}
