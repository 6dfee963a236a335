"""Validates a set's Kubernetes manifests with kubernetes-validate (PyPI), which ships the
Kubernetes API's JSON schemas, offline.

Usage: validate_kubernetes.py DIR...  (each a set's kubernetes/ directory)

- The Secret, the service account and the example Deployment: as they are, strictly (no
  property the API does not know).
- The Deployment patch: strictly but without the schema's `required` (a patch is a part of a
  Deployment: it leaves out the selector and the image), and then merged into a Deployment the
  way `kubectl patch --type strategic` merges it (lists of containers, volumes and env by name,
  volumeMounts by mountPath): the result must be a valid Deployment, keep what the Deployment
  had, and give the container what the patch gives.
"""

import copy
import sys

import yaml
from kubernetes_validate import utils

# The newest schemas it ships, e.g. "1.37.0".
VERSION = utils.latest_version()

# The merge keys of the lists a patch of a Pod template touches (Kubernetes API,
# `patchMergeKey` of PodSpec.containers/volumes, Container.env/volumeMounts).
MERGE_KEYS = {"containers": "name", "volumes": "name", "env": "name", "volumeMounts": "mountPath"}


def strategic_merge(base, patch):
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            if key in MERGE_KEYS and isinstance(value, list):
                merged[key] = merge_list(base.get(key, []), value, MERGE_KEYS[key])
            elif key in base:
                merged[key] = strategic_merge(base[key], value)
            else:
                merged[key] = copy.deepcopy(value)
        return merged
    return copy.deepcopy(patch)


def merge_list(base, patch, key):
    merged = [copy.deepcopy(item) for item in base]
    for item in patch:
        for index, existing in enumerate(merged):
            if existing.get(key) == item.get(key):
                merged[index] = strategic_merge(existing, item)
                break
        else:
            merged.append(copy.deepcopy(item))
    return merged


def without_required(schema):
    if isinstance(schema, dict):
        return {k: without_required(v) for k, v in schema.items() if k != "required"}
    if isinstance(schema, list):
        return [without_required(v) for v in schema]
    return schema


def validate_partial(document):
    """The strict schema of the document's kind, with nothing required."""
    import jsonschema
    import referencing

    folder = f"kubernetes-json-schema/v{VERSION}-local-strict"
    api = document["apiVersion"].split("/")[0].split(".")[0] + "-" + document["apiVersion"].split("/")[-1]
    schema = without_required(utils.schema_contents(f"{folder}/{document['kind'].lower()}-{api}.json", VERSION))
    definitions = without_required(utils.schema_contents(f"{folder}/_definitions.json", VERSION))
    registry = referencing.Resource.from_contents(schema) @ referencing.Registry()
    registry = referencing.Resource.from_contents(definitions) @ registry
    jsonschema.validators.Draft202012Validator(schema, registry=registry).validate(document)


def load(path):
    with open(path) as file:
        return yaml.safe_load(file)


def the_users_deployment(example, container):
    """A Deployment as a user has it before the patch: another sidecar container, its own
    volume and environment, none of what the patch adds."""
    deployment = copy.deepcopy(example)
    pod = deployment["spec"]["template"]
    pod["metadata"].pop("annotations", None)
    spec = pod["spec"]
    spec.pop("serviceAccountName", None)
    spec["volumes"] = [{"name": "cache", "emptyDir": {}}]
    spec["containers"] = [
        {"name": container, "image": "example.com/app:1.0", "env": [{"name": "LOG_LEVEL", "value": "info"}],
         "volumeMounts": [{"name": "cache", "mountPath": "/cache"}]},
        {"name": "sidecar", "image": "example.com/sidecar:1.0"},
    ]
    return deployment


def check_set(folder):
    for name in ("deployment.yaml", "secret.yaml", "service-account.yaml"):
        utils.validate(load(f"{folder}/{name}"), VERSION, strict=True)
    patch = load(f"{folder}/deployment-patch.yaml")
    validate_partial(patch)
    example = load(f"{folder}/deployment.yaml")
    container = patch["spec"]["template"]["spec"]["containers"][0]["name"]
    users = the_users_deployment(example, container)
    merged = strategic_merge(users, patch)
    utils.validate(merged, VERSION, strict=True)
    spec = merged["spec"]["template"]["spec"]
    names = [c["name"] for c in spec["containers"]]
    assert names == [container, "sidecar"], names
    ours = spec["containers"][0]
    env = {e["name"] for e in ours["env"]}
    wanted = {e["name"] for e in patch["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "LOG_LEVEL" in env and wanted <= env, env
    mounts = {m["mountPath"] for m in ours["volumeMounts"]}
    assert "/cache" in mounts and len(mounts) == 2, mounts
    assert {v["name"] for v in spec["volumes"]} == {"cache", "workload-identity"}, spec["volumes"]
    assert spec["serviceAccountName"] == patch["spec"]["template"]["spec"]["serviceAccountName"]
    print(f"validate_kubernetes: {folder}: 3 manifests and the patch (alone, and merged into a Deployment) pass Kubernetes {VERSION}'s schemas")


if __name__ == "__main__":
    for folder in sys.argv[1:]:
        check_set(folder)
