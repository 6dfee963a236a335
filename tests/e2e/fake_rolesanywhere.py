"""A stand-in for the IAM Roles Anywhere API, for the end-to-end test of aws-cli/setup.sh and
teardown.sh on the roles-anywhere route: moto (5.2.5) has no rolesanywhere module. It serves
the REST-JSON operations the scripts call, at the paths and in the shapes of AWS's API
reference (the same the AWS CLI's botocore model has), and keeps the documented rules the
scripts depend on:

- names: 1 to 255 characters of `[ a-zA-Z0-9-_]` (CreateTrustAnchor, CreateProfile `name`);
- a trust anchor's `source`: `sourceType` CERTIFICATE_BUNDLE with `x509CertificateData` of 1 to
  8,000 characters, which must be a CA certificate (Roles Anywhere refuses a leaf);
- a profile's `roleArns`: 1 to 50 IAM role ARNs; `durationSeconds` 900 to 43,200 (default 3,600);
- ARNs `arn:aws:rolesanywhere:REGION:ACCOUNT:trust-anchor/UUID` (and `profile/UUID`), where AWS
  assigns the UUID;
- an unknown ID is ResourceNotFoundException (404); a bad input ValidationException (400).

Requests are not authenticated (the AWS CLI signs them; nothing checks the signature). State
lives in memory; every call is appended to $FAKE_RA_LOG as one JSON line, for the test to read.
Usage: fake_rolesanywhere.py PORT ACCOUNT
"""
import datetime
import json
import os
import re
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cryptography import x509

PORT = int(sys.argv[1])
ACCOUNT = sys.argv[2]
NAME = re.compile(r"^[ a-zA-Z0-9_-]{1,255}$")
ROLE_ARN = re.compile(r"^arn:aws(-[^:]+)?:iam(:.*){2}(:role.*)$")
anchors = {}
profiles = {}
tags = {}


class Refused(Exception):
    def __init__(self, status, kind, message):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def validation(message):
    return Refused(400, "ValidationException", message)


def check_name(body):
    name = body.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise validation(f"name {name!r} must be 1 to 255 characters of [ a-zA-Z0-9-_]")
    return name


def check_source(source):
    if not isinstance(source, dict) or source.get("sourceType") != "CERTIFICATE_BUNDLE":
        raise validation("source.sourceType must be CERTIFICATE_BUNDLE (the only one this stand-in keeps)")
    pem = (source.get("sourceData") or {}).get("x509CertificateData")
    if not isinstance(pem, str) or not 1 <= len(pem) <= 8000:
        raise validation("sourceData.x509CertificateData must be 1 to 8000 characters")
    try:
        certificates = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as error:
        raise validation(f"x509CertificateData is not PEM certificates: {error}")
    for certificate in certificates:
        try:
            constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
        except x509.ExtensionNotFound:
            raise validation("the trust anchor certificate is not a CA (no basicConstraints)")
        if not constraints.value.ca:
            raise validation("the trust anchor certificate is not a CA")
    return pem


def check_profile_fields(body, profile):
    if "roleArns" in body or "roleArns" not in profile:
        roles = body.get("roleArns")
        if not isinstance(roles, list) or not 1 <= len(roles) <= 50:
            raise validation("roleArns must list 1 to 50 role ARNs")
        for arn in roles:
            if not isinstance(arn, str) or not ROLE_ARN.match(arn):
                raise validation(f"roleArns: {arn!r} is not an IAM role ARN")
        profile["roleArns"] = roles
    if "durationSeconds" in body:
        seconds = body["durationSeconds"]
        if not isinstance(seconds, int) or not 900 <= seconds <= 43200:
            raise validation("durationSeconds must be 900 to 43200")
        profile["durationSeconds"] = seconds
    profile.setdefault("durationSeconds", 3600)


def arn(region, kind, ident):
    return f"arn:aws:rolesanywhere:{region}:{ACCOUNT}:{kind}/{ident}"


