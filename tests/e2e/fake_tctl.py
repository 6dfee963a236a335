"""A stand-in for `tctl`, for the end-to-end test of teleport/setup.sh and teardown.sh: the
commands they use, with the rules of Teleport's own that their order depends on. State lives
in $FAKE_TCTL_STATE as one file per resource and one per bot (its roles, comma-separated).

- `create -f FILE` writes the resource (kind and metadata.name from the YAML), overwriting.
- `get KIND/NAME` and `rm KIND/NAME` fail with `KIND "NAME" is not found` when it is missing.
- `rm role/NAME` fails while a bot holds the role (Teleport refuses to delete a role in use).
- `bots ls` prints tctl's table (bot, user, roles).
- `bots update BOT --add-roles R` / `--set-roles R`: an empty value changes nothing (tctl reads
  it as unset), and every role the bot would hold must exist.
"""
import os
import sys

import yaml

state = os.environ["FAKE_TCTL_STATE"]


def fail(message):
    print(f"ERROR: {message}", file=sys.stderr)
    sys.exit(1)


def resource_path(ref):
    kind, _, name = ref.partition("/")
    if not kind or not name:
        fail(f"expected KIND/NAME, got {ref!r}")
    return os.path.join(state, "resources", kind, name), kind, name


def bots():
    folder = os.path.join(state, "bots")
    os.makedirs(folder, exist_ok=True)
    found = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name)) as f:
            found[name] = [r for r in f.read().strip().split(",") if r]
    return found


def save_bot(name, roles):
    with open(os.path.join(state, "bots", name), "w") as f:
        f.write(",".join(roles))


def main(args):
    if args[:2] == ["create", "-f"] and len(args) == 3:
        with open(args[2]) as f:
            doc = yaml.safe_load(f)
        path, _, _ = resource_path(f"{doc['kind']}/{doc['metadata']['name']}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            yaml.safe_dump(doc, f)
        print(f"{doc['kind']} \"{doc['metadata']['name']}\" has been created")
    elif args[:1] in (["get"], ["rm"]) and len(args) == 2:
        path, kind, name = resource_path(args[1])
        if not os.path.exists(path):
            fail(f'{kind} "{name}" is not found')
        if args[0] == "get":
            with open(path) as f:
                print(f.read(), end="")
        else:
            if kind == "role" and any(name in roles for roles in bots().values()):
                fail("failed to delete role that still in use by a user. Check system server logs for more details.")
            os.remove(path)
            print(f'{kind} "{name}" has been deleted')
    elif args == ["bots", "ls"]:
        print("Bot User Roles")
        print("--- ---- -----")
        for name, roles in bots().items():
            print(f"{name} bot-{name} {','.join(roles)}")
    elif args[:2] == ["bots", "update"] and len(args) == 5 and args[3] in ("--add-roles", "--set-roles"):
        name, flag, value = args[2], args[3], args[4]
        current = bots()
        if name not in current:
            fail(f'bot "{name}" not found')
        given = [r.strip() for r in value.split(",") if r.strip()]
        if not given:
            return
        desired = sorted(set(current[name]) | set(given)) if flag == "--add-roles" else sorted(set(given))
        for role in desired:
            if not os.path.exists(os.path.join(state, "resources", "role", role)):
                fail(f'role "{role}" is not found')
        save_bot(name, desired)
    else:
        fail(f"the stand-in does not know: tctl {' '.join(args)}")


main(sys.argv[1:])
