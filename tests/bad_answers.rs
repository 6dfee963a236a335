//! A catalogue of bad answers: each breaks one rule and must produce exactly one problem, on
//! the right field, saying the right rule, at the right line.

use wi_aws::answers::fleet::single_plan as from_answers_file;

/// The guide's example, one `section.key: value` a line. Cases replace or add lines.
const BASE: &[(&str, &str, &str)] = &[
    ("teleport", "proxy", "example.teleport.sh"),
    ("teleport", "spiffe_path", "/svc/example-service"),
    ("teleport", "bot", "my-bot"),
    ("aws", "account_id", "\"123456789012\""),
    ("aws", "bucket", "workload-id-demo"),
];

/// Marks the line a problem must point at.
const MARK: &str = " # <- here";

enum Edit {
    /// Set `section.key` to a YAML value (added if not in BASE); the line is marked.
    Set(&'static str, &'static str, &'static str),
    /// Remove `section.key`; the problem has no line.
    Remove(&'static str, &'static str),
    /// Replace the whole document.
    Document(&'static str),
}

fn document(edits: &[Edit]) -> String {
    if let Some(Edit::Document(text)) = edits.iter().find(|e| matches!(e, Edit::Document(_))) {
        return (*text).to_owned();
    }
    let mut entries: Vec<(String, String, String, bool)> = BASE
        .iter()
        .map(|(s, k, v)| (s.to_string(), k.to_string(), v.to_string(), false))
        .collect();
    for edit in edits {
        match edit {
            Edit::Set(section, key, value) => {
                match entries
                    .iter_mut()
                    .find(|(s, k, _, _)| s == section && k == key)
                {
                    Some(entry) => {
                        entry.2 = value.to_string();
                        entry.3 = true;
                    }
                    None => entries.push((
                        section.to_string(),
                        key.to_string(),
                        value.to_string(),
                        true,
                    )),
                }
            }
            Edit::Remove(section, key) => {
                entries.retain(|(s, k, _, _)| !(s == section && k == key))
            }
            Edit::Document(_) => unreachable!(),
        }
    }
    let mut text = String::from("version: 1\n");
    let mut sections: Vec<String> = Vec::new();
    for (section, ..) in &entries {
        if !sections.contains(section) {
            sections.push(section.clone());
        }
    }
    for section in sections {
        text.push_str(&format!("{section}:\n"));
        for (_, key, value, marked) in entries.iter().filter(|(s, ..)| *s == section) {
            text.push_str(&format!(
                "  {key}: {value}{}\n",
                if *marked { MARK } else { "" }
            ));
        }
    }
    text
}

struct Case {
    name: &'static str,
    edits: &'static [Edit],
    field: &'static str,
    rule: &'static str,
}

use Edit::{Document, Remove, Set};

/// A fleet (answers version 2) sharing the cluster, the account and a bucket, then `$rest`:
/// its `workloads:` entries.
macro_rules! fleet {
    ($rest:literal) => {
        concat!(
            "version: 2\nteleport: {proxy: example.teleport.sh}\n",
            "aws: {account_id: \"123456789012\", bucket: shared-bucket}\nworkloads:\n",
            $rest
        )
    };
}

const CASES: &[Case] = &[
    Case {
        name: "fleet: two workloads with one name",
        edits: &[Document(fleet!(
            "  - name: api\n    teleport: {spiffe_path: /svc/api, bot: api-bot}\n  - name: api # <- here\n    teleport: {spiffe_path: /svc/web, bot: web-bot}\n"
        ))],
        field: "workloads[1].name",
        rule: "workloads[0] (api) has the same name",
    },
    Case {
        name: "fleet: two workloads with one SPIFFE ID",
        edits: &[Document(fleet!(
            "  - name: api\n    teleport: {spiffe_path: /svc/api, bot: api-bot}\n    aws: {role_name: api}\n  - name: web\n    teleport:\n      spiffe_path: /svc/api # <- here\n      bot: web-bot\n    aws: {role_name: web}\n"
        ))],
        field: "workloads[1].teleport.spiffe_path",
        rule: "has the same SPIFFE ID",
    },
    Case {
        name: "fleet: two roles with one name",
        edits: &[Document(fleet!(
            "  - name: api\n    teleport: {spiffe_path: /svc/api, bot: api-bot}\n    aws: {role_name: shared-role, policy_name: api, profile: api}\n  - name: web\n    teleport: {spiffe_path: /svc/web, bot: web-bot, role: web-aws}\n    aws:\n      role_name: shared-role # <- here\n      policy_name: web\n      profile: web\n"
        ))],
        field: "workloads[1].aws.role_name",
        rule: "has the same IAM role name",
    },
    Case {
        name: "fleet: two roles whose names differ only in case",
        edits: &[Document(fleet!(
            "  - name: api\n    teleport: {spiffe_path: /svc/api, bot: api-bot}\n    aws: {role_name: Reports, policy_name: api, profile: api}\n  - name: web\n    teleport: {spiffe_path: /svc/web, bot: web-bot, role: web-aws}\n    aws:\n      role_name: reports # <- here\n      policy_name: web\n      profile: web\n"
        ))],
        field: "workloads[1].aws.role_name",
        rule: "has the IAM role name \"Reports\", the same but for case, which IAM does not tell apart",
    },
    Case {
        name: "fleet: two policies whose names differ only in case",
        edits: &[Document(fleet!(
            "  - name: api\n    teleport: {spiffe_path: /svc/api, bot: api-bot}\n    aws: {role_name: api, policy_name: Read-Reports, profile: api}\n  - name: web\n    teleport: {spiffe_path: /svc/web, bot: web-bot, role: web-aws}\n    aws:\n      role_name: web\n      policy_name: read-reports # <- here\n      profile: web\n"
        ))],
        field: "workloads[1].aws.policy_name",
        rule: "has the IAM policy name \"Read-Reports\", the same but for case",
    },
    Case {
        name: "fleet: two profiles with one name",
        edits: &[Document(fleet!(
            "  - name: api\n    teleport: {spiffe_path: /svc/api, bot: api-bot}\n    aws: {profile: p}\n  - name: web\n    teleport: {spiffe_path: /svc/web, bot: web-bot}\n    aws:\n      profile: p # <- here\n"
        ))],
        field: "workloads[1].aws.profile",
        rule: "has the same AWS profile",
    },
    Case {
        name: "fleet: a bad bucket in the third workload",
        edits: &[Document(fleet!(
            "  - name: api\n    teleport: {spiffe_path: /svc/api, bot: api-bot}\n  - name: web\n    teleport: {spiffe_path: /svc/web, bot: web-bot}\n  - name: batch\n    teleport: {spiffe_path: /svc/batch, bot: batch-bot}\n    aws:\n      bucket: Bad_Bucket # <- here\n"
        ))],
        field: "workloads[2].aws.bucket",
        rule: "only lowercase letters",
    },
    Case {
        name: "fleet: a bad shared default is reported once, at the top",
        edits: &[Document(
            "version: 2\nteleport: {proxy: example.teleport.sh}\naws:\n  account_id: \"123456789012\"\n  bucket: Bad_Bucket # <- here\nworkloads:\n  - name: api\n    teleport: {spiffe_path: /svc/api, bot: api-bot}\n  - name: web\n    teleport: {spiffe_path: /svc/web, bot: web-bot}\n",
        )],
        field: "aws.bucket",
        rule: "only lowercase letters",
    },
    Case {
        name: "fleet: a shared answer inside a workload",
        edits: &[Document(fleet!(
            "  - name: api\n    teleport: {spiffe_path: /svc/api, bot: api-bot}\n    aws:\n      account_id: \"210987654321\" # <- here\n"
        ))],
        field: "workloads[0].aws.account_id",
        rule: "shared by every workload",
    },
    Case {
        name: "fleet: a workload name with capitals",
        edits: &[Document(fleet!(
            "  - name: Api # <- here\n    teleport: {spiffe_path: /svc/api, bot: api-bot}\n"
        ))],
        field: "workloads[0].name",
        rule: "a workload name is 1 to 48 lowercase letters",
    },
    Case {
        name: "fleet: a workload without a name",
        edits: &[Document(fleet!(
            "  - name: api\n    teleport: {spiffe_path: /svc/api, bot: api-bot}\n  - teleport: {spiffe_path: /svc/web, bot: web-bot}\n"
        ))],
        field: "workloads[1]",
        rule: "every workload needs a name",
    },
    Case {
        name: "fleet: a workload without its required bot",
        edits: &[Document(fleet!(
            "  - name: api\n    teleport: {spiffe_path: /svc/api, bot: api-bot}\n  - name: web\n    teleport: {spiffe_path: /svc/web}\n"
        ))],
        field: "workloads[1].teleport.bot",
        rule: "required",
    },
    Case {
        name: "fleet: no workloads",
        edits: &[Document(fleet!("  []\n"))],
        field: "workloads",
        rule: "there are none",
    },
    Case {
        name: "workloads in a version 1 file",
        edits: &[Document(
            "version: 1\nteleport: {proxy: a.b, spiffe_path: /x, bot: b}\naws: {account_id: \"123456789012\", bucket: abc}\nworkloads: # <- here\n  - name: x\n",
        )],
        field: "workloads",
        rule: "part of answers format version 2",
    },
    Case {
        name: "legacy-spiffe on a v19 cluster, whose tbot has no spiffe-svid output",
        edits: &[
            Set("teleport", "version", "19.0.1"),
            Set("teleport", "api", "legacy-spiffe"),
        ],
        field: "teleport.api",
        rule: "tbot removed the spiffe-svid output in v19",
    },
    Case {
        name: "workload-identity on a cluster older than 17.2.7",
        edits: &[
            Set("teleport", "version", "17.2.6"),
            Set("teleport", "api", "workload-identity"),
        ],
        field: "teleport.api",
        rule: "arrived in Teleport 17.2.7",
    },
    Case {
        name: "any generation on a cluster without JWT SVIDs",
        edits: &[Set("teleport", "version", "16.4.2")],
        field: "teleport.api",
        rule: "JWT SVIDs from 16.4.3",
    },
    Case {
        name: "an unreadable version",
        edits: &[Set("teleport", "version", "latest")],
        field: "teleport.version",
        rule: "major.minor.patch",
    },
    Case {
        name: "an unknown API generation",
        edits: &[Set("teleport", "api", "v2")],
        field: "teleport.api",
        rule: "expected one of: auto, workload-identity, legacy-spiffe",
    },
    Case {
        name: "a workload_identity name Teleport refuses",
        edits: &[Set("teleport", "workload_identity", "-svc")],
        field: "teleport.workload_identity",
        rule: "Teleport workload_identity names",
    },
    Case {
        name: "a credential TTL over Teleport's cap",
        edits: &[Set("tbot", "credential_ttl", "25h")],
        field: "tbot.credential_ttl",
        rule: "at most 24h",
    },
    Case {
        name: "a TTL that is no duration",
        edits: &[Set("tbot", "credential_ttl", "one hour")],
        field: "tbot.credential_ttl",
        rule: "units h, m or s",
    },
    Case {
        name: "renewal not shorter than the TTL",
        edits: &[
            Set("tbot", "credential_ttl", "30m"),
            Set("tbot", "renewal_interval", "30m"),
        ],
        field: "tbot.renewal_interval",
        rule: "not shorter than the credential TTL 30m",
    },
    Case {
        name: "an empty audience is not the default",
        edits: &[Set("tbot", "audience", "\"\"")],
        field: "tbot.audience",
        rule: "an empty value",
    },
    Case {
        name: "an empty partition is not the default either",
        edits: &[Set("aws", "partition", "\"\"")],
        field: "aws.partition",
        rule: "an empty value",
    },
    Case {
        name: "an empty optional session name",
        edits: &[Set("aws", "role_session_name", "\"\"")],
        field: "aws.role_session_name",
        rule: "an empty value",
    },
    Case {
        name: "a proxy whose host is no trust domain, with its line",
        edits: &[Set("teleport", "proxy", "\"[::1]:3080\"")],
        field: "teleport.proxy",
        rule: "the teleport.cluster_name derived from it, \"::1\", is not valid",
    },
    Case {
        name: "account id too short",
        edits: &[Set("aws", "account_id", "\"12345\"")],
        field: "aws.account_id",
        rule: "exactly 12 digits",
    },
    Case {
        name: "account id too long",
        edits: &[Set("aws", "account_id", "1234567890123")],
        field: "aws.account_id",
        rule: "exactly 12 digits",
    },
    Case {
        name: "account id with a letter",
        edits: &[Set("aws", "account_id", "12345678901a")],
        field: "aws.account_id",
        rule: "exactly 12 digits",
    },
    Case {
        name: "account id missing",
        edits: &[Remove("aws", "account_id")],
        field: "aws.account_id",
        rule: "required",
    },
    Case {
        name: "proxy with scheme",
        edits: &[Set("teleport", "proxy", "https://example.teleport.sh")],
        field: "teleport.proxy",
        rule: "without a scheme",
    },
    Case {
        name: "proxy with path",
        edits: &[Set(
            "teleport",
            "proxy",
            "example.teleport.sh/workload-identity",
        )],
        field: "teleport.proxy",
        rule: "without a path",
    },
    Case {
        name: "proxy uppercase",
        edits: &[Set("teleport", "proxy", "Example.Teleport.sh")],
        field: "teleport.proxy",
        rule: "DNS name",
    },
    Case {
        name: "proxy port zero",
        edits: &[Set("teleport", "proxy", "example.teleport.sh:0")],
        field: "teleport.proxy",
        rule: "port must be",
    },
    Case {
        name: "proxy port too big",
        edits: &[Set("teleport", "proxy", "example.teleport.sh:70000")],
        field: "teleport.proxy",
        rule: "port must be",
    },
    Case {
        name: "proxy with underscore",
        edits: &[Set("teleport", "proxy", "exa_mple.com")],
        field: "teleport.proxy",
        rule: "DNS name",
    },
    Case {
        name: "proxy missing",
        edits: &[Remove("teleport", "proxy")],
        field: "teleport.proxy",
        rule: "required",
    },
    Case {
        name: "cluster name uppercase",
        edits: &[Set("teleport", "cluster_name", "Example.sh")],
        field: "teleport.cluster_name",
        rule: "lowercase letters",
    },
    Case {
        name: "cluster name with space",
        edits: &[Set("teleport", "cluster_name", "\"exa mple\"")],
        field: "teleport.cluster_name",
        rule: "lowercase letters",
    },
    Case {
        name: "spiffe path with ..",
        edits: &[Set("teleport", "spiffe_path", "/svc/../x")],
        field: "teleport.spiffe_path",
        rule: "'..' segment",
    },
    Case {
        name: "spiffe path with .",
        edits: &[Set("teleport", "spiffe_path", "/svc/./x")],
        field: "teleport.spiffe_path",
        rule: "'..' segment",
    },
    Case {
        name: "spiffe path with //",
        edits: &[Set("teleport", "spiffe_path", "/svc//x")],
        field: "teleport.spiffe_path",
        rule: "empty segment",
    },
    Case {
        name: "spiffe path trailing slash",
        edits: &[Set("teleport", "spiffe_path", "/svc/x/")],
        field: "teleport.spiffe_path",
        rule: "ends with '/'",
    },
    Case {
        name: "spiffe path with space",
        edits: &[Set("teleport", "spiffe_path", "\"/svc/x y\"")],
        field: "teleport.spiffe_path",
        rule: "segments may only hold",
    },
    Case {
        name: "spiffe path non-ascii",
        edits: &[Set("teleport", "spiffe_path", "/svc/café")],
        field: "teleport.spiffe_path",
        rule: "segments may only hold",
    },
    Case {
        name: "spiffe id of another trust domain",
        edits: &[Set(
            "teleport",
            "spiffe_path",
            "spiffe://other.example.com/svc/x",
        )],
        field: "teleport.spiffe_path",
        rule: "belongs to trust domain \"other.example.com\"",
    },
    Case {
        name: "spiffe path empty",
        edits: &[Set("teleport", "spiffe_path", "/")],
        field: "teleport.spiffe_path",
        rule: "must not be empty",
    },
    Case {
        name: "spiffe id too long",
        edits: &[Set("teleport", "spiffe_path", LONG_PATH)],
        field: "teleport.spiffe_path",
        rule: "at most 2048",
    },
    Case {
        name: "thumbprint too short",
        edits: &[Set("aws", "thumbprints", "[abc123]")],
        field: "aws.thumbprints",
        rule: "got 6 digits",
    },
    Case {
        name: "thumbprint not hex",
        edits: &[Set(
            "aws",
            "thumbprints",
            "[zz99a48a9960b14926bb7f3b02e22da2b0ab7280]",
        )],
        field: "aws.thumbprints",
        rule: "only hex digits",
    },
    Case {
        name: "six thumbprints",
        edits: &[Set("aws", "thumbprints", SIX_THUMBPRINTS)],
        field: "aws.thumbprints",
        rule: "at most 5",
    },
    Case {
        name: "thumbprint YAML reads as a number",
        edits: &[Set(
            "aws",
            "thumbprints",
            "[1234567890123456789012345678901234567e90]",
        )],
        field: "aws.thumbprints",
        rule: "in quotes",
    },
    Case {
        name: "account id YAML reads as a number",
        edits: &[Set("aws", "account_id", "1234567890.1")],
        field: "aws.account_id",
        rule: "in quotes",
    },
    Case {
        name: "unknown partition",
        edits: &[Set("aws", "partition", "aws-moon")],
        field: "aws.partition",
        rule: "expected one of: aws, aws-cn",
    },
    Case {
        name: "region of another partition",
        edits: &[Set("aws", "region", "us-gov-west-1")],
        field: "aws.region",
        rule: "in partition aws-us-gov, but aws.partition is aws",
    },
    Case {
        name: "region uppercase",
        edits: &[Set("aws", "region", "US-EAST-1")],
        field: "aws.region",
        rule: "looks like us-east-1",
    },
    Case {
        name: "region without dashes",
        edits: &[Set("aws", "region", "useast1")],
        field: "aws.region",
        rule: "looks like us-east-1",
    },
    Case {
        name: "unknown provider mode",
        edits: &[Set("aws", "oidc_provider", "maybe")],
        field: "aws.oidc_provider",
        rule: "create, existing",
    },
    Case {
        name: "bucket uppercase and underscore",
        edits: &[Set("aws", "bucket", "My_Bucket")],
        field: "aws.bucket",
        rule: "only lowercase letters",
    },
    Case {
        name: "bucket too short",
        edits: &[Set("aws", "bucket", "ab")],
        field: "aws.bucket",
        rule: "3-63 characters",
    },
    Case {
        name: "bucket starting with -",
        edits: &[Set("aws", "bucket", "-bucket")],
        field: "aws.bucket",
        rule: "start and end with a letter or digit",
    },
    Case {
        name: "bucket with ..",
        edits: &[Set("aws", "bucket", "a..b")],
        field: "aws.bucket",
        rule: "may not contain '..'",
    },
    Case {
        name: "bucket like an IP",
        edits: &[Set("aws", "bucket", "192.168.1.1")],
        field: "aws.bucket",
        rule: "IP address",
    },
    Case {
        name: "bucket xn-- prefix",
        edits: &[Set("aws", "bucket", "xn--bucket")],
        field: "aws.bucket",
        rule: "starting with \"xn--\"",
    },
    Case {
        name: "bucket amzn-s3-demo- prefix",
        edits: &[Set("aws", "bucket", "amzn-s3-demo-bucket")],
        field: "aws.bucket",
        rule: "starting with \"amzn-s3-demo-\"",
    },
    Case {
        name: "bucket -s3alias suffix",
        edits: &[Set("aws", "bucket", "data-s3alias")],
        field: "aws.bucket",
        rule: "ending with \"-s3alias\"",
    },
    Case {
        name: "bucket --x-s3 suffix",
        edits: &[Set("aws", "bucket", "data--x-s3")],
        field: "aws.bucket",
        rule: "ending with \"--x-s3\"",
    },
    Case {
        name: "create_bucket not a boolean",
        edits: &[Set("aws", "create_bucket", "\"yes\"")],
        field: "aws.create_bucket",
        rule: "expected true or false",
    },
    Case {
        name: "unknown access preset",
        edits: &[Set("aws", "access", "everything")],
        field: "aws.access",
        rule: "full, read-only, read-write, write-only, custom",
    },
    Case {
        name: "custom access without actions",
        edits: &[Set("aws", "access", "custom")],
        field: "aws.actions",
        rule: "at least one action",
    },
    Case {
        name: "actions with a preset",
        edits: &[Set("aws", "actions", "[s3:GetObject]")],
        field: "aws.actions",
        rule: "only read when aws.access is `custom`",
    },
    Case {
        name: "custom action of another service",
        edits: &[
            Set("aws", "access", "custom"),
            Set("aws", "actions", "[\"ec2:RunInstances\"]"),
        ],
        field: "aws.actions",
        rule: "must start with `s3:`",
    },
    Case {
        name: "custom action without service",
        edits: &[
            Set("aws", "access", "custom"),
            Set("aws", "actions", "[GetObject]"),
        ],
        field: "aws.actions",
        rule: "`service:Action`",
    },
    Case {
        name: "policy name with space",
        edits: &[Set("aws", "policy_name", "\"s3 access\"")],
        field: "aws.policy_name",
        rule: "IAM policy names are 1-128",
    },
    Case {
        name: "policy name too long",
        edits: &[Set("aws", "policy_name", LONG_129)],
        field: "aws.policy_name",
        rule: "IAM policy names are 1-128",
    },
    Case {
        name: "role name too long",
        edits: &[Set("aws", "role_name", LONG_65)],
        field: "aws.role_name",
        rule: "IAM role names are 1-64",
    },
    Case {
        name: "role name with slash",
        edits: &[Set("aws", "role_name", "team/role")],
        field: "aws.role_name",
        rule: "IAM role names are 1-64",
    },
    Case {
        name: "role path without slashes",
        edits: &[Set("aws", "role_path", "workloads")],
        field: "aws.role_path",
        rule: "an IAM path is '/'",
    },
    Case {
        name: "role path with //",
        edits: &[Set("aws", "role_path", "/a//b/")],
        field: "aws.role_path",
        rule: "an IAM path is '/'",
    },
    Case {
        name: "profile named default",
        edits: &[Set("aws", "profile", "default")],
        field: "aws.profile",
        rule: "[default]",
    },
    Case {
        name: "profile with space",
        edits: &[Set("aws", "profile", "\"my profile\"")],
        field: "aws.profile",
        rule: "profile names are 1-64",
    },
    Case {
        name: "profile with bracket",
        edits: &[Set("aws", "profile", "\"evil]\"")],
        field: "aws.profile",
        rule: "profile names are 1-64",
    },
    Case {
        name: "session name too short",
        edits: &[Set("aws", "role_session_name", "x")],
        field: "aws.role_session_name",
        rule: "IAM role session names",
    },
    Case {
        name: "teleport role starting with -",
        edits: &[Set("teleport", "role", "\"-bad\"")],
        field: "teleport.role",
        rule: "Teleport role names",
    },
    Case {
        name: "bot with space",
        edits: &[Set("teleport", "bot", "\"my bot\"")],
        field: "teleport.bot",
        rule: "Teleport bot names",
    },
    Case {
        name: "bot missing",
        edits: &[Remove("teleport", "bot")],
        field: "teleport.bot",
        rule: "required",
    },
    Case {
        name: "relative output dir",
        edits: &[Set("tbot", "output_dir", "opt/workload-identity")],
        field: "tbot.output_dir",
        rule: "absolute path",
    },
    Case {
        name: "output dir with ..",
        edits: &[Set("tbot", "output_dir", "/opt/../etc")],
        field: "tbot.output_dir",
        rule: "'..' segments",
    },
    Case {
        name: "output dir is the root",
        edits: &[Set("tbot", "output_dir", "/")],
        field: "tbot.output_dir",
        rule: "'..' segments",
    },
    Case {
        name: "jwt file with ..",
        edits: &[
            Set("teleport", "api", "legacy-spiffe"),
            Set("tbot", "jwt_file", "../aws-jwt"),
        ],
        field: "tbot.jwt_file",
        rule: "a file name is",
    },
    Case {
        name: "jwt file with slash",
        edits: &[
            Set("teleport", "api", "legacy-spiffe"),
            Set("tbot", "jwt_file", "a/b"),
        ],
        field: "tbot.jwt_file",
        rule: "a file name is",
    },
    Case {
        name: "audience with space",
        edits: &[Set("tbot", "audience", "\"sts amazonaws\"")],
        field: "tbot.audience",
        rule: "1-255 printable characters",
    },
    Case {
        name: "list where text belongs",
        edits: &[Set("aws", "bucket", "[a, b]")],
        field: "aws.bucket",
        rule: "expected a single value",
    },
    Case {
        name: "mapping where a list belongs",
        edits: &[Set("aws", "thumbprints", "{a: b}")],
        field: "aws.thumbprints",
        rule: "expected a list",
    },
    Case {
        name: "unknown key",
        edits: &[Set("aws", "colour", "blue")],
        field: "aws.colour",
        rule: "unknown key",
    },
    Case {
        name: "misspelt key",
        edits: &[Set("tbot", "ouput_dir", "/opt/x")],
        field: "tbot.ouput_dir",
        rule: "unknown key",
    },
    Case {
        name: "key in the wrong section",
        edits: &[Set("aws", "bot", "my-bot")],
        field: "aws.bot",
        rule: "unknown key",
    },
    Case {
        name: "unsupported version",
        edits: &[Document(
            "version: 3\nteleport: {proxy: a.b, spiffe_path: /x, bot: b}\naws: {account_id: \"123456789012\", bucket: abc}\n",
        )],
        field: "version",
        rule: "missing or unsupported",
    },
    Case {
        name: "missing version",
        edits: &[Document(
            "teleport: {proxy: a.b, spiffe_path: /x, bot: b}\naws: {account_id: \"123456789012\", bucket: abc}\n",
        )],
        field: "version",
        rule: "missing or unsupported",
    },
    Case {
        name: "section not a mapping",
        edits: &[Document(
            "version: 1\nteleport: {proxy: a.b, spiffe_path: /x, bot: b}\naws: {account_id: \"123456789012\", bucket: abc}\ntbot: 5\n",
        )],
        field: "tbot",
        rule: "must be a mapping",
    },
    Case {
        name: "unknown section",
        edits: &[Document(
            "version: 1\nteleport: {proxy: a.b, spiffe_path: /x, bot: b}\naws: {account_id: \"123456789012\", bucket: abc}\nteleprot: {}\n",
        )],
        field: "teleprot",
        rule: "unknown key",
    },
    Case {
        name: "not YAML",
        edits: &[Document("version: 1\naws: [\n")],
        field: "(file)",
        rule: "not valid YAML",
    },
    Case {
        name: "not a mapping",
        edits: &[Document("- a\n- b\n")],
        field: "(file)",
        rule: "must be a mapping",
    },
];

const LONG_PATH: &str = concat!(
    "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "/cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
    "/dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
);
const SIX_THUMBPRINTS: &str = "[a111111111111111111111111111111111111111, a222222222222222222222222222222222222222, a333333333333333333333333333333333333333, a444444444444444444444444444444444444444, a555555555555555555555555555555555555555, a666666666666666666666666666666666666666]";
const LONG_65: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const LONG_129: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

#[test]
fn the_base_answers_are_valid() {
    let plan = from_answers_file(&document(&[])).unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(
        plan.role_arn(),
        "arn:aws:iam::123456789012:role/svc-example-service"
    );
}

#[test]
fn catalogue_has_at_least_forty_cases() {
    assert!(CASES.len() >= 40, "{} cases", CASES.len());
}

#[test]
fn each_bad_answer_gives_one_precise_problem() {
    let mut failures = Vec::new();
    for case in CASES {
        let text = document(case.edits);
        let field_name = case.field.rsplit('.').next().unwrap_or(case.field);
        let expected_line = text
            .lines()
            .position(|l| {
                l.ends_with(MARK) && l.trim_start().starts_with(&format!("{field_name}:"))
            })
            .map(|i| i + 1);
        let problems = match from_answers_file(&text) {
            Ok(_) => {
                failures.push(format!("{}: accepted", case.name));
                continue;
            }
            Err(problems) => problems.0,
        };
        if problems.len() != 1 {
            failures.push(format!(
                "{}: {} problems: {problems:#?}",
                case.name,
                problems.len()
            ));
            continue;
        }
        let problem = &problems[0];
        if problem.location.key() != case.field
            || !problem.rule.contains(case.rule)
            || problem.fix.is_empty()
        {
            failures.push(format!("{}: got {problem}", case.name));
        }
        if expected_line.is_some() && problem.line != expected_line {
            failures.push(format!(
                "{}: line {:?}, expected {expected_line:?}",
                case.name, problem.line
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

/// What the independent validator (Python's jsonschema, in the venv `.ci/run` makes) says of
/// each document: its messages, none when valid. `None` without the venv outside CI.
fn schema_verdicts(
    documents: &[(String, String)],
) -> Option<std::collections::BTreeMap<String, Vec<String>>> {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".build/venv/bin/python");
    if !python.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have the venv: .ci/run makes it"
        );
        eprintln!("no .build/venv: skipping the schema check (bash .ci/run makes it)");
        return None;
    }
    let documents: serde_json::Map<String, serde_json::Value> = documents
        .iter()
        .filter_map(|(name, text)| {
            let value: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
            Some((name.clone(), serde_json::to_value(value).ok()?))
        })
        .collect();
    let input = serde_json::json!({
        "schema": wi_aws::answers::schema::answers_schema(),
        "documents": documents,
    });
    let mut child = std::process::Command::new(python)
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema_check.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("writes");
    let output = child.wait_with_output().expect("python ends");
    assert!(output.status.success(), "the validator failed");
    Some(serde_json::from_slice(&output.stdout).expect("JSON"))
}

#[test]
fn the_schema_accepts_the_examples_and_refuses_what_it_can_express() {
    let mut documents: Vec<(String, String)> = [
        "examples/answers.yaml",
        "examples/fleet.yaml",
        "tests/fixtures/gov-readonly-existing.yaml",
        "tests/fixtures/deep-path-dotted-bucket.yaml",
        "examples/roles-anywhere.yaml",
        "tests/fixtures/roles-anywhere-existing.yaml",
    ]
    .iter()
    .map(|path| {
        let text =
            std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
                .expect("readable");
        (format!("example {path}"), text)
    })
    .collect();
    documents.extend(
        CASES
            .iter()
            .map(|case| (case.name.to_owned(), document(case.edits))),
    );
    let Some(verdicts) = schema_verdicts(&documents) else {
        return;
    };
    for (name, messages) in verdicts
        .iter()
        .filter(|(name, _)| name.starts_with("example "))
    {
        assert!(messages.is_empty(), "{name}: {messages:?}");
    }
    let accepted: Vec<&str> = verdicts
        .iter()
        .filter(|(name, messages)| !name.starts_with("example ") && messages.is_empty())
        .map(|(name, _)| name.as_str())
        .collect();
    // Exactly these pass the schema: each breaks a rule across answers, across workloads or
    // against the cluster, or one a regular expression does not say well; wi-aws refuses
    // them all (the catalogue test above), the editor only the rest.
    const NOT_EXPRESSED: &[&str] = &[
        // Across answers or workloads.
        "actions with a preset",
        "custom access without actions",
        "region of another partition",
        "renewal not shorter than the TTL",
        "spiffe id of another trust domain",
        "fleet: a workload without its required bot",
        "fleet: two policies whose names differ only in case",
        "fleet: two profiles with one name",
        "fleet: two roles whose names differ only in case",
        "fleet: two roles with one name",
        "fleet: two workloads with one SPIFFE ID",
        "fleet: two workloads with one name",
        // Against the cluster's version.
        "any generation on a cluster without JWT SVIDs",
        "legacy-spiffe on a v19 cluster, whose tbot has no spiffe-svid output",
        "workload-identity on a cluster older than 17.2.7",
        // Arithmetic and suffixes a pattern says badly.
        "a credential TTL over Teleport's cap",
        "account id too long",
        "bucket --x-s3 suffix",
        "bucket -s3alias suffix",
        "bucket like an IP",
        "proxy port too big",
        "spiffe id too long",
    ];
    assert_eq!(
        accepted,
        NOT_EXPRESSED
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
    let refused = verdicts.len() - accepted.len() - 4;
    eprintln!(
        "the schema refuses {refused} of the {} bad answers",
        CASES.len()
    );
}
