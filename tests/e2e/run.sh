#!/usr/bin/env bash
# End-to-end against real tools, on 127.0.0.1 only: the AWS CLI against an AWS emulator (moto),
# the IAM linter parliament, checkov on the Terraform, `terraform fmt`, and openssl's
# thumbprint of the demo proxy.
#
# Our own tests prove the artifacts are self-consistent; this proves real tools accept them.
# moto does NOT validate web identity tokens, trust policies or IAM permissions: it checks the
# AWS CLI's web-identity credential path through our profile and the shape of every API call.
# Token and policy semantics are what `wi-aws verify` checks (run here after every render).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
started=$(date +%s)
say() { echo "e2e: $*"; }
fail() { echo "e2e: FAILED: $*" >&2; exit 1; }

venv=.build/e2e-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  'moto[server]==5.2.5' 'awscli==1.46.3' 'parliament==1.6.4' 'checkov==3.3.30' \
  'kubernetes-validate==1.37.0'
say "tools installed after $(( $(date +%s) - started ))s: $("$venv/bin/aws" --version 2>&1), moto $("$venv/bin/python" -c 'import moto; print(moto.__version__)'), parliament $("$venv/bin/python" -c 'import parliament; print(parliament.__version__)'), checkov $("$venv/bin/checkov" --version)"

command -v terraform >/dev/null || fail "terraform is not on PATH; it is needed for 'terraform fmt -check'"
command -v openssl >/dev/null || fail "openssl is not on PATH"
cargo build --quiet
wi_aws="$root/target/debug/wi-aws"

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for DESCRIPTION COMMAND…: up to 20 s
  local what=$1; shift
  for _ in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  fail "$what did not come up"
}

# The demo proxy issues the JWT SVIDs and is the peer of the openssl comparison.
"$wi_aws" demo-proxy --listen 127.0.0.1:0 --ca-out "$work/demo-ca.pem" > "$work/demo.log" 2>&1 &
pids+=($!)
wait_for "the demo proxy" grep -q '^listening on' "$work/demo.log"
demo=$(awk '/^listening on/ {print $3}' "$work/demo.log")

# The thumbprint AWS documents: the last certificate of `openssl s_client -showcerts`.
openssl s_client -showcerts -connect "$demo" < /dev/null 2>/dev/null \
  | awk '/BEGIN CERTIFICATE/ {cert = ""} {cert = cert $0 "\n"} /END CERTIFICATE/ {last = cert} END {printf "%s", last}' \
  > "$work/last.pem"
