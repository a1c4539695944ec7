#!/usr/bin/env python3
"""Benchmarks trustlint on generated trees and on the bundled fixtures.

Builds the release binary, generates a tree of about 20,000 files of which 2% are relevant
(trust policies and CloudFormation templates, the rest source files, configs, package.json,
lock files; one file in 2,000 has a fake credential planted), then runs `trustlint check`
several times and reports the median wall time and the peak resident memory: all rules, the
secret scan alone (`--select hardcoded-secret`) and everything but the secret scan. Speed is measured here, never asserted in tests. Record the figures in
docs/performance.md.

With `--pulumi N`, also generates N Pulumi projects (half TypeScript, half Python; each a
folder with `Pulumi.yaml`, a program using helpers, `.apply`, `getPolicyDocument` and stack
config, and for half of them two stack files) and measures the run over that tree.

Usage: python3 scripts/benchmark.py [--files 20000] [--runs 5] [--threads N] [--pulumi 2000]
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
      RoleName: svc-{n}-deploy
      ManagedPolicyArns: [!Sub "arn:${{AWS::Partition}}:iam::aws:policy/PowerUserAccess"]
"""

PULUMI_TS = """import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

const config = new pulumi.Config();
const service = "svc-{n}";
const subject = config.get("deploySubject") ?? `repo:acme/${{service}}:environment:prod`;

const github = new aws.iam.OpenIdConnectProvider("github", {{
    url: "https://token.actions.githubusercontent.com",
    clientIdLists: ["sts.amazonaws.com"],
}});

function trust(sub: string) {{
    return github.arn.apply(arn => JSON.stringify({{
        Version: "2012-10-17",
        Statement: [{{
            Effect: "Allow",
            Principal: {{ Federated: arn }},
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {{
                StringEquals: {{ "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }},
                StringLike: {{ "token.actions.githubusercontent.com:sub": sub }},
            }},
        }}],
    }}));
}}

const bucket = new aws.s3.BucketV2(`${{service}}-artifacts`, {{ forceDestroy: true, tags: {{ service }} }});
const deploy = new aws.iam.Role(`${{service}}-deploy`, {{ assumeRolePolicy: trust(subject) }});
const readOnly = new aws.iam.Role(`${{service}}-read`, {{ assumeRolePolicy: trust("{ctx}") }});

const artifacts = aws.iam.getPolicyDocumentOutput({{
    statements: [{{ actions: ["s3:PutObject", "s3:GetObject"], resources: [pulumi.interpolate`${{bucket.arn}}/*`] }}],
}});
new aws.iam.RolePolicy(`${{service}}-artifacts`, {{ role: deploy.id, policy: artifacts.json }});
new aws.iam.RolePolicyAttachment(`${{service}}-read`, {{ role: readOnly.name, policyArn: aws.iam.ManagedPolicy.{policy} }});

for (const queue of ["events", "dead-letter"]) {{
    new aws.sqs.Queue(`${{service}}-${{queue}}`, {{ messageRetentionSeconds: 86400 }});
}}

export const deployRoleArn = deploy.arn;
export const bucketName = bucket.bucket;
"""

PULUMI_PY = """import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
SERVICE = "svc-{n}"
subject = config.get("deploy_subject") or f"repo:acme/{{SERVICE}}:environment:prod"

provider = aws.iam.OpenIdConnectProvider(
    "github",
    url="https://token.actions.githubusercontent.com",
    client_id_lists=["sts.amazonaws.com"],
)


def trust(sub):
    return aws.iam.get_policy_document_output(statements=[{{
        "actions": ["sts:AssumeRoleWithWebIdentity"],
        "principals": [{{"type": "Federated", "identifiers": [provider.arn]}}],
        "conditions": [
            {{"test": "StringEquals", "variable": "token.actions.githubusercontent.com:aud", "values": ["sts.amazonaws.com"]}},
            {{"test": "StringLike", "variable": "token.actions.githubusercontent.com:sub", "values": [sub]}},
        ],
    }}]).json


bucket = aws.s3.BucketV2(f"{{SERVICE}}-artifacts", force_destroy=True, tags={{"service": SERVICE}})
deploy = aws.iam.Role(f"{{SERVICE}}-deploy", assume_role_policy=trust(subject))
read_only = aws.iam.Role(f"{{SERVICE}}-read", assume_role_policy=trust("{ctx}"))

policy = pulumi.Output.all(bucket.arn).apply(lambda args: json.dumps({{
    "Version": "2012-10-17",
    "Statement": [{{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": f"{{args[0]}}/*"}}],
}}))
aws.iam.RolePolicy(f"{{SERVICE}}-artifacts", role=deploy.id, policy=policy)
aws.iam.RolePolicyAttachment(f"{{SERVICE}}-read", role=read_only.name, policy_arn=aws.iam.ManagedPolicy.{policy_py})

for queue in ["events", "dead-letter"]:
    aws.sqs.Queue(f"{{SERVICE}}-{{queue}}", message_retention_seconds=86400)

pulumi.export("deploy_role_arn", deploy.arn)
"""


