"""`trustlint server` driven by a real LSP client (pytest-lsp, on pygls).

Run through `cargo test --test lsp_client`, which builds the binary, prepares a virtualenv with
pytest-lsp and sets TRUSTLINT_BIN. The clients announce the capabilities of real editors
(VS Code: UTF-16 positions, watched-file registration; Neovim: UTF-8 positions).
"""

import asyncio
import os
import pathlib

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = pathlib.Path(__file__).resolve().parents[2]
TRUSTLINT = os.environ.get("TRUSTLINT_BIN", str(ROOT / "target" / "debug" / "trustlint"))
SERVER = ClientServerConfig(server_command=[TRUSTLINT, "server"])

WIDE = """{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "Déploiement😀", "Effect": "Allow", "Principal": { "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": { "StringEquals": { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, "StringLike": { "token.actions.githubusercontent.com:sub": "repo:acme/*" } } }
  ]
}
"""
SCOPED = WIDE.replace("repo:acme/*", "repo:acme/infra:ref:refs/heads/main")
NEEDLE = '"repo:acme/*"'


def expected_range(text: str, needle: str, unit: str) -> types.Range:
    """The range of `needle`, columns counted in UTF-16 code units or UTF-8 bytes."""
    start = text.index(needle)
    line = text.count("\n", 0, start)
    prefix = text[text.rfind("\n", 0, start) + 1 : start]

    def width(s: str) -> int:
        return len(s.encode("utf-16-le")) // 2 if unit == "utf-16" else len(s.encode("utf-8"))

    column = width(prefix)
    return types.Range(
        start=types.Position(line=line, character=column),
        end=types.Position(line=line, character=column + width(needle)),
    )


async def start(client: LanguageClient, editor: str, root: pathlib.Path) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(editor),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="repo")],
        )
    )


@pytest_lsp.fixture(config=SERVER)
async def vscode(lsp_client: LanguageClient, tmp_path: pathlib.Path):
    # VS Code announces dynamic registration of file watchers; like VS Code, accept it.
    lsp_client.registrations = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        lsp_client.registrations.extend(params.registrations)

    result = await start(lsp_client, "visual-studio-code", tmp_path)
    lsp_client.position_encoding = result.capabilities.position_encoding
    lsp_client.root = tmp_path
    yield
    await lsp_client.shutdown_session()
    # `shutdown` then `exit`: the process ends cleanly (pygls keeps it as `_server`).
    assert lsp_client._server.returncode == 0


@pytest_lsp.fixture(config=SERVER)
async def neovim(lsp_client: LanguageClient, tmp_path: pathlib.Path):
    result = await start(lsp_client, "neovim", tmp_path)
    lsp_client.position_encoding = result.capabilities.position_encoding
    lsp_client.root = tmp_path
    yield
    await lsp_client.shutdown_session()


def open_document(client: LanguageClient, uri: str, language: str, text: str) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        )
    )


