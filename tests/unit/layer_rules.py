#!/usr/bin/env python3
"""The layer rules of docs/architecture.md, checked on the built libraries.

    layer_rules.py NM LIB...      (run by `meson test` as `layer_rules`)

Each LIB is a layer's static library (src/<layer>/meson.build). From `nm` it learns
which layer defines every symbol and which symbols each object file uses, and fails,
naming the object and the symbol, when
  - a layer uses a function of a layer it may not use (LAYERS below),
  - a layer calls an I/O library it may not use (libpq outside db, init and cmd; libcurl,
    OpenSSL outside sf; libfuse outside fs and cmd),
  - object files call each other in a cycle, except the cycles listed in KNOWN_CYCLES
    (each one a piece of work named in docs/architecture.md; a cycle that disappears
    must be taken off the list, so the list only shrinks).
Prints a TAP plan and one line per rule.
"""
import collections
import os
import subprocess
import sys

# layer -> the layers whose functions it may call
LAYERS = {
    "base": set(),
    "record": {"base"},
    "sf": {"base"},
    "db": {"base", "record"},
    "validate": {"base", "record"},
    "init": {"base", "sf", "db"},
    "sync": {"base", "sf", "db", "init"},
    "fs": {"base", "record", "validate", "db"},
    "cmd": {"base", "record", "validate", "sf", "db", "init", "sync", "fs"},
}

# I/O library -> (how its symbols start, the layers that may call it)
LIBRARIES = {
    "libpq": (("PQ", "lo_", "pg_"), {"db", "init", "cmd"}),
    "libcurl": (("curl_",), {"sf"}),
    "OpenSSL": (("EVP_", "OPENSSL_", "RAND_", "BIO_", "PEM_", "ERR_", "CRYPTO_"), {"sf"}),
    "libfuse": (("fuse_",), {"fs", "cmd"}),
}

KNOWN_CYCLES = []


def read_archive(nm, path):
    """{object: (defined symbols, undefined symbols)} of one static library."""
    out = subprocess.run([nm, "-A", path], check=True, capture_output=True, text=True).stdout
    objects = collections.defaultdict(lambda: (set(), set()))
    for line in out.splitlines():
        where, _, symbol = line.rpartition(" ")
        obj = where.split(":")[1].rsplit("/", 1)[-1]
        kind = where.split()[-1]
        if kind == "U":
            objects[obj][1].add(symbol)
        elif kind in "TDBRC":
            objects[obj][0].add(symbol)
    return objects


def strongly_connected(graph):
    """Tarjan's algorithm: the components of more than one node."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def main():
    nm, libs = sys.argv[1], sys.argv[2:]
    layer_of_object, definer, uses = {}, {}, {}
    for lib in libs:
        layer = os.path.basename(lib).removeprefix("libforcefs_").removesuffix(".a")
        if layer not in LAYERS:
            print(f"Bail out! {lib}: not a layer of LAYERS")
            return 1
        for obj, (defined, undefined) in read_archive(nm, lib).items():
            layer_of_object[obj] = layer
            uses[obj] = undefined
            for symbol in defined:
                definer[symbol] = obj
    missing = set(LAYERS) - set(layer_of_object.values())
    results = []

    bad = []
    graph = collections.defaultdict(set)
    for obj, symbols in sorted(uses.items()):
        layer = layer_of_object[obj]
        for symbol in sorted(symbols):
            other = definer.get(symbol)
            if other is None or other == obj:
                continue
            graph[obj].add(other)
            other_layer = layer_of_object[other]
            if other_layer != layer and other_layer not in LAYERS[layer]:
                bad.append(f"{layer}/{obj} calls {symbol} of {other_layer}")
    results.append(("layers call only the layers below them", bad))

    bad = []
    for obj, symbols in sorted(uses.items()):
        layer = layer_of_object[obj]
        for symbol in sorted(symbols):
            if symbol in definer:
                continue
            for name, (prefixes, allowed) in LIBRARIES.items():
                if symbol.startswith(prefixes) and layer not in allowed:
                    bad.append(f"{layer}/{obj} calls {symbol} of {name}")
    results.append(("I/O libraries only in their layers", bad))

    cycles = strongly_connected(graph)
    bad = [f"cycle: {' '.join(sorted(c))}" for c in cycles if c not in KNOWN_CYCLES]
    bad += [f"listed cycle is gone, remove it from KNOWN_CYCLES: {' '.join(sorted(c))}"
            for c in KNOWN_CYCLES if c not in cycles]
    results.append(("no cycle between object files beyond KNOWN_CYCLES", bad))
    results.append(("every layer was given", [f"missing {m}" for m in sorted(missing)]))

    print(f"1..{len(results)}")
    failed = 0
    for number, (name, problems) in enumerate(results, 1):
        print(f"{'not ok' if problems else 'ok'} {number} {name}")
        for problem in problems:
            print(f"# {problem}")
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
