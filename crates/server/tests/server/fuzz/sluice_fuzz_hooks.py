"""Schemathesis hooks of Sluice's schema-fuzzing suite (`schema_fuzz.py` runs schemathesis
with `SCHEMATHESIS_HOOKS=sluice_fuzz_hooks`).

`schema_fuzz.rs` seeds a server and writes what it seeded to the JSON file named by
`SLUICE_FUZZ_DATA`:

- `canaries`: name -> value. Unique random strings stored as secret values, connection
  tokens, client secrets, webhook signing secrets and tokens of other principals. No error
  answer (4xx or 5xx) may carry one: the `no_canary_in_error_body` check below fails the
  case naming the operation and which canary leaked.
- `inputCanary`: a value the hooks put into the requests themselves, in place of generated
  strings of fields that carry secrets (`secretValue`, `apiToken`, `password`…). It is
  scanned like the seeded canaries: an error may name a field, never echo its value.
- `ids`: parameter name -> seeded values (`projectId`, `environment`, `syncId`…). Generated
  path parameters, query parameters and top-level body fields of those names are replaced
  by a seeded value in some cases, so the fuzzer reaches real rows and not only 404s.
- `rows`: coherent sets of those names (an environment, a path and a key that exist
  together), which `before_call` applies to every other coverage case as a whole.
- `idsFor`: operation label (`DELETE /api/v1/projects/{projectId}`) -> name -> values: for
  operations that destroy what they name, a sacrificial row instead of the shared seed.

With `SLUICE_FUZZ_TRACE=FILE`, every request (operation, URL, body) and its status is
appended to FILE as a JSON line. When the process ends, the run's figures (requests,
statuses, operations called, leaks) are written to the file named by `SLUICE_FUZZ_STATS`.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import threading
from collections import Counter

import schemathesis
from hypothesis import strategies as st
from schemathesis.generation.meta import CoveragePhaseData

with open(os.environ["SLUICE_FUZZ_DATA"], encoding="utf-8") as _f:
    SEED = json.load(_f)

CANARIES: dict[str, str] = dict(SEED["canaries"])
INPUT_CANARY: str = SEED["inputCanary"]
CANARIES["a secret-carrying field of the request itself"] = INPUT_CANARY
IDS: dict[str, list] = SEED["ids"]
IDS_FOR: dict[str, dict[str, list]] = SEED.get("idsFor", {})

# Body fields whose value is a secret: the fuzzer's string there becomes the input canary.
SECRET_FIELDS = {
    "secretValue",
    "value",
    "apiToken",
    "password",
    "clientSecret",
    "accessToken",
    "token",
    "signingSecret",
}

_lock = threading.Lock()
_statuses: Counter = Counter()
_operations: set[str] = set()
_leaks: list[dict] = []


def _ids_for(context) -> dict[str, list]:
    label = context.operation.label if context.operation is not None else ""
    return {**IDS, **IDS_FOR.get(label, {})}


def _seeded(values, context, known: set[str]):
    """`values` as generated (a third of the cases), with some of its seeded names replaced
    by a seeded value (a third), or with every seeded name the operation knows (`known`:
    its parameters, its body's top-level properties) set to a seeded value, generated or
    not (a third): optional selectors such as `workspaceId` are often left out otherwise."""
    if not isinstance(values, dict):
        return st.just(values)
    ids = _ids_for(context)
    present = [k for k in values if k in ids and ids[k]]
    every_name = sorted(set(present) | {k for k in known if k in ids and ids[k]})
    if not every_name:
        return st.just(values)
    some = st.fixed_dictionaries({k: st.one_of(st.just(values[k]), st.sampled_from(ids[k])) for k in present})
    if set(every_name) == set(present):
        # Nothing to add: more seeded choices would only make cases alike, which the
        # fuzzing phase throws away and generates again.
        return some.map(lambda picked: {**values, **picked})
    every = st.fixed_dictionaries({k: st.sampled_from(ids[k]) for k in every_name})
    return st.one_of(st.just({}), some, every).map(lambda picked: {**values, **picked})


def _query_names(context) -> set[str]:
    op = context.operation
    return {p.name for p in op.query} if op is not None else set()


def _body_names(context) -> set[str]:
    """The top-level property names of the operation's JSON body schema."""
    op = context.operation
    if op is None:
        return set()
    names: set[str] = set()
    for body in op.body:
        schema = body.optimized_schema
        names |= _top_level_properties(schema, schema.get("x-bundled", {}) if isinstance(schema, dict) else {}, 0)
    return names


def _top_level_properties(schema, bundled: dict, depth: int) -> set[str]:
    if not isinstance(schema, dict) or depth > 8:
        return set()
    ref = schema.get("$ref", "")
    if ref.startswith("#/x-bundled/"):
        return _top_level_properties(bundled.get(ref.rsplit("/", 1)[1]), bundled, depth + 1)
    names = set(schema.get("properties", {}))
    for combinator in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(combinator, []):
            names |= _top_level_properties(part, bundled, depth + 1)
    return names


ROWS: list[dict] = SEED.get("rows", [])


@schemathesis.hook
def before_call(context, case, kwargs):
    """Every other coverage case (chosen by a hash of the case, so runs stay reproducible) is pointed
    at one seeded row as a whole: its environment, path and key together, and the seeded
    project, sync, identity… for the operation's other parameters and body fields. The
    parameter a coverage case is about (a wrong type, a boundary) keeps its value."""
    meta = case.meta
    # Coverage cases only, just before they are sent (a `map_case` hook would slow down the
    # fuzzing phase's generation; the flatmap hooks below steer that phase instead).
    if not ROWS or context.operation is None or meta is None or not isinstance(meta.phase.data, CoveragePhaseData):
        return
    digest = hashlib.sha256(repr((case.path_parameters, case.query, case.body)).encode()).digest()
    if digest[0] % 2:
        return
    row = ROWS[digest[1] % len(ROWS)]
    ids = _ids_for(context)
    mutated = meta.phase.data.parameter

    def value(name):
        return row[name] if name in row else ids[name][digest[2] % len(ids[name])]

    for container, known in (
        (case.path_parameters, set(case.path_parameters or {})),
        (case.query, _query_names(context)),
        (case.body, _body_names(context)),
    ):
        if not isinstance(container, dict):
            continue
        for name in known:
            if name != mutated and (name in row or ids.get(name)):
                container[name] = value(name)


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    return _seeded(path_parameters, context, set())


@schemathesis.hook
def flatmap_query(context, query):
    return _seeded(query, context, _query_names(context))


@schemathesis.hook
def flatmap_body(context, body):
    if isinstance(body, dict):
        body = {k: INPUT_CANARY if k in SECRET_FIELDS and isinstance(v, str) else v for k, v in body.items()}
    return _seeded(body, context, _body_names(context))


def _leaked(response) -> list[str]:
    if response.status_code < 400:
        return []
    text = response.content.decode("utf-8", "replace")
    text += "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return sorted(name for name, value in CANARIES.items() if value and value in text)


@schemathesis.check
def no_canary_in_error_body(ctx, response, case):
    """No error answer carries a seeded secret or a secret sent in the request."""
    leaked = _leaked(response)
    if leaked:
        raise AssertionError(
            f"{case.operation.label} answered {response.status_code} with a secret in it: {', '.join(leaked)}"
        )


_TRACE = os.environ.get("SLUICE_FUZZ_TRACE")


@schemathesis.hook
def after_call(context, case, response):
    label = case.operation.label
    leaked = _leaked(response)
    with _lock:
        if _TRACE:
            request = response.request
            body = request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else request.body
            line = {"operation": label, "url": request.url, "body": body, "status": response.status_code}
            with open(_TRACE, "a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")
        _statuses[response.status_code] += 1
        _operations.add(label)
        if leaked:
            _leaks.append({"operation": label, "status": response.status_code, "canaries": leaked})


@atexit.register
def _write_stats() -> None:
    path = os.environ.get("SLUICE_FUZZ_STATS")
    if not path:
        return
    with _lock:
        stats = {
            "requests": sum(_statuses.values()),
            "statuses": {str(k): v for k, v in sorted(_statuses.items())},
            "operations": sorted(_operations),
            "leaks": _leaks,
        }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(stats, f, indent=1)
