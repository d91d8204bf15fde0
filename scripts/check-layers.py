#!/usr/bin/env python3
"""Checks that Sluice's layers point one way (STYLE.md, habit 11).

1. Crate dependencies (from Cargo.toml, through `cargo metadata`): each workspace crate
   may depend only on the workspace crates below it, and the layers below the HTTP
   server may not depend on HTTP frameworks (axum, tower, utoipa, askama, ...), nor
   switch on the OpenAPI derives of the wire types.
2. Source imports: the secrets core and the engine never name the server, its features,
   `ApiError` or axum; nothing below the engine names it.
3. Module loops inside the server crate: prints the largest group of files that import
   each other in a cycle (for the record), and fails if one spans both a feature and a
   layer that must not know features (none is left in the server today, but the check
   keeps it so).

Exit status 0 when every rule holds; otherwise prints each violation and exits 1.
`--report` prints the loop figures only.
"""

import json
import os
import re
import subprocess
import sys
from collections import defaultdict

ROOT = os.environ.get("SLUICE_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Which workspace crates each crate may depend on (normal dependencies), bottom up.
ALLOWED = {
    "sluice-domain": set(),
    "sluice-crypto": set(),
    "sluice-api-types": {"sluice-domain"},
    "sluice-storage": {"sluice-domain"},
    "sluice-destinations": {"sluice-domain"},
    "sluice-railway-fake": set(),
    "sluice-core": {"sluice-domain", "sluice-crypto", "sluice-storage", "sluice-api-types"},
    "sluice-engine": {
        "sluice-domain", "sluice-storage", "sluice-core", "sluice-destinations", "sluice-api-types",
    },
    # Sends notifications out (HTTP, SMTP), as a destination calls Railway: beside the
    # engine, on the core and storage; it knows neither the engine nor the server.
    "sluice-notify": {"sluice-domain", "sluice-storage", "sluice-core", "sluice-api-types"},
    "sluice-server": {
        "sluice-domain", "sluice-crypto", "sluice-storage", "sluice-core", "sluice-engine",
        "sluice-destinations", "sluice-api-types", "sluice-railway-fake", "sluice-notify",
    },
    "sluice-testkit": None,  # test support: anything
    "sluice": None,  # the binary (CLI + server)
    "sluice-bench": None,
}

HTTP_CRATES = {"axum", "axum-extra", "tower", "tower-http", "hyper", "hyper-util", "utoipa", "utoipa-axum",
               "utoipa-swagger-ui", "askama", "askama_web", "http"}
# Crates below the HTTP layer, which must not know HTTP frameworks.
BELOW_HTTP = {"sluice-domain", "sluice-crypto", "sluice-storage", "sluice-destinations", "sluice-core",
              "sluice-engine", "sluice-notify"}

# Source rules: (crate directory, regex, what it means).
FORBIDDEN_SOURCE = [
    ("crates/core/src", r"\bsluice_server\b|\bsluice_engine\b|\bApiError\b|\baxum\b|\bfeatures::",
     "the core names the server, the engine, ApiError, axum or a feature"),
    ("crates/engine/src", r"\bsluice_server\b|\bApiError\b|\baxum\b|\bfeatures::|\bAppState\b",
     "the engine names the server, ApiError, axum, a feature or AppState"),
    ("crates/notify/src", r"\bsluice_(server|engine)\b|\bApiError\b|\baxum\b|\bfeatures::|\bAppState\b",
     "notifications name the server, the engine, ApiError, axum, a feature or AppState"),
    ("crates/storage/src", r"\bsluice_(server|engine|core|notify)\b", "storage names a layer above it"),
    ("crates/destinations/src", r"\bsluice_(server|engine|core|storage)\b", "a destination names a layer above it"),
    ("crates/domain/src", r"\bsluice_(server|engine|core|storage|destinations)\b|\btokio\b",
     "the domain names a layer above it or tokio"),
]


def rust_files(directory):
    for base, _, names in os.walk(os.path.join(ROOT, directory)):
        for name in names:
            if name.endswith(".rs"):
                yield os.path.join(base, name)


def code_only(text):
    """The text without comments and string literals (rules look at code)."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r'"(\\.|[^"\\])*"', '""', text)


def check_crates(violations):
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps", "--offline"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    for package in meta["packages"]:
        name = package["name"]
        if name not in ALLOWED:
            violations.append(f"crate {name} has no place in the layer table of scripts/check-layers.py")
            continue
        normal = [d for d in package["dependencies"] if d.get("kind") is None]
        allowed = ALLOWED[name]
        for dep in normal:
            dep_name = dep["name"]
            if allowed is not None and dep_name.startswith("sluice") and dep_name not in allowed:
                violations.append(f"{name} depends on {dep_name}, a crate it must not know")
            if name in BELOW_HTTP and dep_name in HTTP_CRATES:
                violations.append(f"{name} depends on {dep_name}: only the server knows HTTP")
            if name in BELOW_HTTP and dep_name == "sluice-api-types" and "openapi" in dep.get("features", []):
                violations.append(f"{name} enables sluice-api-types/openapi: only the server documents HTTP")


def check_sources(violations):
    for directory, pattern, meaning in FORBIDDEN_SOURCE:
        for path in rust_files(directory):
            code = code_only(open(path, encoding="utf-8").read())
            for m in re.finditer(pattern, code):
                line = code.count("\n", 0, m.start()) + 1
                violations.append(f"{os.path.relpath(path, ROOT)}:{line}: {meaning} ({m.group(0)})")


def module_of(path, src):
    rel = os.path.relpath(path, src)[:-3]
    parts = rel.split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return "::".join(parts)


def named_paths(code):
    """Every `crate::a::b` and `super::a` path the code names, braces expanded
    (`crate::a::{b, c::d}` names `crate::a::b` and `crate::a::c::d`)."""
    out = []
    for m in re.finditer(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^{}]*)\}", code):
        for item in m.group(3).split(","):
            item = item.strip().split(" as ")[0]
            if item and item != "self":
                out.append((m.group(1), (m.group(2) + "::" + item).strip(":").split("::")))
            elif item == "self" and m.group(2):
                out.append((m.group(1), m.group(2).strip(":").split("::")))
    for m in re.finditer(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)", code):
        out.append((m.group(1), m.group(2).strip(":").split("::")))
    return out


def import_graph(src):
    """Module → modules it names through `crate::` and `super::` paths (a file per module)."""
    modules = {module_of(p, src): p for p in rust_files(os.path.relpath(src, ROOT))}
    graph = defaultdict(set)
    for module, path in modules.items():
        code = code_only(open(path, encoding="utf-8").read())
        parent = module.rsplit("::", 1)[0] if "::" in module else ""
        for root, parts in named_paths(code):
            if root == "super":
                parts = (parent.split("::") if parent else []) + parts
            # The longest prefix that is a module of this crate.
            for n in range(len(parts), 0, -1):
                target = "::".join(parts[:n])
                if target in modules:
                    if target != module:
                        graph[module].add(target)
                    break
        # `use child::Item` in a module that has children (a re-export, say).
        for m in re.finditer(r"\buse\s+([a-z_][a-z0-9_]*)::", code):
            target = f"{module}::{m.group(1)}" if module else m.group(1)
            if target in modules:
                graph[module].add(target)
    return modules, graph


def strongly_connected(nodes, graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            out.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            visit(v)
    return out


def largest_loop(src):
    modules, graph = import_graph(os.path.join(ROOT, src))
    groups = [g for g in strongly_connected(sorted(modules), graph) if len(g) > 1]
    return max(groups, key=len, default=[])


def check_server_loops(violations, report):
    biggest = largest_loop("crates/server/src")
    print(f"largest import loop in sluice-server: {len(biggest)} files" + (f" ({', '.join(biggest)})" if report else ""))
    engine_like = [m for m in biggest if m.startswith(("engine", "core"))]
    if engine_like and any(m.startswith("features") for m in biggest):
        violations.append(f"an import loop spans features and {', '.join(engine_like)}")


def main():
    report = "--report" in sys.argv
    violations = []
    if not report:
        check_crates(violations)
        check_sources(violations)
    check_server_loops(violations, report)
    for v in violations:
        print(f"layering: {v}")
    if violations:
        sys.exit(1)
    if not report:
        print("layers: every crate depends only on the layers below it; no HTTP below the server")


if __name__ == "__main__":
    main()