openssl_thumbprint=$(openssl x509 -in "$work/last.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
ours=$("$wi_aws" discover --proxy "$demo" --ca-file "$work/demo-ca.pem" --json | "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["chain_thumbprint"])')
[ "$openssl_thumbprint" = "$ours" ] || fail "thumbprint: openssl says $openssl_thumbprint, wi-aws $ours"
say "thumbprint of the demo proxy: openssl and wi-aws both say $ours"

port=$(free_port)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > "$work/moto.log" 2>&1 &
pids+=($!)
wait_for "moto" curl -sf "http://127.0.0.1:$port/moto-api/"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
# The operator's credentials (moto accepts any); the workload below uses none of them.
export AWS_ACCESS_KEY_ID=e2e-operator AWS_SECRET_ACCESS_KEY=e2e-operator
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
aws() { "$venv/bin/aws" "$@"; }

# Findings each linter may report, with the reason they are accepted; anything else fails.
declare -A parliament_accepted=(
  [UNKNOWN_FEDERATION_SOURCE]="parliament knows a fixed list of identity providers; a Teleport cluster's OIDC issuer is not on it"
  [MALFORMED]="parliament reads every policy as an identity policy; a role's trust policy has no Resource by design"
)
parliament_accepted_full=RESOURCE_MISMATCH  # s3:* includes account-level actions that no bucket ARN matches
declare -A checkov_accepted=(
  [CKV_AWS_18]="access logging needs a separate log bucket; enable it (or CloudTrail data events) organisation-wide"
  [CKV_AWS_144]="cross-region replication doubles cost and needs a second region: a disaster-recovery decision"
  [CKV_AWS_145]="SSE-S3 (AES256) is on; SSE-KMS would also need kms:Decrypt for the workload role and a key policy"
  [CKV2_AWS_61]="object retention is a data decision; add a lifecycle rule when it is known"
  [CKV2_AWS_62]="nothing consumes bucket events in this setup"
)

lint() { # lint CASE OUT ACCESS: every IAM document under OUT/iam (one workload's or a fleet's)
  local case=$1 out=$2 access=$3 file issue
  for file in $(cd "$out" && find iam -name '*.json' | sort); do
    # parliament exits 1 when it reports anything; the findings are judged one by one.
    for issue in $({ "$venv/bin/parliament" --string "$(cat "$out/$file")" --json || true; } | "$venv/bin/python" -c 'import json, sys; [print(json.loads(l)["issue"]) for l in sys.stdin if l.strip()]'); do
      if [ "${file##*/}" = permissions-policy.json ] && [ "$access" = full ] && [ "$issue" = "$parliament_accepted_full" ]; then
        say "$case: parliament $file: $issue accepted (access full = s3:*)"
      elif [ "${file##*/}" = trust-policy.json ] && [ -n "${parliament_accepted[$issue]:-}" ]; then
        say "$case: parliament $file: $issue accepted (${parliament_accepted[$issue]})"
      else
        fail "$case: parliament $file: $issue"
      fi
    done
  done
  local failed module
  # Both root modules: the AWS side, and the Teleport side when Terraform writes it.
  for module in terraform teleport; do
    [ -f "$out/$module/main.tf" ] || continue
    # checkov exits 1 when any check fails; the list is judged below.
    failed=$({ "$venv/bin/checkov" -d "$out/$module" --framework terraform --quiet --compact --skip-download -o json 2>/dev/null || true; } \
      | "$venv/bin/python" -c 'import json, sys; d = json.load(sys.stdin); d = d[0] if isinstance(d, list) else d; [print(c["check_id"]) for c in d.get("results", {}).get("failed_checks", [])]' | sort -u)
    for issue in $failed; do
      [ -n "${checkov_accepted[$issue]:-}" ] || fail "$case: checkov $module/main.tf $issue"
      say "$case: checkov $issue accepted (${checkov_accepted[$issue]})"
    done
    terraform fmt -check -diff "$out/$module/main.tf" 2>/dev/null || fail "$case: terraform fmt would change $module/main.tf"
  done
}

run_case() { # run_case NAME ANSWERS
  local case=$1 answers=$2
  local out="$work/$case" token_dir="$work/$case-host/workload-identity"
  mkdir -p "$token_dir"
  sed "s#@TOKEN_DIR@#$token_dir#" "$answers" > "$work/$case.yaml"
  "$wi_aws" render --answers-file "$work/$case.yaml" --out "$out" > "$work/$case-render.log" 2>&1 \
    || { cat "$work/$case-render.log"; fail "$case: render (and its verify) failed"; }

  local field
  field() { "$venv/bin/python" -c "import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])" "$out/answers.yaml" "$1" "$2"; }
  local bucket region profile spiffe_path access provider
  bucket=$(field aws bucket); region=$(field aws region); profile=$(field aws profile)
  spiffe_path=$(field teleport spiffe_path); access=$(field aws access); provider=$(field aws oidc_provider)

  if [ "$provider" = existing ]; then
    # What "existing" means: the account trusts the issuer already. (moto does not implement
    # AddClientIDToOpenIDConnectProvider, so the provider lists the audience from the start and
    # setup.sh's branch that adds a missing audience is not exercised here.)
    aws iam create-open-id-connect-provider --region "$region" --url "https://$(field teleport proxy)/workload-identity" \
      --client-id-list other-audience "$(field tbot audience)" > /dev/null
  fi
  if [ "$(field aws create_bucket)" = False ]; then
    aws s3api create-bucket --bucket "$bucket" --region "$region" --create-bucket-configuration "LocationConstraint=$region" > /dev/null
    echo existing > "$work/existing.txt"
    aws s3 cp "$work/existing.txt" "s3://$bucket/existing.txt" --region "$region" > /dev/null
  fi

  AWS_DEFAULT_REGION=$region sh "$out/aws-cli/setup.sh" > "$work/$case-setup.log" 2>&1 \
    || { cat "$work/$case-setup.log"; tail -40 "$work/moto.log"; fail "$case: aws-cli/setup.sh failed"; }
  AWS_DEFAULT_REGION=$region sh "$out/aws-cli/setup.sh" > "$work/$case-setup2.log" 2>&1 \
    || { cat "$work/$case-setup2.log"; fail "$case: aws-cli/setup.sh failed when run again"; }
  grep -q '^exists:  OIDC provider\|^exists:  bucket\|^updated: trust policy' "$work/$case-setup2.log" || fail "$case: the second run did not find what the first created"
  say "$case: aws-cli/setup.sh created everything, and ran again cleanly"

  local role_arn
  role_arn=$(grep '^role_arn = ' "$out/aws/config" | sed 's/^role_arn = //')
  [ "$(aws iam get-role --role-name "${role_arn##*/}" --query Role.Arn --output text --region "$region")" = "$role_arn" ] \
    || fail "$case: the role's ARN in the emulator is not the profile's $role_arn"
  aws iam list-attached-role-policies --role-name "${role_arn##*/}" --region "$region" --query 'AttachedPolicies[].PolicyName' --output text | grep -q . \
    || fail "$case: no policy attached to the role"

  # The workload: a token where tbot writes it, the generated profile, and no static keys.
  # The file the profile reads: jwt_svid in tbot's destination (current generation), or the
  # legacy output's file name.
  local token_file
  token_file=$(grep '^web_identity_token_file = ' "$out/aws/config" | sed 's/^web_identity_token_file = //')
  case "$token_file" in "$token_dir"/*) ;; *) fail "$case: the profile reads $token_file, outside tbot's $token_dir";; esac
  curl -sf --cacert "$work/demo-ca.pem" "https://$demo/demo/jwt-svid?path=$spiffe_path" > "$token_file"
  say "$case: the token is where tbot writes it (teleport.api $(field teleport api)): ${token_file#"$token_dir"/}"
  echo "Hello, World!" > "$work/hello.txt"
  as_workload() {
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_CONFIG_FILE="$out/aws/config" "$venv/bin/aws" "$@" --profile "$profile"
  }
  local caller
  # moto resolves temporary credentials to their role only in the aws partition's regions, so
  # the identity is asked there; the credentials come from the profile all the same.
  caller=$(as_workload sts get-caller-identity --region us-east-1 --query Arn --output text) \
    || fail "$case: the profile's web identity did not give credentials"
  case "$caller" in *"assumed-role/${role_arn##*/}/"*) ;; *) fail "$case: assumed $caller, not ${role_arn##*/}";; esac
  if [ "$access" = read-only ]; then
    as_workload s3 ls "s3://$bucket" | grep -q existing.txt || fail "$case: aws s3 ls does not show the object"
    say "$case: aws s3 ls through the profile (as $caller) shows the bucket's object"
  else
    as_workload s3 cp "$work/hello.txt" "s3://$bucket" > /dev/null || fail "$case: aws s3 cp through the profile failed"
    as_workload s3 ls "s3://$bucket" | grep -q hello.txt || fail "$case: hello.txt is not in the bucket"
    say "$case: aws s3 cp + ls through the profile (as $caller) put hello.txt in s3://$bucket"
  fi
  lint "$case" "$out" "$access"
}

# A fleet of three workloads: two share a bucket (one writes, one reads), one has its own,
# which exists already. One setup.sh creates everything once; each workload then assumes its
# own role with its own token, through the profile of its host bundle. (moto does not evaluate
# trust policies: that one workload's token opens no other's role is verify's pairwise check.)
run_fleet() {
  local case=fleet out="$work/fleet" hosts="$work/fleet-hosts"
  sed "s#@TOKEN_DIR@#$hosts#" tests/e2e/fleet.yaml > "$work/fleet.yaml"
  "$wi_aws" render --answers-file "$work/fleet.yaml" --out "$out" > "$work/fleet-render.log" 2>&1 \
    || { cat "$work/fleet-render.log"; fail "$case: render (and its verify) failed"; }
  grep -q '^all 3 workloads passed' "$work/fleet-render.log" || { cat "$work/fleet-render.log"; fail "$case: verify did not pass every workload"; }
  grep -q 'isolation.*all 6 ordered pairs' "$work/fleet-render.log" || fail "$case: verify did not check isolation pairwise"

  aws s3api create-bucket --bucket example-billing-archive --region us-east-1 > /dev/null
  sh "$out/aws-cli/setup.sh" > "$work/fleet-setup.log" 2>&1 \
    || { cat "$work/fleet-setup.log"; tail -40 "$work/moto.log"; fail "$case: aws-cli/setup.sh failed"; }
  sh "$out/aws-cli/setup.sh" > "$work/fleet-setup2.log" 2>&1 \
    || { cat "$work/fleet-setup2.log"; fail "$case: aws-cli/setup.sh failed when run again"; }
  [ "$(grep -c '^created: bucket' "$work/fleet-setup.log")" = 1 ] || fail "$case: the shared bucket was not created exactly once"
  [ "$(grep -c '^updated: trust policy' "$work/fleet-setup2.log")" = 3 ] || fail "$case: the second run did not find the three roles"
  say "$case: one aws-cli/setup.sh created the provider, the shared bucket and three roles, and ran again cleanly"

  local name spiffe_path bucket access config profile role_arn token_file caller
  for name in reports-writer reports-reader billing; do
    read -r spiffe_path bucket access < <("$venv/bin/python" -c '
import sys, yaml
for w in yaml.safe_load(open(sys.argv[1]))["workloads"]:
    if w["name"] == sys.argv[2]:
        print(w["teleport"]["spiffe_path"], w["aws"]["bucket"], w["aws"]["access"])' "$out/answers.yaml" "$name")
    config="$out/hosts/$name/aws/config"
    profile=$(sed -n 's/^\[profile \(.*\)\]$/\1/p' "$config")
    role_arn=$(sed -n 's/^role_arn = //p' "$config")
    token_file=$(sed -n 's/^web_identity_token_file = //p' "$config")
    case "$token_file" in "$hosts/$name"/*) ;; *) fail "$case: $name's profile reads $token_file, not its own host's";; esac
    mkdir -p "${token_file%/*}"
    curl -sf --cacert "$work/demo-ca.pem" "https://$demo/demo/jwt-svid?path=$spiffe_path" > "$token_file"
    as_host() {
      env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_CONFIG_FILE="$config" "$venv/bin/aws" "$@" --profile "$profile"
    }
    caller=$(as_host sts get-caller-identity --query Arn --output text) \
      || fail "$case: $name's profile did not give credentials"
    case "$caller" in *"assumed-role/${role_arn##*/}/"*) ;; *) fail "$case: $name assumed $caller, not ${role_arn##*/}";; esac
    case "$access" in
      read-only)
        as_host s3 ls "s3://$bucket" | grep -q reports-writer-was-here.txt \
          || fail "$case: $name does not see what reports-writer put in s3://$bucket"
        say "$case: $name (as $caller) reads what reports-writer wrote to s3://$bucket" ;;
      *)
        echo "$name" > "$work/$name-was-here.txt"
        as_host s3 cp "$work/$name-was-here.txt" "s3://$bucket/" > /dev/null || fail "$case: $name: aws s3 cp failed"
        aws s3 ls "s3://$bucket" | grep -q "$name-was-here.txt" || fail "$case: $name's file is not in s3://$bucket"
        say "$case: $name (as $caller) copied a file to s3://$bucket" ;;
    esac
  done
  lint "$case" "$out" fleet
}

# doctor on a real deployment (the emulator's): the demo proxy is the cluster, so the token's
# issuer, the provider and the thumbprint are all real; then the deployment is broken one way at
# a time with the AWS CLI, and doctor must name each cause.
run_doctor() {
  local out="$work/doctor" host="$work/doctor-host" provider_arn provider_url thumbprint
  export AWS_DEFAULT_REGION=us-east-1
  cat > "$work/doctor.yaml" <<ANSWERS
version: 1
teleport: {proxy: "$demo", spiffe_path: /svc/doctor, bot: doctor-bot}
aws: {account_id: "123456789012", region: us-east-1, bucket: doctor-bucket}
tbot: {output_dir: $host}
ANSWERS
  "$wi_aws" render --answers-file "$work/doctor.yaml" --proxy "$demo" --ca-file "$work/demo-ca.pem" --out "$out" > "$work/doctor-render.log" 2>&1 \
    || { cat "$work/doctor-render.log"; fail "doctor: render failed"; }
  sh "$out/aws-cli/setup.sh" > "$work/doctor-setup.log" 2>&1 || { cat "$work/doctor-setup.log"; fail "doctor: setup.sh failed"; }
  mkdir -p "$host"
  curl -sf --cacert "$work/demo-ca.pem" "https://$demo/demo/jwt-svid?path=/svc/doctor" > "$host/jwt_svid"
  provider_arn=$(sed -n 's/^provider_arn=//p' "$out/aws-cli/setup.sh")
  provider_url=$(sed -n 's/^provider_url=//p' "$out/aws-cli/setup.sh")
  thumbprint=$(sed -n 's/^thumbprints=//p' "$out/aws-cli/setup.sh")
  doctor() { "$wi_aws" doctor --out "$out" --ca-file "$work/demo-ca.pem" --endpoint-url "$AWS_ENDPOINT_URL" "$@" 2>/dev/null; }
  local report started_ms elapsed_ms
  started_ms=$(date +%s%3N)
  report=$(doctor --assume) || { echo "$report"; fail "doctor: the healthy deployment does not pass"; }
  elapsed_ms=$(( $(date +%s%3N) - started_ms ))
  grep -q "✓ assume .*AWS issued credentials for .*assumed-role/svc-doctor/" <<<"$report" || { echo "$report"; fail "doctor: --assume got no credentials"; }
  grep -qi "secretaccesskey\|sessiontoken" <<<"$report" && fail "doctor: credentials in the output"
  say "doctor: the healthy deployment passes ($(grep -c '^  ✓' <<<"$report") checks, ${elapsed_ms} ms with --assume, debug build); --assume got credentials from the emulator"

  says() { # says CASE LABEL TEXT: doctor fails, naming LABEL and saying TEXT
    local report
    report=$(doctor) && { echo "$report"; fail "doctor: $1: passed"; }
    grep -q "✗ $2" <<<"$report" || { echo "$report"; fail "doctor: $1: no failing $2"; }
    grep -qF -- "$3" <<<"$report" || { echo "$report"; fail "doctor: $1: does not say: $3"; }
    say "doctor: $1: ✗ $2, \"$3\""
  }
  provider() { aws iam create-open-id-connect-provider --url "$1" --client-id-list "$2" --thumbprint-list $thumbprint > /dev/null; }
  aws iam delete-open-id-connect-provider --open-id-connect-provider-arn "$provider_arn"
  says "provider deleted" "provider (aws)" "No OpenIDConnect provider found in your account for $provider_url"
  # moto has no RemoveClientIDFromOpenIDConnectProvider: the provider comes back without it.
  provider "$provider_url" other-audience
  says "client ID removed" "audience (aws)" "InvalidIdentityToken: Incorrect token audience"
  aws iam delete-open-id-connect-provider --open-id-connect-provider-arn "$provider_arn"
  provider "$provider_url/" sts.amazonaws.com
  says "provider with a trailing slash" "provider (aws)" "(a trailing slash)"
  aws iam delete-open-id-connect-provider --open-id-connect-provider-arn "$provider_arn/"
  provider "$provider_url" sts.amazonaws.com
  doctor > /dev/null || fail "doctor: the restored provider does not pass"
  sed 's#/svc/doctor#/svc/someone-else#' "$out/iam/trust-policy.json" > "$work/other-sub.json"
  aws iam update-assume-role-policy --role-name svc-doctor --policy-document "file://$work/other-sub.json"
  says "trust policy for another sub" "trust policy (aws)" "AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity"
  aws iam update-assume-role-policy --role-name svc-doctor --policy-document "file://$out/iam/trust-policy.json"
  aws iam detach-role-policy --role-name svc-doctor --policy-arn arn:aws:iam::123456789012:policy/svc-doctor-s3-read-write
  says "permissions policy detached" "permissions (aws)" "no policy is attached to the role"
  aws iam attach-role-policy --role-name svc-doctor --policy-arn arn:aws:iam::123456789012:policy/svc-doctor-s3-read-write
  aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn "$provider_arn" --thumbprint-list 0000000000000000000000000000000000000000
  says "thumbprint replaced" "thumbprint (aws)" "aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn $provider_arn --thumbprint-list $thumbprint"
  aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn "$provider_arn" --thumbprint-list $thumbprint
  touch -d '3 hours ago' "$host/jwt_svid"
  says "tbot stopped" "token age" "tbot is not running"
  touch "$host/jwt_svid"
  doctor > /dev/null || fail "doctor: the repaired deployment does not pass"
  say "doctor: every breakage named, and the repaired deployment passes again"
}

# The guide's profile merged into a user's real AWS config file (CRLF line ends, comments,
# [default], an sso-session, another profile), read back by the real AWS CLI; every byte outside
# wi-aws's block stays, and remove gives the file back as it was.
run_profile() {
  local out="$work/guide" config="$work/home/.aws/config" profile role_arn
  mkdir -p "$work/home/.aws"
  printf '# my settings\r\n[default]\r\nregion = eu-west-1\r\n\r\n[sso-session corp]\r\nsso_start_url = https://corp.example.com/start\r\nsso_region = eu-west-1\r\n\r\n[profile other]\r\nregion = us-west-2\r\n' > "$config"
  chmod 640 "$config"
  cp -p "$config" "$work/config.orig"
  profile=$(sed -n 's/^\[profile \(.*\)\]$/\1/p' "$out/aws/config")
  role_arn=$(sed -n 's/^role_arn = //p' "$out/aws/config")
  HOME="$work/home" AWS_CONFIG_FILE= "$wi_aws" profile install --out "$out" > "$work/profile.log" || { cat "$work/profile.log"; fail "profile install failed"; }
  # AWS CLI v1 has no `configure list-profiles` (and `configure list` resolves the credentials,
  # which needs the token): the profile's own settings are read back instead.
  [ "$(AWS_CONFIG_FILE="$config" aws configure get web_identity_token_file --profile "$profile")" = "$(sed -n 's/^web_identity_token_file = //p' "$out/aws/config")" ] \
    || fail "profile: the AWS CLI does not find $profile"
  [ "$(AWS_CONFIG_FILE="$config" aws configure get role_arn --profile "$profile")" = "$role_arn" ] || fail "profile: the AWS CLI reads another role_arn"
  [ "$(AWS_CONFIG_FILE="$config" aws configure get region --profile other)" = us-west-2 ] || fail "profile: the other profile changed"
  "$venv/bin/python" -c 'import sys; a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read(); sys.exit(0 if b.startswith(a) and b"\r\n# BEGIN wi-aws " in b and b"\n" not in b.replace(b"\r\n", b"") else 1)' "$work/config.orig" "$config" \
    || fail "profile: the bytes outside the block changed, or the block's line ends differ from the file's"
  [ "$(stat -c %a "$config")" = 640 ] || fail "profile: the file's mode changed"
  cmp -s "$work/config.orig" "$config.wi-aws-backup" || fail "profile: no backup of the file as it was"
  # The output is taken whole first: `grep -q` leaving early would cut the pipe under wi-aws.
  local again
  again=$("$wi_aws" profile install --out "$out" --aws-config "$config") || fail "profile: the rerun failed"
  grep -q '^unchanged' <<<"$again" || { echo "$again"; fail "profile: a rerun was not unchanged"; }
  "$wi_aws" profile remove --out "$out" --aws-config "$config" > /dev/null || fail "profile remove failed"
  cmp -s "$work/config.orig" "$config" || fail "profile: remove did not give the file back byte for byte"
  # A section of that name wi-aws did not write is refused (exit 2), then kept commented out.
  printf '[profile %s]\r\nregion = ap-south-1\r\n' "$profile" >> "$config"
  "$wi_aws" profile install --out "$out" --aws-config "$config" > /dev/null 2>&1 && fail "profile: an existing section was replaced without --force"
  "$wi_aws" profile install --out "$out" --aws-config "$config" --force > /dev/null || fail "profile install --force failed"
  grep -q "^# (wi-aws: replaced by its block below) region = ap-south-1" "$config" || fail "profile: --force did not keep the old section commented out"
  [ "$(AWS_CONFIG_FILE="$config" aws configure get role_arn --profile "$profile")" = "$role_arn" ] || fail "profile: after --force the AWS CLI reads another role_arn"
  say "profile: installed into a CRLF config the AWS CLI reads ($profile → ${role_arn##*/}), every other byte, the mode and a backup kept; rerun unchanged; removed byte for byte; a foreign section refused, then commented out with --force"
}

# aws-cli/teardown.sh on what setup.sh made: asked and answered no, nothing goes; with --yes,
# everything setup.sh created goes except the KEPT (there before, or holding data), and is gone
# from the emulator; a second run finds it all absent; setup.sh then builds it again.
run_teardown() { # run_teardown CASE KEPT…: each KEPT the start of a "kept:" line
  local case=$1 out="$work/$1" log="$work/$1-teardown" workloads kept line what name
  shift
  workloads=$(grep -c '^remove_workload ' "$out/aws-cli/teardown.sh")
  sh "$out/aws-cli/teardown.sh" < /dev/null > "$log-0.log" 2>&1 && fail "$case: teardown.sh without --yes and without a terminal went ahead"
  grep -q 'pass --yes' "$log-0.log" || fail "$case: teardown.sh did not say why it stopped"
  printf 'n\n%.0s' $(seq 1 50) | script -qec "sh '$out/aws-cli/teardown.sh'" /dev/null > "$log-1.log" 2>&1 \
    || { cat "$log-1.log"; fail "$case: teardown.sh in a terminal failed"; }
  grep -q 'delete role .*? \[y/N/a\]' "$log-1.log" || { cat "$log-1.log"; fail "$case: teardown.sh did not ask"; }
  grep -q 'teardown.sh: deleted 0,' "$log-1.log" || { cat "$log-1.log"; fail "$case: teardown.sh deleted what was refused"; }

  sh "$out/aws-cli/teardown.sh" --yes > "$log-2.log" 2>&1 || { cat "$log-2.log"; tail -40 "$work/moto.log"; fail "$case: teardown.sh --yes failed"; }
  for kept in "$@"; do
    grep -qF "kept:    $kept" "$log-2.log" || { cat "$log-2.log"; fail "$case: teardown.sh did not keep $kept"; }
  done
  [ "$(grep -c '^kept:' "$log-2.log")" = $# ] || { cat "$log-2.log"; fail "$case: teardown.sh kept more than $*"; }
  [ "$(grep -c '^deleted: role ' "$log-2.log")" = "$workloads" ] || { cat "$log-2.log"; fail "$case: not every role was deleted"; }
  [ "$(grep -c '^deleted: policy ' "$log-2.log")" = "$workloads" ] || { cat "$log-2.log"; fail "$case: not every policy was deleted"; }
  while read -r line; do
    what=${line#deleted: }; name=${what##* }
    case "$what" in
      "role "*) aws iam get-role --role-name "$name" > /dev/null 2>&1 ;;
      "policy "*) aws iam get-policy --policy-arn "$name" > /dev/null 2>&1 ;;
      "bucket "*) aws s3api head-bucket --bucket "$name" > /dev/null 2>&1 ;;
      "OIDC provider "*) aws iam get-open-id-connect-provider --open-id-connect-provider-arn "$name" > /dev/null 2>&1 ;;
      *) fail "$case: teardown.sh deleted something unknown: $what" ;;
    esac && fail "$case: teardown.sh says it deleted $what, but the emulator still has it"
  done < <(grep '^deleted: ' "$log-2.log")

  sh "$out/aws-cli/teardown.sh" --yes > "$log-3.log" 2>&1 || { cat "$log-3.log"; fail "$case: teardown.sh failed when run again"; }
  grep -q 'teardown.sh: deleted 0,' "$log-3.log" || { cat "$log-3.log"; fail "$case: the second teardown.sh found something to delete"; }
  [ "$(grep -c '^absent:  role ' "$log-3.log")" = "$workloads" ] || { cat "$log-3.log"; fail "$case: the second teardown.sh did not find the roles absent"; }

  sh "$out/aws-cli/setup.sh" > "$log-4.log" 2>&1 || { cat "$log-4.log"; fail "$case: setup.sh after teardown.sh failed"; }
  [ "$(grep -c '^created: role ' "$log-4.log")" = "$workloads" ] || { cat "$log-4.log"; fail "$case: setup.sh after teardown.sh did not create every role again"; }
  local listed
  listed=$(printf '%s, ' "$@")
  say "$case: teardown.sh asked first; with --yes it deleted $(grep -c '^deleted: ' "$log-2.log") things, kept $# (${listed%, }), and they are gone; run again, all absent; setup.sh built it again"
}

