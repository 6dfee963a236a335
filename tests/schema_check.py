"""Validates documents against wi-aws's answers schema with an independent implementation
(the Python jsonschema package): reads {"schema": ..., "documents": {name: document}} on stdin,
prints {name: [messages]} (an empty list: valid)."""
import json
import sys

import jsonschema

given = json.load(sys.stdin)
validator = jsonschema.Draft202012Validator(given["schema"])
jsonschema.Draft202012Validator.check_schema(given["schema"])
print(json.dumps({
    name: [error.message for error in validator.iter_errors(document)]
    for name, document in given["documents"].items()
}))
