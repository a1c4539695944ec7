#!/usr/bin/env python3
"""Benchmarks trustlint on generated trees and on the bundled fixtures.

Builds the release binary, generates a tree of about 20,000 files of which 2% are relevant
(trust policies and CloudFormation templates, the rest source files, configs, package.json,
lock files), then runs `trustlint check` several times and reports the median wall time and the
peak resident memory. Speed is measured here, never asserted in tests. Record the figures in
docs/performance.md.

Usage: python3 scripts/benchmark.py [--files 20000] [--runs 5] [--threads N]
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TRUST = """{{
  "Version": "2012-10-17",
  "Statement": [{{
    "Effect": "Allow",
    "Principal": {{"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {{"StringLike": {{"token.actions.githubusercontent.com:sub": "repo:acme/{repo}:{ctx}"}},
                  "StringEquals": {{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}}
  }}]
}}
"""

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Org: {{Type: String, Default: acme}}
Resources:
  Oidc:
    Type: AWS::IAM::OIDCProvider
    Properties: {{Url: https://token.actions.githubusercontent.com, ClientIdList: [sts.amazonaws.com]}}
  Role{n}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal: {{Federated: !Ref Oidc}}
            Condition:
              StringLike:
                token.actions.githubusercontent.com:sub: !Sub "repo:${{Org}}/svc-{n}:*"
      ManagedPolicyArns: [!Sub "arn:${{AWS::Partition}}:iam::aws:policy/PowerUserAccess"]
"""

FILLERS = [
    ("src/mod{n}/handler.ts", "export function handler{n}(event: unknown) {{ return {{ ok: true, n: {n} }}; }}\n" * 20),
    ("src/mod{n}/util.py", "def util_{n}(x):\n    return x * {n}\n" * 30),
    ("config/app{n}.json", json.dumps({"name": "app", "replicas": 3, "env": {"LOG": "info"}}, indent=2) + "\n"),
    ("deploy/values{n}.yaml", "image:\n  repository: acme/app\n  tag: v1.2.3\nreplicas: 3\n" * 10),
    ("docs/page{n}.md", "# Page\n\nSome text about the service.\n" * 20),
    ("pkg{n}/package.json", json.dumps({"name": "pkg", "version": "1.0.0", "dependencies": {"left-pad": "^1"}}) + "\n"),
]


def generate(root, files, relevant_share=0.02, seed=7):
    rng = random.Random(seed)
    relevant = int(files * relevant_share)
    for n in range(relevant):
        if n % 2 == 0:
            ctx = rng.choice(["environment:prod", "ref:refs/heads/main", "*", "pull_request"])
            path, text = f"infra/policies/trust-{n}.json", TRUST.format(repo=f"svc-{n}", ctx=ctx)
        else:
            path, text = f"infra/cfn/stack-{n}.yaml", TEMPLATE.format(n=n)
        write(root, path, text)
    for n in range(files - relevant):
        pattern, text = FILLERS[n % len(FILLERS)]
        write(root, pattern.format(n=n), text.format(n=n) if "{n}" in text else text)
    return relevant


def write(root, relative, text):
    path = os.path.join(root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


def run(binary, target, threads):
    """One run: wall time, peak RSS in KiB (read by GNU time, so the build is not counted)."""
    args = [binary, "check", target, "--format", "json", "--exit-zero"]
    if threads:
        args += ["--threads", str(threads)]
    with tempfile.NamedTemporaryFile("r") as rss:
        if shutil.which("time") or os.path.exists("/usr/bin/time"):
            args = ["/usr/bin/time", "-f", "%M", "-o", rss.name] + args
        start = time.perf_counter()
        result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        elapsed = time.perf_counter() - start
        peak = int(rss.read().strip() or 0)
    if result.returncode != 0:
        sys.exit(f"trustlint failed: {result.stderr.decode()}")
    report = json.loads(result.stdout)
    return elapsed, peak, report["summary"]


def measure(binary, target, runs, threads):
    times = []
    peak = 0
    summary = None
    for _ in range(runs):
        elapsed, rss, summary = run(binary, target, threads)
        times.append(elapsed)
        peak = max(peak, rss)
    return statistics.median(times), min(times), peak, summary


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "trustlint")

    tree = tempfile.mkdtemp(prefix="trustlint-bench-")
    try:
        relevant = generate(tree, args.files)
        print(f"generated {args.files} files ({relevant} relevant) in {tree}")
        median, best, peak, summary = measure(binary, tree, args.runs, args.threads)
        print(f"generated tree: median {median * 1000:.0f} ms, best {best * 1000:.0f} ms over {args.runs} runs; "
              f"peak RSS {peak / 1024:.1f} MiB; files read {summary['files_scanned']}, "
              f"findings {summary['findings']}")
        median, best, _, summary = measure(binary, os.path.join(ROOT, "fixtures"), args.runs, args.threads)
        print(f"bundled fixtures: median {median * 1000:.1f} ms, best {best * 1000:.1f} ms; "
              f"files read {summary['files_scanned']}, findings {summary['findings']}")
    finally:
        shutil.rmtree(tree, ignore_errors=True)


if __name__ == "__main__":
    main()