# teleport/setup.sh and teardown.sh against a stand-in tctl (tests/e2e/fake_tctl.py, the
# commands they use with Teleport's rules: no role deleted while a bot holds it, --set-roles ""
# changes nothing). Each bot has another role, ops, except ONLY_ROLE's, whose role must stay.
run_teleport() { # run_teleport CASE [ONLY_ROLE_BOT]
  local case=$1 out="$work/$1" only=${2-} log="$work/$1-teleport" bot
  export FAKE_TCTL_STATE="$work/$case-tctl"
  mkdir -p "$FAKE_TCTL_STATE/bots" "$FAKE_TCTL_STATE/resources/role"
  printf 'kind: role\nmetadata: {name: ops}\n' > "$FAKE_TCTL_STATE/resources/role/ops"
  for bot in $(awk '$1 == "remove_workload" {print $2}' "$out/teleport/teardown.sh"); do
    if [ "$bot" = "$only" ]; then : > "$FAKE_TCTL_STATE/bots/$bot"; else echo ops > "$FAKE_TCTL_STATE/bots/$bot"; fi
  done
  sh "$out/teleport/setup.sh" > "$log-setup.log" 2>&1 || { cat "$log-setup.log"; fail "$case: teleport/setup.sh failed"; }
  tctl bots ls > "$log-bots.log"
  local roles
  roles=$(awk '$1 == "remove_workload" {print $3}' "$out/teleport/teardown.sh")
  for role in $roles; do grep -q "[ ,]$role\\(,\\|$\\)" "$log-bots.log" || fail "$case: setup.sh did not give a bot $role"; done
  for token in $(awk '$1 == "remove_token" {print $2}' "$out/teleport/teardown.sh"); do
    tctl get "token/$token" > /dev/null 2>&1 || fail "$case: setup.sh did not create the join token $token"
  done
  sh "$out/teleport/teardown.sh" < /dev/null > /dev/null 2>&1 && fail "$case: teleport/teardown.sh went ahead without --yes or a terminal"
  sh "$out/teleport/teardown.sh" --yes > "$log-1.log" 2>&1 || { cat "$log-1.log"; fail "$case: teleport/teardown.sh failed"; }
  tctl bots ls > "$log-bots.log"
  for role in $roles; do
    if tctl get "role/$role" > /dev/null 2>&1; then
      [ -n "$only" ] && grep -q "^$only .* $role$" "$log-bots.log" || fail "$case: $role is still in the cluster"
    else
      grep -q "[ ,]$role\(,\|$\)" "$log-bots.log" && fail "$case: $role was deleted while a bot still holds it"
    fi
  done
  [ -z "$(ls "$FAKE_TCTL_STATE/resources/workload_identity" 2>/dev/null)" ] || fail "$case: a workload_identity is left"
  [ -z "$(ls "$FAKE_TCTL_STATE/resources/token" 2>/dev/null)" ] || fail "$case: a join token is left"
  [ -z "$only" ] || grep -q "kept:    role .* on bot $only (it is the bot's only role" "$log-1.log" || fail "$case: $only's only role was not kept saying why"
  sh "$out/teleport/teardown.sh" --yes > "$log-2.log" 2>&1 || { cat "$log-2.log"; fail "$case: teleport/teardown.sh failed when run again"; }
  grep -q 'teardown.sh: changed 0,' "$log-2.log" || { cat "$log-2.log"; fail "$case: the second teleport/teardown.sh changed something"; }
  sh "$out/teleport/setup.sh" > "$log-setup2.log" 2>&1 || { cat "$log-setup2.log"; fail "$case: teleport/setup.sh after teardown.sh failed"; }
  say "$case: teleport/setup.sh then teardown.sh on a stand-in tctl: $(grep -c '^removed: ' "$log-1.log") roles off their bots, $(grep -c '^deleted: ' "$log-1.log") resources deleted${only:+, the only role of bot $only kept}; again, nothing to change; setup.sh again"
  unset FAKE_TCTL_STATE
}

