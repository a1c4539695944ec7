#!/usr/bin/env python3
"""Scores trustlint on an assembled labelled corpus and prints the per-family table.

The corpus (real third-party files with hand labels) lives outside this repository and is never
copied into it: lay it out first with the corpus's own `assemble.py`, then point this script at
that folder. The script runs `trustlint check` over the folder to a SARIF log and hands the log to
the corpus's `score.py`, which matches reports to labels and prints precision and recall per
family. Not part of `cargo test`: the corpus is not in the repository.

Usage:
  python3 scripts/accuracy.py CORPUS_DIR [--binary target/release/trustlint]
                              [--scorer ../shared/corpus/score.py] [--sarif OUT] [-v] [--json]

With `--build`, builds the release binary first. `-v` and `--json` are passed to the scorer.
"""

import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The corpus sits beside the repository (`../shared/corpus`); from a worktree, one level higher.
SCORER_CANDIDATES = [os.path.normpath(os.path.join(ROOT, *[".."] * depth, "shared", "corpus",
                                                   "score.py")) for depth in (1, 2)]
DEFAULT_SCORER = next((p for p in SCORER_CANDIDATES if os.path.isfile(p)), SCORER_CANDIDATES[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="folder laid out by the corpus's assemble.py")
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "trustlint"))
    parser.add_argument("--scorer", default=DEFAULT_SCORER,
                        help="score.py of the corpus (reads manifest.json next to it)")
    parser.add_argument("--sarif", help="keep the SARIF log at this path")
    parser.add_argument("--build", action="store_true", help="cargo build --release first")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list false positives and misses")
    parser.add_argument("--json", action="store_true", help="print the scorer's JSON")
    args = parser.parse_args()

    if not os.path.isdir(args.corpus):
        sys.exit(f"accuracy.py: {args.corpus}: not a folder (assemble the corpus first)")
    if not os.path.isfile(args.scorer):
        sys.exit(f"accuracy.py: {args.scorer}: scorer not found (pass --scorer)")
    if args.build:
        subprocess.run(["cargo", "build", "--release", "--bin", "trustlint"], cwd=ROOT, check=True)
    if not os.path.isfile(args.binary):
        sys.exit(f"accuracy.py: {args.binary}: no binary (build it or pass --build)")

    with tempfile.TemporaryDirectory(prefix="trustlint-accuracy-") as scratch:
        sarif = args.sarif or os.path.join(scratch, "corpus.sarif")
        # --exit-zero: findings are the point here, not a failure.
        check = subprocess.run(
            [args.binary, "check", args.corpus, "--format", "sarif", "--output", sarif,
             "--exit-zero"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if check.returncode != 0:
            sys.stderr.write(check.stderr)
            sys.exit(f"accuracy.py: trustlint exited with {check.returncode}")
        score_args = [sys.executable, args.scorer, sarif]
        if args.verbose:
            score_args.append("-v")
        if args.json:
            score_args.append("--json")
        sys.exit(subprocess.run(score_args).returncode)


if __name__ == "__main__":
    main()
