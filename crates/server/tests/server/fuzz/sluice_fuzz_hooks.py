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
- `idsFor`: operation label (`DELETE /api/v1/projects/{projectId}`) -> name -> values: for
  operations that destroy what they name, a sacrificial row instead of the shared seed.

When the process ends, the run's figures (requests, statuses, operations called, leaks) are
written to the file named by `SLUICE_FUZZ_STATS`.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from collections import Counter

import schemathesis
from hypothesis import strategies as st

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


def _seeded(values, context):
    """`values` as generated, or with some of its seeded names replaced by seeded values."""
    if not isinstance(values, dict):
        return st.just(values)
    ids = _ids_for(context)
    names = [k for k in values if k in ids and ids[k]]
    if not names:
        return st.just(values)
    choices = {k: st.one_of(st.just(values[k]), st.sampled_from(ids[k])) for k in names}
    return st.fixed_dictionaries(choices).map(lambda picked: {**values, **picked})


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    return _seeded(path_parameters, context)


@schemathesis.hook
def flatmap_query(context, query):
    return _seeded(query, context)


@schemathesis.hook
def flatmap_body(context, body):
    if isinstance(body, dict):
        body = {k: INPUT_CANARY if k in SECRET_FIELDS and isinstance(v, str) else v for k, v in body.items()}
    return _seeded(body, context)


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


@schemathesis.hook
def after_call(context, case, response):
    label = case.operation.label
    leaked = _leaked(response)
    with _lock:
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