# The Roles Anywhere route. moto (5.2.5) has no rolesanywhere API, so the script's
# `aws rolesanywhere` calls go to a stand-in that keeps the API's rules and shapes
# (tests/e2e/fake_rolesanywhere.py, as fake_tctl.py stands in for tctl), and its IAM calls to
# moto. The cluster's SPIFFE CA is the demo proxy's, read by `render --proxy` as from a real
# cluster; the ARNs AWS assigns come back from setup.sh into the answers, and only then does
# verify pass. openssl verifies the demo's X.509 SVID against the bundle written for the anchor.
run_roles_anywhere() {
  local case=roles-anywhere out="$work/roles-anywhere" answers="$work/roles-anywhere.yaml"
  local ra_port
  ra_port=$(free_port)
  FAKE_RA_LOG="$work/ra-calls.log" "$venv/bin/python" tests/e2e/fake_rolesanywhere.py "$ra_port" 123456789012 > "$work/ra.log" 2>&1 &
  pids+=($!)
  wait_for "the Roles Anywhere stand-in" curl -sf "http://127.0.0.1:$ra_port/trustanchors"
  export AWS_ENDPOINT_URL_ROLESANYWHERE="http://127.0.0.1:$ra_port"
  # The example for the demo cluster, without what only the cluster and AWS know: its name,
  # version and CA bundle (render --proxy reads them), and the two ARNs.
  "$venv/bin/python" - examples/roles-anywhere.yaml "$answers" "$demo" <<'PY'
import sys, yaml
answers = yaml.safe_load(open(sys.argv[1]))
answers["teleport"]["proxy"] = sys.argv[3]
for key in ("cluster_name", "version"):
    answers["teleport"].pop(key)
for key in ("ca_bundle", "trust_anchor_arn", "profile_arn", "trust_anchor_name"):
    answers["roles_anywhere"].pop(key)
yaml.safe_dump(answers, open(sys.argv[2], "w"), sort_keys=False)
PY
  "$wi_aws" render --answers-file "$answers" --out "$out" --proxy "$demo" --ca-file "$work/demo-ca.pem" --no-verify \
    > "$work/$case-render.log" 2>&1 || { cat "$work/$case-render.log"; fail "$case: render failed"; }
  grep -q 'PENDING-known-after-apply' "$out/tbot/services.yaml" || fail "$case: tbot's file names ARNs before apply"
  if "$wi_aws" verify --out "$out" > "$work/$case-verify-pending.log" 2>&1; then
    fail "$case: verify passed a tbot file with placeholder ARNs"
  fi
  grep -q '✗ tbot arns' "$work/$case-verify-pending.log" || { cat "$work/$case-verify-pending.log"; fail "$case: verify did not name the pending ARNs"; }

  AWS_DEFAULT_REGION=eu-west-1 sh "$out/aws-cli/setup.sh" > "$work/$case-setup.log" 2>&1 \
    || { cat "$work/$case-setup.log"; tail -5 "$work/ra-calls.log"; fail "$case: aws-cli/setup.sh failed"; }
  AWS_DEFAULT_REGION=eu-west-1 sh "$out/aws-cli/setup.sh" > "$work/$case-setup2.log" 2>&1 \
    || { cat "$work/$case-setup2.log"; fail "$case: aws-cli/setup.sh failed when run again"; }
  grep -q '^exists:  trust anchor' "$work/$case-setup2.log" && grep -q '^updated: profile' "$work/$case-setup2.log" \
    || fail "$case: the second run did not find the anchor and profile the first created"
  [ "$(grep -c '"method": "POST", "path": "/trustanchors"' "$work/ra-calls.log")" = 1 ] || fail "$case: the trust anchor was created more than once"
  local anchor_arn profile_arn
  anchor_arn=$(sed -n 's/^  trust_anchor_arn: //p' "$work/$case-setup.log")
  profile_arn=$(sed -n 's/^  profile_arn: //p' "$work/$case-setup.log")
  say "$case: aws-cli/setup.sh created the trust anchor and profile (on the stand-in) and the role (on moto), and ran again cleanly"

  # What the role and the anchor hold: the anchor's ARN in the trust policy, the CA written here.
  local source_arn max_session
  source_arn=$(aws iam get-role --role-name svc-reports --query 'Role.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals."aws:SourceArn"' --output text --region eu-west-1)
  [ "$source_arn" = "$anchor_arn" ] || fail "$case: the role trusts $source_arn, not the anchor $anchor_arn"
  max_session=$(aws iam get-role --role-name svc-reports --query Role.MaxSessionDuration --output text --region eu-west-1)
  [ "$max_session" = 21600 ] || fail "$case: the role's MaxSessionDuration is $max_session"
  aws rolesanywhere get-trust-anchor --trust-anchor-id "${anchor_arn##*/}" --region eu-west-1 --output json \
    | "$venv/bin/python" -c 'import json, sys; pem = json.load(sys.stdin)["trustAnchor"]["source"]["sourceData"]["x509CertificateData"]; sys.exit(pem != open(sys.argv[1]).read())' "$out/iam/trust-anchor.pem" \
    || fail "$case: the trust anchor does not hold iam/trust-anchor.pem"
  [ "$(aws rolesanywhere list-profiles --region eu-west-1 --query 'profiles[0].[roleArns[0], durationSeconds]' --output text)" = "$(printf 'arn:aws:iam::123456789012:role/svc-reports\t21600')" ] \
    || fail "$case: the profile does not list the role for 21600 s"

  # The assigned ARNs into the answers, as setup.sh says; render and verify pass now.
  "$venv/bin/python" - "$out/answers.yaml" "$anchor_arn" "$profile_arn" <<'PY'
import sys, yaml
answers = yaml.safe_load(open(sys.argv[1]))
answers["roles_anywhere"]["trust_anchor_arn"], answers["roles_anywhere"]["profile_arn"] = sys.argv[2:4]
yaml.safe_dump(answers, open(sys.argv[1], "w"), sort_keys=False)
PY
  "$wi_aws" render --answers-file "$out/answers.yaml" --out "$out" --force > "$work/$case-render2.log" 2>&1 \
    || { cat "$work/$case-render2.log"; fail "$case: render with the assigned ARNs (and its verify) failed"; }
  grep -q "trust_anchor_arn: \"$anchor_arn\"" "$out/tbot/services.yaml" || fail "$case: tbot's file does not name $anchor_arn"
  say "$case: with the ARNs setup.sh read back, tbot's file is complete and verify passes ($(grep -c '^  ✓' "$work/$case-render2.log") checks)"

  # openssl: the demo cluster's X.509 SVID chains to the bundle written for the trust anchor.
  curl -sf --cacert "$work/demo-ca.pem" "https://$demo/demo/x509-svid?path=/svc/reports" > "$work/$case-svid.pem"
  openssl verify -CAfile "$out/iam/trust-anchor.pem" "$work/$case-svid.pem" > /dev/null 2>&1 \
    || fail "$case: openssl does not verify the demo's SVID against iam/trust-anchor.pem"
  openssl x509 -in "$work/$case-svid.pem" -noout -ext subjectAltName | grep -q 'URI:spiffe://.*/svc/reports' \
    || fail "$case: the SVID's SAN is not the SPIFFE ID"
  say "$case: openssl verifies the demo's X.509 SVID against iam/trust-anchor.pem; its SAN is the SPIFFE ID"
  # The same SVID as Roles Anywhere would take it, and the anchor against the bundle served now.
  "$wi_aws" verify --out "$out" --svid "$work/$case-svid.pem" --proxy "$demo" --ca-file "$work/demo-ca.pem" \
    > "$work/$case-live.log" 2>&1 || { cat "$work/$case-live.log"; fail "$case: verify --svid failed"; }
  grep -q '✓ svid chain' "$work/$case-live.log" && grep -q '✓ anchor bundle' "$work/$case-live.log" \
    || { cat "$work/$case-live.log"; fail "$case: verify --svid did not check the chain and the anchor"; }
  say "$case: verify --svid --proxy accepts the demo's SVID through the written anchor, which holds the served CA"
  lint "$case" "$out" read-write

  # doctor on the deployment (moto's IAM, the stand-in's anchor and profile), with credentials
  # as tbot writes them (moto's for the role) presented to STS by --assume; then one breakage
  # at a time, each named.
  aws sts assume-role --role-arn arn:aws:iam::123456789012:role/svc-reports --role-session-name e2e \
    --region eu-west-1 --output json | "$venv/bin/python" -c '
import json, sys
c = json.load(sys.stdin)["Credentials"]
print("[svc-reports]")
print("aws_access_key_id = " + c["AccessKeyId"])
print("aws_secret_access_key = " + c["SecretAccessKey"])
print("aws_session_token = " + c["SessionToken"])' > "$work/$case-credentials"
  ra_doctor() { "$wi_aws" doctor --out "$out" --credentials-file "$work/$case-credentials" "$@"; }
  ra_doctor --assume > "$work/$case-doctor.log" 2>&1 || { cat "$work/$case-doctor.log"; fail "$case: doctor failed on the healthy deployment"; }
  grep -q '✓ assume .*assumed-role/svc-reports/' "$work/$case-doctor.log" || { cat "$work/$case-doctor.log"; fail "$case: doctor --assume did not name the role"; }
  ! grep -q 'aws_secret_access_key\|SecretAccessKey' "$work/$case-doctor.log" || fail "$case: doctor printed the credentials"
  aws rolesanywhere update-profile --profile-id "${profile_arn##*/}" --role-arns arn:aws:iam::123456789012:role/someone-else --region eu-west-1 > /dev/null
  if ra_doctor > "$work/$case-doctor-profile.log" 2>&1; then fail "$case: doctor passed a profile without the role"; fi
  grep -q '✗ profile (aws) .*not arn:aws:iam::123456789012:role/svc-reports' "$work/$case-doctor-profile.log" || { cat "$work/$case-doctor-profile.log"; fail "$case: doctor did not name the profile"; }
  aws rolesanywhere update-profile --profile-id "${profile_arn##*/}" --role-arns arn:aws:iam::123456789012:role/svc-reports --region eu-west-1 > /dev/null
  aws iam update-assume-role-policy --role-name svc-reports --region eu-west-1 \
    --policy-document "$(sed 's#/svc/reports#/svc/other#' "$out/iam/trust-policy.json")"
  if ra_doctor > "$work/$case-doctor-trust.log" 2>&1; then fail "$case: doctor passed a trust policy for another SPIFFE ID"; fi
  grep -q '✗ trust policy (aws)' "$work/$case-doctor-trust.log" || { cat "$work/$case-doctor-trust.log"; fail "$case: doctor did not name the trust policy"; }
  AWS_DEFAULT_REGION=eu-west-1 sh "$out/aws-cli/setup.sh" > /dev/null 2>&1 || fail "$case: setup.sh did not repair the trust policy"
  ra_doctor > /dev/null 2>&1 || fail "$case: doctor failed on the repaired deployment"
  say "$case: doctor reads the anchor, profile and role back ($(grep -c '^  ✓' "$work/$case-doctor.log") checks, --assume names the role without printing the credentials), names a profile without the role and a trust policy for another SPIFFE ID, and passes once setup.sh repaired it"

  # teardown.sh: the profile, the role and its policy, the bucket, then the anchor; again, absent.
  sh "$out/aws-cli/teardown.sh" --yes > "$work/$case-teardown.log" 2>&1 \
    || { cat "$work/$case-teardown.log"; fail "$case: teardown.sh failed"; }
  for gone in "profile $profile_arn" "role svc-reports" "trust anchor $anchor_arn"; do
    grep -qF "deleted: $gone" "$work/$case-teardown.log" || { cat "$work/$case-teardown.log"; fail "$case: teardown did not delete $gone"; }
  done
  [ "$(aws rolesanywhere list-trust-anchors --region eu-west-1 --query 'length(trustAnchors)' --output text)" = 0 ] \
    || fail "$case: a trust anchor is left"
  sh "$out/aws-cli/teardown.sh" --yes > "$work/$case-teardown2.log" 2>&1 || fail "$case: teardown.sh failed when run again"
  grep -q '^absent:  trust anchor' "$work/$case-teardown2.log" || fail "$case: the second teardown did not find the anchor gone"
  say "$case: teardown.sh deleted the profile, role, policy, bucket and trust anchor; run again, all absent"
}