def generate_pulumi(root, programs, seed=11):
    """Pulumi projects under `root/projects/`: one program each, half with two stack files."""
    rng = random.Random(seed)
    for n in range(programs):
        folder = f"projects/svc-{n}"
        ctx = rng.choice(["repo:acme/docs:ref:refs/heads/main", "repo:acme/*", "repo:acme/svc:environment:prod"])
        admin = rng.random() < 0.1
        if n % 2 == 0:
            policy = "AdministratorAccess" if admin else "ReadOnlyAccess"
            write(root, f"{folder}/index.ts", PULUMI_TS.format(n=n, ctx=ctx, policy=policy))
            runtime, key = "nodejs", "deploySubject"
        else:
            policy = "ADMINISTRATOR_ACCESS" if admin else "READ_ONLY_ACCESS"
            write(root, f"{folder}/__main__.py", PULUMI_PY.format(n=n, ctx=ctx, policy_py=policy))
            runtime, key = "python", "deploy_subject"
        write(root, f"{folder}/Pulumi.yaml", f"name: svc-{n}\nruntime: {runtime}\n")
        if n % 4 < 2:
            write(root, f"{folder}/Pulumi.dev.yaml", f"config:\n  aws:region: us-east-1\n  svc-{n}:{key}: repo:acme/*\n")
            write(root, f"{folder}/Pulumi.prod.yaml",
                  f"config:\n  aws:region: us-east-1\n  svc-{n}:{key}: repo:acme/svc-{n}:environment:prod\n")


FILLERS = [
    ("src/mod{n}/handler.ts", "export function handler{n}(event: unknown) {{ return {{ ok: true, n: {n} }}; }}\n" * 20),
    ("src/mod{n}/util.py", "def util_{n}(x):\n    return x * {n}\n" * 30),
    ("config/app{n}.json", json.dumps({"name": "app", "replicas": 3, "env": {"LOG": "info"}}, indent=2) + "\n"),
    ("deploy/values{n}.yaml", "image:\n  repository: acme/app\n  tag: v1.2.3\nreplicas: 3\n" * 10),
    ("docs/page{n}.md", "# Page\n\nSome text about the service.\n" * 20),
    ("pkg{n}/package.json", json.dumps({"name": "pkg", "version": "1.0.0", "dependencies": {"left-pad": "^1"}}) + "\n"),
]


WORKFLOW = """on:
  push:
    branches: [main]
  pull_request:
jobs:
{jobs}"""

WORKFLOW_JOB = """  deploy-{n}:
    runs-on: ubuntu-latest
    environment: {env}
    permissions:
      id-token: write
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/svc-{n}-deploy
          aws-region: eu-west-1
"""