def change_document(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def published(client: LanguageClient, uri: str):
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[uri]


async def test_a_diagnostic_appears_on_a_wide_trust_policy_and_clears_after_the_fix(vscode: LanguageClient):
    assert vscode.position_encoding == types.PositionEncodingKind.Utf16
    uri = (vscode.root / "iam" / "trust-policy.json").as_uri()

    open_document(vscode, uri, "json", WIDE)
    diagnostics = await published(vscode, uri)
    assert len(diagnostics) == 1, diagnostics
    diagnostic = diagnostics[0]
    assert diagnostic.code == "oidc-wildcard-subject"
    assert diagnostic.source == "trustlint"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.range == expected_range(WIDE, NEEDLE, "utf-16")
    assert diagnostic.code_description.href.endswith("/docs/rules/oidc-wildcard-subject.md")
    assert "acme" in diagnostic.message and "help:" in diagnostic.message

    change_document(vscode, uri, 2, SCOPED)
    assert len(await published(vscode, uri)) == 0

    # The server asked to be told when trustlint.toml changes.
    watchers = [r for r in vscode.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert len(watchers) == 1
    assert watchers[0].register_options["watchers"][0]["globPattern"] == "**/trustlint.toml"


async def test_hover_and_ignore_comment_with_utf8_positions(neovim: LanguageClient):
    assert neovim.position_encoding == types.PositionEncodingKind.Utf8
    # One flow-style statement per line, so the non-ASCII `Sid` sits before the span.
    text = (
        "Resources:\n"
        "  Role:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      AssumeRolePolicyDocument:\n"
        "        Statement:\n"
        '          - { Sid: "Déploiement😀", Effect: Allow, Action: "sts:AssumeRoleWithWebIdentity",'
        ' Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },'
        ' Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": sts.amazonaws.com },'
        ' StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/*" } } }\n'
    )
    uri = (neovim.root / "stack.yaml").as_uri()
    open_document(neovim, uri, "yaml", text)
    diagnostics = await published(neovim, uri)
    wildcard = [d for d in diagnostics if d.code == "oidc-wildcard-subject"]
    assert len(wildcard) == 1, diagnostics
    assert wildcard[0].range == expected_range(text, NEEDLE, "utf-8")

    hover = await neovim.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=wildcard[0].range.start.line, character=wildcard[0].range.start.character + 2),
        )
    )
    assert hover is not None
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert hover.contents.value.startswith("# oidc-wildcard-subject")
    assert "## Fix" in hover.contents.value

    actions = await neovim.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=wildcard[0].range,
            context=types.CodeActionContext(diagnostics=wildcard),
        )
    )
    ignore = [a for a in actions if "trustlint: ignore[oidc-wildcard-subject]" in a.title]
    assert len(ignore) == 1, actions
    (edit,) = ignore[0].edit.changes[uri]
    line = wildcard[0].range.start.line
    assert edit.range == types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=0))
    lines = text.splitlines(keepends=True)
    lines.insert(line, edit.new_text)
    change_document(neovim, uri, 2, "".join(lines))
    remaining = await published(neovim, uri)
    assert [d for d in remaining if d.code == "oidc-wildcard-subject"] == []


WORKFLOW = """on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: prod
    permissions:
      id-token: write
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/app-deploy
          aws-region: eu-west-1
"""

TEMPLATE = """Resources:
  Deploy:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app-deploy
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:aud: sts.amazonaws.com
                token.actions.githubusercontent.com:sub: repo:acme/app:ref:refs/heads/main
"""


async def published_until(client: LanguageClient, uri: str, done):
    """Diagnostics of `uri` once `done(diagnostics)` holds (other publications are waited out)."""
    for _ in range(20):
        diagnostics = client.diagnostics.get(uri)
        if diagnostics is not None and done(diagnostics):
            return diagnostics
        try:
            await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 20)
        except asyncio.TimeoutError:
            break
    raise AssertionError(f"not published for {uri}: {client.diagnostics.get(uri)}")


async def test_the_trust_chain_links_across_files_with_unsaved_edits(vscode: LanguageClient):
    root = vscode.root
    (root / "trustlint.toml").write_text('repository = "acme/app"\n')
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / "infra").mkdir()
    workflow = root / ".github" / "workflows" / "deploy.yml"
    template = root / "infra" / "template.yaml"
    workflow.write_text(WORKFLOW)
    template.write_text(TEMPLATE)
    # The folder's configuration appeared after the server started: the watcher it registered
    # tells it, as VS Code would.
    vscode.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=(root / "trustlint.toml").as_uri(), type=types.FileChangeType.Created)]
        )
    )

    # The job runs in `prod`, the trust (read from disk) pins `main`: a finding in the workflow,
    # pointing at the trust's condition in the other file.
    open_document(vscode, workflow.as_uri(), "yaml", WORKFLOW)
    diagnostics = await published_until(vscode, workflow.as_uri(), lambda d: len(d) > 0)
    assert [d.code for d in diagnostics] == ["trust-rejects-caller"], diagnostics
    assert diagnostics[0].range == expected_range(WORKFLOW, "arn:aws:iam::123456789012:role/app-deploy", "utf-16")
    related = {r.location.uri for r in diagnostics[0].related_information}
    assert template.as_uri() in related, related

    # The trust edited (not saved) to admit the environment: the workflow's finding clears.
    open_document(vscode, template.as_uri(), "yaml", TEMPLATE)
    change_document(vscode, template.as_uri(), 2, TEMPLATE.replace("ref:refs/heads/main", "environment:prod"))
    await published_until(vscode, workflow.as_uri(), lambda d: len(d) == 0)