# A fleet on the route (against the same stand-in): one anchor, the `reports` profile shared by
# two workloads, billing's own; setup.sh twice, its log read back by `wi-aws arns`, teardown.
run_roles_anywhere_fleet() {
  local case=roles-anywhere-fleet out="$work/roles-anywhere-fleet" answers="$work/roles-anywhere-fleet.yaml"
  "$venv/bin/python" - examples/roles-anywhere-fleet.yaml "$answers" "$demo" <<'PY'
import sys, yaml
answers = yaml.safe_load(open(sys.argv[1]))
answers["teleport"]["proxy"] = sys.argv[3]
for key in ("cluster_name", "version"):
    answers["teleport"].pop(key)
for key in ("ca_bundle", "trust_anchor_arn", "trust_anchor_name"):
    answers["roles_anywhere"].pop(key)
for workload in answers["workloads"]:
    workload["roles_anywhere"].pop("profile_arn")
yaml.safe_dump(answers, open(sys.argv[2], "w"), sort_keys=False)
PY
  "$wi_aws" render --answers-file "$answers" --out "$out" --proxy "$demo" --ca-file "$work/demo-ca.pem" --no-verify \
    > "$work/$case-render.log" 2>&1 || { cat "$work/$case-render.log"; fail "$case: render failed"; }
  if "$wi_aws" verify --out "$out" > "$work/$case-verify-pending.log" 2>&1; then
    fail "$case: verify passed tbot files with placeholder ARNs"
  fi
  [ "$(grep -c '✗ tbot arns' "$work/$case-verify-pending.log")" = 3 ] || { cat "$work/$case-verify-pending.log"; fail "$case: verify did not name each workload's pending ARNs"; }
  local anchors_before profiles_before
  anchors_before=$(grep -c '"method": "POST", "path": "/trustanchors"' "$work/ra-calls.log")
  profiles_before=$(grep -c '"method": "POST", "path": "/profiles"' "$work/ra-calls.log")
  AWS_DEFAULT_REGION=eu-west-1 sh "$out/aws-cli/setup.sh" > "$work/$case-setup.log" 2>&1 \
    || { cat "$work/$case-setup.log"; tail -5 "$work/ra-calls.log"; fail "$case: aws-cli/setup.sh failed"; }
  AWS_DEFAULT_REGION=eu-west-1 sh "$out/aws-cli/setup.sh" > "$work/$case-setup2.log" 2>&1 \
    || { cat "$work/$case-setup2.log"; fail "$case: aws-cli/setup.sh failed when run again"; }
  [ "$(grep -c '"method": "POST", "path": "/trustanchors"' "$work/ra-calls.log")" = $((anchors_before + 1)) ] || fail "$case: not one trust anchor for the fleet"
  [ "$(grep -c '"method": "POST", "path": "/profiles"' "$work/ra-calls.log")" = $((profiles_before + 2)) ] || fail "$case: not one profile per group (reports, svc-billing)"
  local listed
  listed=$(aws rolesanywhere list-profiles --region eu-west-1 --query "profiles[?name=='reports'].roleArns[] | sort(@)" --output text)
  [ "$listed" = "$(printf 'arn:aws:iam::123456789012:role/svc-reports-reader\tarn:aws:iam::123456789012:role/svc-reports-writer')" ] \
    || fail "$case: the shared profile lists $listed after two runs"
  say "$case: aws-cli/setup.sh made one trust anchor, the shared profile listing both its roles (each once after two runs) and billing's own"

  "$wi_aws" arns --out "$out" --setup-log "$work/$case-setup2.log" > "$work/$case-arns.log" 2>&1 \
    || { cat "$work/$case-arns.log"; fail "$case: wi-aws arns (and its verify) failed"; }
  grep -q 'all 3 workloads passed' "$work/$case-arns.log" || { cat "$work/$case-arns.log"; fail "$case: verify after wi-aws arns"; }
  local billing_profile
  billing_profile=$(aws rolesanywhere list-profiles --region eu-west-1 --query "profiles[?name=='svc-billing'].profileArn | [0]" --output text)
  grep -q "profile_arn: \"$billing_profile\"" "$out/hosts/billing/tbot/services.yaml" || fail "$case: billing's tbot file does not name $billing_profile"
  say "$case: wi-aws arns read the ARNs from setup.sh's log into answers.yaml; each host's tbot file names them and verify passes with isolation"
  # doctor on one workload of the fleet: its anchor, shared profile and role read back.
  aws sts assume-role --role-arn arn:aws:iam::123456789012:role/svc-reports-reader --role-session-name e2e \
    --region eu-west-1 --output json | "$venv/bin/python" -c '
import json, sys
c = json.load(sys.stdin)["Credentials"]
print("[svc-reports-reader]")
print("aws_access_key_id = " + c["AccessKeyId"])
print("aws_secret_access_key = " + c["SecretAccessKey"])
print("aws_session_token = " + c["SessionToken"])' > "$work/$case-credentials"
  "$wi_aws" doctor --out "$out" --workload reports-reader --credentials-file "$work/$case-credentials" --assume \
    > "$work/$case-doctor.log" 2>&1 || { cat "$work/$case-doctor.log"; fail "$case: doctor --workload reports-reader failed"; }
  grep -q '✓ assume .*assumed-role/svc-reports-reader/' "$work/$case-doctor.log" || { cat "$work/$case-doctor.log"; fail "$case: doctor --assume did not name the role"; }
  say "$case: doctor --workload reports-reader reads the anchor, the shared profile and the role back ($(grep -c '^  ✓' "$work/$case-doctor.log") checks)"
  lint "$case" "$out" read-write

  sh "$out/aws-cli/teardown.sh" --yes > "$work/$case-teardown.log" 2>&1 \
    || { cat "$work/$case-teardown.log"; fail "$case: teardown.sh failed"; }
  [ "$(aws rolesanywhere list-profiles --region eu-west-1 --query 'length(profiles)' --output text)" = 0 ] || fail "$case: a profile is left"
  [ "$(aws rolesanywhere list-trust-anchors --region eu-west-1 --query 'length(trustAnchors)' --output text)" = 0 ] || fail "$case: the trust anchor is left"
  sh "$out/aws-cli/teardown.sh" --yes > "$work/$case-teardown2.log" 2>&1 || fail "$case: teardown.sh failed when run again"
  grep -q '^absent:  trust anchor' "$work/$case-teardown2.log" || fail "$case: the second teardown did not find the anchor gone"
  say "$case: teardown.sh deleted both profiles, the three roles and policies and the anchor; run again, all absent"
  unset AWS_ENDPOINT_URL_ROLESANYWHERE
}

