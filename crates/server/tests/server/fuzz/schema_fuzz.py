"""Driver of Sluice's schema-fuzzing suite: `schema_fuzz.rs` seeds a test server, then runs

    python schema_fuzz.py --url URL --data SEED.json --examples N --out DIR

with the caller's token in `SLUICE_FUZZ_TOKEN` and a throwaway one in
`SLUICE_FUZZ_LOGOUT_TOKEN`. It

1. fetches the served OpenAPI document and validates it against the OpenAPI 3.1 meta-schema
   (the one schemathesis ships): an invalid document fails before any fuzzing;
2. runs schemathesis (settings in `schemathesis.toml`, hooks and the canary check in
   `sluice_fuzz_hooks.py`) twice: every operation but the deletions, then the deletions
   alone, last, so that no deletion of the seed makes the other operations' cases
   meaningless;
3. writes the merged figures to DIR/stats.json and prints them.

Exits 0 when both runs found nothing, 1 when schemathesis reported a failure, 2 when the
document is invalid.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

# The two runs: (name, schemathesis filter). Deletions go last (see the module doc).
RUNS = [
    ("everything but deletions", ["--exclude-method", "DELETE"]),
    ("deletions, last", ["--include-method", "DELETE"]),
]


def validate(document: dict) -> list[str]:
    from schemathesis.specs.openapi import definitions

    errors = definitions.OPENAPI_31_VALIDATOR.iter_errors(document)
    return [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in errors]


def run(name: str, filters: list[str], args, index: int) -> tuple[int, dict]:
    stats_path = os.path.join(args.out, f"run{index}-stats.json")
    env = dict(os.environ)
    env.update(
        SCHEMATHESIS_HOOKS="sluice_fuzz_hooks",
        # Nothing written into the source tree.
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=os.pathsep.join(filter(None, [HERE, env.get("PYTHONPATH")])),
        SLUICE_FUZZ_DATA=args.data,
        SLUICE_FUZZ_STATS=stats_path,
    )
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        os.path.join(HERE, "schemathesis.toml"),
        "--no-color",
        "run",
        f"{args.url}/api/docs/openapi.json",
        "--max-examples",
        str(args.examples),
        *filters,
    ]
    if args.seed:
        command += ["--seed", args.seed]
    print(f"--- schemathesis: {name}", flush=True)
    started = time.monotonic()
    code = subprocess.run(command, env=env, cwd=args.out).returncode
    try:
        with open(stats_path, encoding="utf-8") as f:
            stats = json.load(f)
    except FileNotFoundError:
        # schemathesis stopped before running a case (a bad setting, an unreachable server).
        stats = {"requests": 0, "statuses": {}, "operations": [], "leaks": []}
        code = code or 1
    stats["seconds"] = round(time.monotonic() - started, 1)
    stats["exitCode"] = code
    return code, stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the server's base URL")
    parser.add_argument("--data", required=True, help="the seed file (see sluice_fuzz_hooks.py)")
    parser.add_argument("--examples", type=int, default=25, help="examples per operation and phase")
    parser.add_argument("--out", required=True, help="a directory for the figures and schemathesis' files")
    parser.add_argument("--seed", help="schemathesis' random seed, to replay a run")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    with urllib.request.urlopen(f"{args.url}/api/docs/openapi.json") as resp:
        document = json.load(resp)
    problems = validate(document)
    if problems:
        print(f"the served OpenAPI document is not valid OpenAPI 3.1 ({len(problems)} problems):")
        for p in problems[:50]:
            print(f"  {p}")
        return 2
    operations = sorted(
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    )

    started = time.monotonic()
    results = [run(name, filters, args, i + 1) for i, (name, filters) in enumerate(RUNS)]
    statuses: dict[str, int] = {}
    for _, stats in results:
        for status, n in stats["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    fuzzed = sorted({op for _, stats in results for op in stats["operations"]})
    merged = {
        "operations": len(operations),
        "operationsFuzzed": len(fuzzed),
        "notFuzzed": sorted(set(operations) - set(fuzzed)),
        "requests": sum(stats["requests"] for _, stats in results),
        "statuses": dict(sorted(statuses.items())),
        "serverErrors": sum(n for s, n in statuses.items() if s.startswith("5")),
        "leaks": [leak for _, stats in results for leak in stats["leaks"]],
        "runs": [
            {"name": name, "seconds": stats["seconds"], "requests": stats["requests"], "exitCode": stats["exitCode"]}
            for (name, _), (_, stats) in zip(RUNS, results)
        ],
        "seconds": round(time.monotonic() - started, 1),
        "failed": any(code != 0 for code, _ in results),
    }
    with open(os.path.join(args.out, "stats.json"), "w", encoding="utf-8") as f:
        json.dump(merged, f, indent=1)
    print(json.dumps({k: v for k, v in merged.items() if k != "leaks"}, indent=1))
    return 1 if merged["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