def generate(root, files, relevant_share=0.02, seed=7):
    """Trust policies, CloudFormation roles and, for the trust chain, one GitHub workflow per 40
    relevant files whose jobs log in to the CloudFormation roles by name (the repository is
    set in trustlint.toml), so linking has callers, trusts and grants to join."""
    rng = random.Random(seed)
    relevant = int(files * relevant_share)
    workflows = relevant // 40
    write(root, "trustlint.toml", 'repository = "acme/svc-1"\n')
    for n in range(relevant - workflows):
        if n % 2 == 0:
            ctx = rng.choice(["environment:prod", "ref:refs/heads/main", "*", "pull_request"])
            path, text = f"infra/policies/trust-{n}.json", TRUST.format(repo=f"svc-{n}", ctx=ctx)
        else:
            path, text = f"infra/cfn/stack-{n}.yaml", TEMPLATE.format(n=n)
        write(root, path, text)
    for w in range(workflows):
        stacks = [n for n in range(w * 40 + 1, min((w + 1) * 40, relevant - workflows), 2)]
        jobs = "".join(WORKFLOW_JOB.format(n=n, env=rng.choice(["prod", "staging"])) for n in stacks)
        write(root, f".github/workflows/deploy-{w}.yml", WORKFLOW.format(jobs=jobs))
    for n in range(files - relevant - 1):
        pattern, text = FILLERS[n % len(FILLERS)]
        text = text.format(n=n) if "{n}" in text else text
        if n % SECRET_EVERY == SECRET_EVERY - 1:
            text += fake_secret_line(rng, n // SECRET_EVERY)
        write(root, pattern.format(n=n), text)
    return relevant


# One filler in this many gets a fake credential appended, for the secret scan to find.
SECRET_EVERY = 2000


def fake_secret_line(rng, k):
    """A line with a fake, random-looking credential (never a real one), in a comment or not."""
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    pick = lambda alphabet, n: "".join(rng.choice(alphabet) for _ in range(n))
    values = [
        "AKIA" + pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
        "ghp_" + pick(alnum, 36),
        "pul-" + pick("0123456789abcdef", 40),
        "glpat-" + pick(alnum + "_-", 20),
    ]
    return f"# deploy token: {values[k % len(values)]}\n"


def write(root, relative, text):
    path = os.path.join(root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


def run(binary, target, threads, extra=()):
    """One run: wall time, peak RSS in KiB (read by GNU time, so the build is not counted)."""
    args = [binary, "check", target, "--format", "json", "--exit-zero", *extra]
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


def measure(binary, target, runs, threads, extra=()):
    times = []
    peak = 0
    summary = None
    for _ in range(runs):
        elapsed, rss, summary = run(binary, target, threads, extra)
        times.append(elapsed)
        peak = max(peak, rss)
    return statistics.median(times), min(times), peak, summary


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--pulumi", type=int, default=0, help="also measure a tree of this many Pulumi programs")
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
        # The secret scan reads every text file: measured alone, and the run without it.
        # The trust chain (facts kept, linked after every file) is what the two chain rules add.
        for label, extra in [("without the trust-chain rules", ["--ignore", "trust-rejects-caller,trust-broader-than-usage"]),
                             ("all rules again (chain on)", []),
                             ("secret scan only", ["--select", "hardcoded-secret"]),
                             ("without the secret scan", ["--ignore", "hardcoded-secret"])]:
            median, best, peak, summary = measure(binary, tree, args.runs, args.threads, extra)
            print(f"{label}: median {median * 1000:.0f} ms, best {best * 1000:.0f} ms; "
                  f"peak RSS {peak / 1024:.1f} MiB; files read {summary['files_scanned']}, "
                  f"findings {summary['findings']}")
        if args.pulumi:
            programs = tempfile.mkdtemp(prefix="trustlint-bench-pulumi-")
            try:
                generate_pulumi(programs, args.pulumi)
                median, best, peak, summary = measure(binary, programs, args.runs, args.threads)
                print(f"{args.pulumi} Pulumi programs: median {median * 1000:.0f} ms, best {best * 1000:.0f} ms; "
                      f"peak RSS {peak / 1024:.1f} MiB; files read {summary['files_scanned']}, "
                      f"findings {summary['findings']}")
            finally:
                shutil.rmtree(programs, ignore_errors=True)
        median, best, _, summary = measure(binary, os.path.join(ROOT, "fixtures"), args.runs, args.threads)
        print(f"bundled fixtures: median {median * 1000:.1f} ms, best {best * 1000:.1f} ms; "
              f"files read {summary['files_scanned']}, findings {summary['findings']}")
    finally:
        shutil.rmtree(tree, ignore_errors=True)


if __name__ == "__main__":
    main()