# A role capped by a permissions boundary: setup.sh creates it with the boundary (as an SCP
# requiring one at iam:CreateRole needs), puts it back when it was taken off, and verify says
# what it cannot see of the boundary.
run_boundary() {
  local case=boundary out="$work/boundary"
  local boundary=arn:aws:iam::123456789012:policy/boundaries/workload-boundary
  aws iam create-policy --policy-name workload-boundary --path /boundaries/ --region us-east-1 \
    --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}' > /dev/null
  "$wi_aws" --answers-file tests/fixtures/boundary.yaml --out "$out" > "$work/$case-render.log" 2>&1 \
    || { cat "$work/$case-render.log"; fail "$case: render (and its verify) failed"; }
  grep -q '^  ! boundary .*what it allows is in the account' "$work/$case-render.log" \
    || { cat "$work/$case-render.log"; fail "$case: verify did not say what it cannot see of the boundary"; }
  sh "$out/aws-cli/setup.sh" > "$work/$case-setup.log" 2>&1 || { cat "$work/$case-setup.log"; fail "$case: setup.sh failed"; }
  role_boundary() { aws iam get-role --role-name svc-bounded --region us-east-1 --query Role.PermissionsBoundary.PermissionsBoundaryArn --output text; }
  [ "$(role_boundary)" = "$boundary" ] || fail "$case: the role was created without the boundary ($(role_boundary))"
  aws iam delete-role-permissions-boundary --role-name svc-bounded --region us-east-1
  sh "$out/aws-cli/setup.sh" > "$work/$case-setup2.log" 2>&1 || { cat "$work/$case-setup2.log"; fail "$case: setup.sh failed when run again"; }
  grep -q "^bounded: role svc-bounded by $boundary" "$work/$case-setup2.log" && [ "$(role_boundary)" = "$boundary" ] \
    || fail "$case: setup.sh did not put the boundary back"
  lint "$case" "$out" read-only
  sh "$out/aws-cli/teardown.sh" --yes > "$work/$case-teardown.log" 2>&1 || { cat "$work/$case-teardown.log"; fail "$case: teardown.sh failed"; }
  grep -qF 'deleted: role svc-bounded' "$work/$case-teardown.log" || { cat "$work/$case-teardown.log"; fail "$case: teardown did not delete the bounded role"; }
  aws iam delete-policy --policy-arn "$boundary" --region us-east-1
  say "$case: setup.sh created the role with the permissions boundary (moto's get-role shows it), put it back once taken off; verify says the boundary's content is the account's; teardown deleted the role"
}