def found(table, ident, kind):
    if ident not in table:
        raise Refused(404, "ResourceNotFoundException", f"{kind} {ident} not found")
    return table[ident]


def route(method, path, query, body, region):
    parts = [p for p in path.split("/") if p]
    if method == "POST" and parts == ["trustanchors"]:
        name = check_name(body)
        pem = check_source(body.get("source"))
        ident = str(uuid.uuid4())
        anchor = {
            "trustAnchorId": ident,
            "trustAnchorArn": arn(region, "trust-anchor", ident),
            "name": name,
            "enabled": bool(body.get("enabled", False)),
            "source": {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": pem}},
            "createdAt": now(),
            "updatedAt": now(),
        }
        anchors[ident] = anchor
        tags[anchor["trustAnchorArn"]] = body.get("tags", [])
        return 201, {"trustAnchor": anchor}
    if method == "GET" and parts == ["trustanchors"]:
        return 200, {"trustAnchors": list(anchors.values())}
    if len(parts) == 2 and parts[0] == "trustanchor":
        anchor = found(anchors, parts[1], "trust anchor")
        if method == "GET":
            return 200, {"trustAnchor": anchor}
        if method == "DELETE":
            del anchors[parts[1]]
            tags.pop(anchor["trustAnchorArn"], None)
            return 200, {"trustAnchor": anchor}
    if method == "POST" and parts == ["profiles"]:
        profile = {"name": check_name(body)}
        check_profile_fields(body, profile)
        ident = str(uuid.uuid4())
        profile.update(
            profileId=ident,
            profileArn=arn(region, "profile", ident),
            enabled=bool(body.get("enabled", False)),
            createdAt=now(),
            updatedAt=now(),
        )
        profiles[ident] = profile
        tags[profile["profileArn"]] = body.get("tags", [])
        return 201, {"profile": profile}
    if method == "GET" and parts == ["profiles"]:
        return 200, {"profiles": list(profiles.values())}
    if len(parts) == 2 and parts[0] == "profile":
        profile = found(profiles, parts[1], "profile")
        if method == "GET":
            return 200, {"profile": profile}
        if method == "PATCH":
            check_profile_fields(body, profile)
            profile["updatedAt"] = now()
            return 200, {"profile": profile}
        if method == "DELETE":
            del profiles[parts[1]]
            tags.pop(profile["profileArn"], None)
            return 200, {"profile": profile}
    if method == "GET" and parts == ["ListTagsForResource"]:
        resource = (query.get("resourceArn") or [""])[0]
        if resource not in tags:
            raise Refused(404, "ResourceNotFoundException", f"{resource} not found")
        return 200, {"tags": tags[resource]}
    raise validation(f"this stand-in does not serve {method} {path}")


class Handler(BaseHTTPRequestHandler):
    def handle_any(self):
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        # The region is in the request's SigV4 scope: Credential=KEY/DATE/REGION/SERVICE/...
        scope = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", self.headers.get("Authorization", ""))
        region = scope.group(1) if scope else "us-east-1"
        try:
            body = json.loads(raw) if raw else {}
            status, answer = route(self.command, url.path, parse_qs(url.query), body, region)
        except Refused as refused:
            status, answer = refused.status, {"message": refused.message}
            self.log_call(url, body if raw else {}, status, refused.kind)
            self.reply(status, answer, refused.kind)
            return
        except json.JSONDecodeError:
            status, answer = 400, {"message": "the body is not JSON"}
            self.reply(status, answer, "ValidationException")
            return
        self.log_call(url, body, status, None)
        self.reply(status, answer, None)

    def log_call(self, url, body, status, error):
        log = os.environ.get("FAKE_RA_LOG")
        if log:
            with open(log, "a") as f:
                f.write(json.dumps({"method": self.command, "path": url.path, "query": url.query,
                                    "body": body, "status": status, "error": error}) + "\n")

    def reply(self, status, answer, error):
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = handle_any

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
