#!/usr/bin/env python3
"""check_json.py: checks JSON documents against one of keyart's schemas (docs/schemas)
and the number rules docs/json.md adds that a schema cannot say: every time (a number
whose member name ends in _s or _at, or is ts) has at most 3 decimals as printed.

    check_json.py SCHEMA FILE...     (FILE "-" reads standard input)

Numbers are read as printed (decimal.Decimal), so 9.5419999999999998 is caught even
though it is the same double as 9.542, and 323.0 is not an integer. References between
schema files ("common.schema.json#/$defs/...") resolve in the schema's folder, never
on the network. Runs on Debian's python3-jsonschema (4.10) and on later releases.
Exit 0 when every FILE passes, 1 when one does not, 2 on a usage or schema error."""
import decimal
import glob
import inspect
import json
import os
import pathlib
import re
import sys

import jsonschema

TIME_NAME = re.compile(r"(_s|_at)$|^ts$")


def load(path):
    text = sys.stdin.read() if path == "-" else pathlib.Path(path).read_text()
    return json.loads(text, parse_float=decimal.Decimal)


def schema_store(folder):
    """Every schema of the folder by its file URI (the base its relative refs use)."""
    store = {}
    for p in sorted(glob.glob(os.path.join(folder, "*.schema.json"))):
        store[pathlib.Path(p).resolve().as_uri()] = json.loads(pathlib.Path(p).read_text())
    return store


def validator_for(schema_path):
    uri = pathlib.Path(schema_path).resolve().as_uri()
    store = schema_store(os.path.dirname(os.path.abspath(schema_path)))
    schema = store.get(uri) or json.loads(pathlib.Path(schema_path).read_text())
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    if "registry" in inspect.signature(cls).parameters:    # jsonschema >= 4.18
        import referencing
        import referencing.jsonschema
        spec = referencing.jsonschema.specification_with(
            schema.get("$schema", "https://json-schema.org/draft/2020-12/schema"))
        registry = referencing.Registry().with_resources(
            (u, referencing.Resource.from_contents(s, default_specification=spec))
            for u, s in store.items())
        return cls({**schema, "$id": uri}, registry=registry)
    resolver = jsonschema.RefResolver(base_uri=uri, referrer=schema, store=store)  # 4.10
    return cls(schema, resolver=resolver)


def time_problems(doc, path="$"):
    """Times printed with more than 3 decimals."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            p = f"{path}.{k}"
            if TIME_NAME.search(k) and isinstance(v, decimal.Decimal):
                if v.as_tuple().exponent < -3:
                    yield f"{p}: the time {v} has more than 3 decimals"
            yield from time_problems(v, p)
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from time_problems(v, f"{path}[{i}]")


def where(error):
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def check(validator, path):
    try:
        doc = load(path)
    except (OSError, ValueError) as e:
        return [f"not readable JSON: {e}"]
    problems = [f"{where(e)}: {e.message}" for e in
                sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]
    return problems + list(time_problems(doc))


def main(argv):
    if len(argv) < 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        validator = validator_for(argv[1])
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        print(f"check_json: schema {argv[1]}: {e}", file=sys.stderr)
        return 2
    bad = 0
    for path in argv[2:]:
        problems = check(validator, path)
        name = os.path.basename(argv[1])
        if problems:
            bad += 1
            print(f"FAIL {path} against {name}:")
            for p in problems[:20]:
                print(f"    {p}")
            if len(problems) > 20:
                print(f"    ... and {len(problems) - 20} more")
        else:
            print(f"ok   {path} against {name}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