# Managed policies besides the role's own: setup.sh attaches two of the account's (moto's
# list-attached-role-policies shows all three; moto loads no AWS managed policy unless told to,
# so the fixture's AWS managed one is swapped for one of the account's); teardown detaches them,
# deletes the role and its own policy, and leaves the account's policies where they were.
run_managed_policies() {
  local case=managed-policies out="$work/managed-policies"
  local own=arn:aws:iam::123456789012:policy/teams/orders/read-orders-secret
  local table=arn:aws:iam::123456789012:policy/dynamodb-read-orders
  sed "s|arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess|$table|" tests/fixtures/managed-policies.yaml > "$work/$case.yaml"
  "$wi_aws" --answers-file "$work/$case.yaml" --out "$out" > "$work/$case-render.log" 2>&1 \
    || { cat "$work/$case-render.log"; fail "$case: render (and its verify) failed"; }
  # Preflight names the policies the account lacks (iam:GetPolicy), then finds them.
  named_policies() { # named_policies STATUS: preflight's check of the named policies has it
    "$wi_aws" doctor --preflight --out "$out" --endpoint-url "$AWS_ENDPOINT_URL" --json > "$work/$case-preflight.json" 2>/dev/null || :
    "$venv/bin/python" -c '
import json, sys
checks = {c["id"]: c for c in json.load(open(sys.argv[1]))["checks"]}
c = checks["named policies"]
assert c["status"] == sys.argv[2], c
assert sys.argv[2] == "pass" or sys.argv[3] in c["detail"], c' "$work/$case-preflight.json" "$1" "$own" \
      || { cat "$work/$case-preflight.json"; fail "$case: preflight's named policies check is not $1"; }
  }
  named_policies fail
  for name_path in read-orders-secret:/teams/orders/ dynamodb-read-orders:/; do
    aws iam create-policy --policy-name "${name_path%%:*}" --path "${name_path#*:}" --region us-east-1 \
      --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}' > /dev/null
  done
  named_policies pass
  grep -q '^  ! managed policies .*verify does not read' "$work/$case-render.log" \
    || { cat "$work/$case-render.log"; fail "$case: verify did not say what it cannot see of the managed policies"; }
  sh "$out/aws-cli/setup.sh" > "$work/$case-setup.log" 2>&1 || { cat "$work/$case-setup.log"; fail "$case: setup.sh failed"; }
  sh "$out/aws-cli/setup.sh" > "$work/$case-setup2.log" 2>&1 || { cat "$work/$case-setup2.log"; fail "$case: setup.sh failed when run again"; }
  attached=$(aws iam list-attached-role-policies --role-name svc-orders --region us-east-1 --query 'AttachedPolicies[].PolicyArn' --output text | tr '\t' '\n' | sort | paste -sd ' ' -)
  [ "$attached" = "$table arn:aws:iam::123456789012:policy/svc-orders-s3-read-only $own" ] \
    || fail "$case: the role holds $attached"
  lint "$case" "$out" read-only
  sh "$out/aws-cli/teardown.sh" --yes > "$work/$case-teardown.log" 2>&1 || { cat "$work/$case-teardown.log"; fail "$case: teardown.sh failed"; }
  grep -qF 'deleted: role svc-orders' "$work/$case-teardown.log" || { cat "$work/$case-teardown.log"; fail "$case: teardown kept the role its managed policies are on"; }
  for arn in "$own" "$table"; do
    aws iam get-policy --policy-arn "$arn" --region us-east-1 > /dev/null || fail "$case: teardown deleted the account's policy $arn"
    aws iam delete-policy --policy-arn "$arn" --region us-east-1
  done
  say "$case: preflight named the account's missing policies, then found them; setup.sh attached two of the account's managed policies besides the role's own, twice (moto lists the three); verify says what it cannot see of them; teardown detached them, deleted the role and kept the account's policies"
}

# A workload under an organisation's rules (tests/fixtures/tagged-bounded-4h.yaml): setup.sh
# creates the role with the boundary, the tags and sessions of 4 hours (moto's get-role shows
# them), tags the bucket and the policy too, and teardown removes it all. moto loads no AWS
# managed policy unless told to: the fixture's is swapped for one of the account's.
run_organisation() {
  local case=organisation out="$work/organisation"
  local boundary=arn:aws:iam::123456789012:policy/boundaries/workload-boundary
  local table=arn:aws:iam::123456789012:policy/dynamodb-read-orders
  aws iam create-policy --policy-name workload-boundary --path /boundaries/ --region us-east-1 \
    --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","dynamodb:*"],"Resource":"*"}]}' > /dev/null
  aws iam create-policy --policy-name dynamodb-read-orders --region us-east-1 \
    --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}' > /dev/null
  sed "s|arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess|$table|" tests/fixtures/tagged-bounded-4h.yaml > "$work/$case.yaml"
  "$wi_aws" --answers-file "$work/$case.yaml" --out "$out" > "$work/$case-render.log" 2>&1 \
    || { cat "$work/$case-render.log"; fail "$case: render (and its verify) failed"; }
  grep -q '^  ✓ tags ' "$work/$case-render.log" && grep -q '^  ✓ max session ' "$work/$case-render.log" \
    || { cat "$work/$case-render.log"; fail "$case: verify did not check the tags and the session"; }
  sh "$out/aws-cli/setup.sh" > "$work/$case-setup.log" 2>&1 || { cat "$work/$case-setup.log"; fail "$case: setup.sh failed"; }
  aws iam get-role --role-name svc-orders --region us-east-1 --output json > "$work/$case-role.json"
  "$venv/bin/python" -c '
import json, sys
role = json.load(open(sys.argv[1]))["Role"]
tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == sys.argv[2], role
assert role["MaxSessionDuration"] == 14400, role
assert tags == {"created-by": "wi-aws", "team": "payments", "cost-center": "1234", "Name": "Orders service"}, tags' \
    "$work/$case-role.json" "$boundary" || { cat "$work/$case-role.json"; fail "$case: the role lacks the boundary, the session or the tags"; }
  [ "$(aws s3api get-bucket-tagging --bucket orders-data --region us-east-1 --query "TagSet[?Key=='Name'].Value" --output text)" = "Orders service" ] \
    || fail "$case: the bucket lacks the tags"
  [ "$(aws iam list-policy-tags --policy-arn arn:aws:iam::123456789012:policy/svc-orders-s3-read-only --region us-east-1 --query "Tags[?Key=='team'].Value" --output text)" = payments ] \
    || fail "$case: the policy lacks the tags"
  sh "$out/aws-cli/setup.sh" > "$work/$case-setup2.log" 2>&1 || { cat "$work/$case-setup2.log"; fail "$case: setup.sh failed when run again"; }
  lint "$case" "$out" read-only
  sh "$out/aws-cli/teardown.sh" --yes > "$work/$case-teardown.log" 2>&1 || { cat "$work/$case-teardown.log"; fail "$case: teardown.sh failed"; }
  grep -qF 'deleted: role svc-orders' "$work/$case-teardown.log" && grep -qF 'deleted: bucket orders-data' "$work/$case-teardown.log" \
    || { cat "$work/$case-teardown.log"; fail "$case: teardown did not delete the role and the bucket"; }
  aws iam delete-policy --policy-arn "$boundary" --region us-east-1
  aws iam delete-policy --policy-arn "$table" --region us-east-1
  say "$case: setup.sh created the role with the boundary, the tags (a value with a space included) and sessions of 14400 s, and tagged the bucket and the policy (moto shows each), twice; teardown removed them"
}

# A DynamoDB-only workload (access none, its own policy file, no bucket) under an
# organisation's rules, through setup.sh on moto: the role shows the boundary, the session and
# the tags, and its policy is the file's statements exactly; parliament lints the file as given
# and as merged; teardown removes what setup.sh made.
run_policy_file() {
  local case=policy-file out="$work/policy-file"
  local boundary=arn:aws:iam::123456789012:policy/boundaries/workload-boundary
  aws iam create-policy --policy-name workload-boundary --path /boundaries/ --region us-east-1 \
    --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}' > /dev/null
  mkdir -p "$work/$case-answers"
  cp tests/fixtures/dynamodb-policy-file.yaml tests/fixtures/orders-table.json "$work/$case-answers/"
  "$wi_aws" --answers-file "$work/$case-answers/dynamodb-policy-file.yaml" --out "$out" > "$work/$case-render.log" 2>&1 \
    || { cat "$work/$case-render.log"; fail "$case: render (and its verify) failed"; }
  grep -q '^  ✓ permissions .*allows dynamodb:GetItem.*denies dynamodb:DeleteTable on \*' "$work/$case-render.log" \
    || { cat "$work/$case-render.log"; fail "$case: verify did not evaluate the policy file"; }
  sh "$out/aws-cli/setup.sh" > "$work/$case-setup.log" 2>&1 || { cat "$work/$case-setup.log"; fail "$case: setup.sh failed"; }
  if grep -q 'bucket' "$work/$case-setup.log"; then cat "$work/$case-setup.log"; fail "$case: setup.sh touched a bucket with access none"; fi
  aws iam get-role --role-name svc-orders --region eu-west-2 --output json > "$work/$case-role.json"
  "$venv/bin/python" -c '
import json, sys
role = json.load(open(sys.argv[1]))["Role"]
tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == sys.argv[2], role
assert role["MaxSessionDuration"] == 14400, role
assert tags == {"created-by": "wi-aws", "team": "payments", "Name": "Orders service"}, tags' \
    "$work/$case-role.json" "$boundary" || { cat "$work/$case-role.json"; fail "$case: the role lacks the boundary, the session or the tags"; }
  aws iam get-policy-version --policy-arn arn:aws:iam::123456789012:policy/svc-orders-policy --version-id v1 \
    --region eu-west-2 --output json > "$work/$case-policy.json"
  "$venv/bin/python" -c '
import json, sys, urllib.parse
document = json.load(open(sys.argv[1]))["PolicyVersion"]["Document"]
if isinstance(document, str):
    document = json.loads(urllib.parse.unquote(document))
given = json.load(open(sys.argv[2]))
assert document["Statement"] == given["Statement"], document' \
    "$work/$case-policy.json" tests/fixtures/orders-table.json \
    || { cat "$work/$case-policy.json"; fail "$case: the deployed policy is not the policy file's statements"; }
  [ "$(aws iam list-attached-role-policies --role-name svc-orders --region eu-west-2 --query 'AttachedPolicies[].PolicyName' --output text)" = svc-orders-policy ] \
    || fail "$case: the role's own policy is not attached"
  sh "$out/aws-cli/setup.sh" > "$work/$case-setup2.log" 2>&1 || { cat "$work/$case-setup2.log"; fail "$case: setup.sh failed when run again"; }
  lint "$case" "$out" none
  sh "$out/aws-cli/teardown.sh" --yes > "$work/$case-teardown.log" 2>&1 || { cat "$work/$case-teardown.log"; fail "$case: teardown.sh failed"; }
  grep -qF 'deleted: role svc-orders' "$work/$case-teardown.log" \
    || { cat "$work/$case-teardown.log"; fail "$case: teardown did not delete the role"; }
  aws iam delete-policy --policy-arn "$boundary" --region us-east-1
  say "$case: a DynamoDB-only policy file with a boundary, tags and 4-hour sessions: verify evaluated it, setup.sh created the role (boundary, 14400 s and tags on moto) with the file's statements as its policy and no bucket, twice; parliament, checkov and terraform fmt passed; teardown removed it"
}

# doctor --preflight on moto before apply: a healthy account passes with the account's own
# role quota; a role whose name differs only in case, and a provider that exists while the
# answers create it, are each named.
# tbot.runs_on: kubernetes, on both routes and in a fleet. No Kubernetes cluster is at hand:
# kubernetes-validate (PyPI; it ships the Kubernetes API's JSON schemas) checks the Secret, the
# service account and the example Deployment strictly, and the patch both alone (strict, nothing
# required) and merged into a Deployment as `kubectl patch --type strategic` merges it
# (tests/e2e/validate_kubernetes.py). The join token goes through teleport/setup.sh and
# teardown.sh on the stand-in tctl.
run_kubernetes() {
  local case out
  sed -e 's|^  output_dir: /opt/workload-identity$|  runs_on: kubernetes\n  output_dir: /var/run/secrets/workload-identity\n  namespace: reports|' \
    examples/fleet.yaml > "$work/kubernetes-fleet.yaml"
  grep -q 'runs_on: kubernetes' "$work/kubernetes-fleet.yaml" || fail "kubernetes: the fleet example changed: cannot put it on Kubernetes"
  for case in kubernetes roles-anywhere-kubernetes kubernetes-fleet kubernetes-operator; do
    out="$work/$case"
    local answers="examples/$case.yaml"
    [ "$case" = kubernetes-fleet ] && answers="$work/kubernetes-fleet.yaml"
    [ "$case" = kubernetes-operator ] && answers="tests/fixtures/kubernetes-operator.yaml"
    "$wi_aws" --answers-file "$answers" --out "$out" > "$work/$case-render.log" 2>&1 \
      || { cat "$work/$case-render.log"; fail "$case: render (and its verify) failed"; }
    grep -q '✓ join token\|passed' "$work/$case-render.log" || { cat "$work/$case-render.log"; fail "$case: verify did not run"; }
    local folders=("$out/kubernetes")
    [ "$case" = kubernetes-fleet ] && folders=("$out"/kubernetes/*/)
    for folder in "${folders[@]}"; do
      "$venv/bin/kubernetes-validate" --strict --quiet "$folder/deployment.yaml" "$folder/secret.yaml" "$folder/service-account.yaml" \
        || fail "$case: kubernetes-validate refused a manifest of $folder"
      "$venv/bin/python" tests/e2e/validate_kubernetes.py "$folder" >> "$work/$case-validate.log" \
        || fail "$case: the patch of $folder is not valid Deployment content"
      sh -n "$folder/setup.sh" && sh -n "$folder/teardown.sh" || fail "$case: a script of $folder does not parse"
    done
    "$wi_aws" verify --out "$out" > /dev/null || fail "$case: verify failed on the written set"
  done
  run_teleport kubernetes
  run_teleport kubernetes-fleet
  [ -f "$work/kubernetes-operator/teleport/operator/join-token.yaml" ] || fail "kubernetes-operator: no operator join token"
  say "kubernetes: 3 sets and a fleet of 3 verify (one with the Teleport operator's objects); kubernetes-validate accepts their 18 manifests and 6 patches (alone and merged into a Deployment); the join tokens of tctl's sets are created and removed by the Teleport scripts"

  # teleport.as_code: terraform, one workload on a host and the fleet on Kubernetes with its
  # bots owned: teleport/main.tf passes checkov and terraform fmt, verify reads it.
  sed -e 's|^  version: 17.4.2$|  version: 17.4.2\n  as_code: terraform\n  manage_bot: true|' \
    "$work/kubernetes-fleet.yaml" > "$work/teleport-terraform-fleet.yaml"
  grep -q 'as_code: terraform' "$work/teleport-terraform-fleet.yaml" || fail "teleport-terraform: the fleet example changed"
  for case in teleport-terraform teleport-terraform-fleet; do
    out="$work/$case"
    local answers="examples/$case.yaml"
    [ "$case" = teleport-terraform-fleet ] && answers="$work/$case.yaml"
    "$wi_aws" --answers-file "$answers" --out "$out" > "$work/$case-render.log" 2>&1 \
      || { cat "$work/$case-render.log"; fail "$case: render (and its verify) failed"; }
    [ -f "$out/teleport/main.tf" ] && [ ! -e "$out/teleport/setup.sh" ] || fail "$case: teleport/main.tf does not replace tctl's files"
    grep -q 'resource "teleport_workload_identity"' "$out/teleport/main.tf" || fail "$case: no teleport_workload_identity"
    lint "$case" "$out" write-only
  done
  say "teleport-terraform: one workload and a Kubernetes fleet with its bots: teleport/main.tf verifies, checkov and terraform fmt pass"
}

run_preflight() {
  local case=preflight out="$work/preflight"
  cat > "$work/preflight.yaml" <<'YAML'
version: 1
teleport: {proxy: preflight.example.com, spiffe_path: /svc/preflight, bot: preflight-bot, version: 17.4.2}
aws: {account_id: "123456789012", region: us-east-1, bucket: preflight-bucket, access: read-only, role_name: PreflightRole, thumbprints: [9e99a48a9960b14926bb7f3b02e22da2b0ab7280]}
YAML
  "$wi_aws" --answers-file "$work/preflight.yaml" --out "$out" > "$work/$case-render.log" 2>&1 \
    || { cat "$work/$case-render.log"; fail "$case: render failed"; }
  preflight() { "$wi_aws" doctor --preflight --out "$out" --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }
  preflight > "$work/$case-healthy.log" 2>&1 || { cat "$work/$case-healthy.log"; fail "$case: preflight failed on a healthy account"; }
  grep -q '✓ roles quota .*this set adds 1 roles; the account has [0-9]* of 1000' "$work/$case-healthy.log" \
    || { cat "$work/$case-healthy.log"; fail "$case: preflight did not give the account's role quota"; }
  aws iam create-role --role-name preflightrole --region us-east-1 \
    --assume-role-policy-document '{"Version":"2012-10-17","Statement":[]}' > /dev/null
  if preflight > "$work/$case-case.log" 2>&1; then fail "$case: preflight passed a role name taken in another case"; fi
  grep -q '✗ role names .*PreflightRole (the account has preflightrole)' "$work/$case-case.log" \
    || { cat "$work/$case-case.log"; fail "$case: preflight did not name the role taken in another case"; }
  aws iam delete-role --role-name preflightrole --region us-east-1
  aws iam create-open-id-connect-provider --url https://preflight.example.com/workload-identity --region us-east-1 \
    --client-id-list sts.amazonaws.com --thumbprint-list 9e99a48a9960b14926bb7f3b02e22da2b0ab7280 > /dev/null
  if preflight --json > "$work/$case-provider.json" 2>/dev/null; then fail "$case: preflight passed a provider that exists while the answers create it"; fi
  "$venv/bin/python" -c '
import json, sys
checks = {c["id"]: c for c in json.load(open(sys.argv[1]))["checks"]}
c = checks["oidc provider"]
assert c["status"] == "fail" and "oidc_provider: existing" in c["fix"], c' "$work/$case-provider.json" \
    || { cat "$work/$case-provider.json"; fail "$case: preflight --json did not name the provider with the fix"; }
  aws iam delete-open-id-connect-provider --region us-east-1 \
    --open-id-connect-provider-arn arn:aws:iam::123456789012:oidc-provider/preflight.example.com/workload-identity
  preflight > /dev/null 2>&1 || fail "$case: preflight failed once the planted problems were gone"
  say "$case: doctor --preflight passes a healthy account (the account's own role quota), names a role taken in another case and a provider that exists while the answers create it (with the one-line change), and passes again once they are gone"
}

# The stand-in tctl, first on PATH for run_teleport.
mkdir -p "$work/bin"
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$root/$venv/bin/python" "$root/tests/e2e/fake_tctl.py" > "$work/bin/tctl"
chmod +x "$work/bin/tctl"
export PATH="$work/bin:$PATH"
command -v script > /dev/null || fail "script (util-linux) is not on PATH; it gives teardown.sh a terminal to ask on"

run_case guide tests/e2e/guide.yaml
run_profile
run_teleport guide
run_teardown guide "bucket workload-id-demo"
run_case gov-readonly-existing tests/e2e/gov-readonly-existing.yaml
run_teardown gov-readonly-existing "OIDC provider"
run_fleet
run_teleport fleet billing
run_teardown fleet "bucket example-reports" "OIDC provider"
# The guide's role, set up again above, trusts the same provider: that is why it stayed.
grep -q '^kept:    OIDC provider .*(roles still trust it: workload-id-demo)$' "$work/fleet-teardown-2.log" \
  || fail "fleet: the provider was not kept for the guide's role that still trusts it"
run_doctor
run_boundary
run_managed_policies
run_organisation
run_policy_file
run_kubernetes
run_preflight
run_roles_anywhere
run_roles_anywhere_fleet
say "passed in $(( $(date +%s) - started ))s"
