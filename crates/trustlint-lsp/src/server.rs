//! The server: handshake, document store, the message loop and the request handlers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidChangeWorkspaceFolders, DidCloseTextDocument,
    DidOpenTextDocument, DidSaveTextDocument, LogMessage, Notification as _, PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, RegisterCapability, Request as _};
use lsp_types::{
    ClientCapabilities, CodeActionOptions, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, Diagnostic, DiagnosticSeverity, DidChangeTextDocumentParams,
    DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions, DidChangeWorkspaceFoldersParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams, FileSystemWatcher,
    GlobPattern, Hover, HoverContents, HoverParams, HoverProviderCapability, InitializeParams,
    InitializeResult, LogMessageParams, MarkupContent, MarkupKind, MessageType, OneOf, PositionEncodingKind,
    PublishDiagnosticsParams, Registration, RegistrationParams, SaveOptions, ServerCapabilities, ServerInfo,
    ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri, WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use trustlint_core::{ColumnUnit, Finding, SourceFile};
use trustlint_engine::config::FILE_NAME;
use trustlint_engine::run::DEFAULT_MAX_FILE_SIZE;

use crate::workspace::{Workspace, error_line};
use crate::{actions, convert};

/// An open document: the editor's text, checked lazily.
struct Document {
    version: Option<i32>,
    language_id: String,
    text: String,
    /// `None` when the text changed since the last check.
    checked: Option<Checked>,
    /// Over the size limit at the last check (said once, not on every keystroke).
    noted_too_large: bool,
}

/// The result of checking one version of a document.
struct Checked {
    place: Place,
    /// Findings in this document that are not suppressed, in output order; `diagnostics[i]` is
    /// `findings[i]` as published.
    findings: Vec<Finding>,
    diagnostics: Vec<Diagnostic>,
    /// The text as checked (with its line index), when there are findings to locate.
    file: Option<Arc<SourceFile>>,
    /// Per finding: the ignore-comment edit, once verified to suppress it (`None`: no such edit).
    ignore_edits: HashMap<usize, Option<(trustlint_core::Span, String)>>,
}

/// Where a document belongs: its workspace folder (`None`: outside every folder) and the path
/// findings are reported under.
#[derive(Clone)]
struct Place {
    workspace: Option<usize>,
    display: String,
    /// Local path for `file:` documents.
    path: Option<PathBuf>,
}

struct Server<'a> {
    connection: &'a Connection,
    unit: ColumnUnit,
    capabilities: ClientCapabilities,
    workspaces: Vec<Workspace>,
    detached: Workspace,
    documents: HashMap<Uri, Document>,
    /// Configuration files whose error is currently published as a diagnostic.
    config_errors_published: HashSet<PathBuf>,
    next_request: i32,
    /// `shutdown` was received: only `exit` is expected now.
    shutting_down: bool,
}

pub fn serve(connection: &Connection) -> Result<(), String> {
    let Some((id, params)) = handshake(connection)? else { return Ok(()) };
    let unit = negotiate_encoding(&params.capabilities);
    let result = InitializeResult {
        capabilities: capabilities(unit),
        server_info: Some(ServerInfo {
            name: "trustlint".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    send(connection, Response::new_ok(id, result));
    let mut server = Server {
        connection,
        unit,
        workspaces: workspace_roots(&params).into_iter().map(Workspace::open).collect(),
        capabilities: params.capabilities,
        detached: Workspace::detached(),
        documents: HashMap::new(),
        config_errors_published: HashSet::new(),
        next_request: 0,
        shutting_down: false,
    };
    server.main_loop()
}

/// Wait for `initialize`; requests before it get `ServerNotInitialized`. `None` when the client
/// says `exit` first.
fn handshake(connection: &Connection) -> Result<Option<(RequestId, InitializeParams)>, String> {
    loop {
        let Ok(message) = connection.receiver.recv() else {
            return Err("the client closed the connection before initializing".to_string());
        };
        match message {
            Message::Request(request) if request.method == "initialize" => {
                match serde_json::from_value::<InitializeParams>(request.params) {
                    Ok(params) => return Ok(Some((request.id, params))),
                    Err(e) => send(
                        connection,
                        Response::new_err(request.id, ErrorCode::InvalidParams as i32, e.to_string()),
                    ),
                }
            }
            Message::Request(request) => send(
                connection,
                Response::new_err(
                    request.id,
                    ErrorCode::ServerNotInitialized as i32,
                    "the server is not initialized yet".to_string(),
                ),
            ),
            Message::Notification(notification) if notification.method == "exit" => return Ok(None),
            Message::Notification(_) | Message::Response(_) => {}
        }
    }
}

/// UTF-8 when the client offers it (no conversion at all), else the protocol's UTF-16.
fn negotiate_encoding(capabilities: &ClientCapabilities) -> ColumnUnit {
    let offered = capabilities.general.as_ref().and_then(|general| general.position_encodings.as_ref());
    if offered.is_some_and(|encodings| encodings.contains(&PositionEncodingKind::UTF8)) {
        ColumnUnit::Utf8
    } else {
        ColumnUnit::Utf16
    }
}

fn capabilities(unit: ColumnUnit) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(match unit {
            ColumnUnit::Utf8 => PositionEncodingKind::UTF8,
            ColumnUnit::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions { include_text: Some(false) })),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![lsp_types::CodeActionKind::QUICKFIX]),
            resolve_provider: Some(false),
            work_done_progress_options: Default::default(),
        })),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}

/// The workspace folders, else the (deprecated) root URI or root path.
#[allow(deprecated)]
fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    if let Some(folders) = params.workspace_folders.as_ref().filter(|folders| !folders.is_empty()) {
        return folders.iter().filter_map(|folder| convert::uri_to_path(&folder.uri)).collect();
    }
    if let Some(path) = params.root_uri.as_ref().and_then(convert::uri_to_path) {
        return vec![path];
    }
    params.root_path.iter().filter(|p| !p.is_empty()).map(PathBuf::from).collect()
}

fn send(connection: &Connection, message: impl Into<Message>) {
    // A closed channel means the client is gone; the loop ends on the next receive.
    let _ = connection.sender.send(message.into());
}

enum Flow {
    Continue,
    Exit(Result<(), String>),
}

impl Server<'_> {
    fn main_loop(&mut self) -> Result<(), String> {
        loop {
            // The client closing the pipe without `exit` is an end too.
            let Ok(message) = self.connection.receiver.recv() else { return Ok(()) };
            if let Flow::Exit(result) = self.handle(message) {
                return result;
            }
            // Handle what is already queued before checking, so a burst of edits is checked once.
            while let Ok(message) = self.connection.receiver.try_recv() {
                if let Flow::Exit(result) = self.handle(message) {
                    return result;
                }
            }
            self.check_changed();
        }
    }

    fn handle(&mut self, message: Message) -> Flow {
        match message {
            Message::Request(request) if request.method == "shutdown" => {
                self.shutting_down = true;
                send(self.connection, Response::new_ok(request.id, Value::Null));
            }
            // After `shutdown` only `exit` is expected; the protocol says to refuse requests.
            Message::Request(request) if self.shutting_down => send(
                self.connection,
                Response::new_err(request.id, ErrorCode::InvalidRequest as i32, "shutting down".to_string()),
            ),
            Message::Request(request) => self.request(request),
            Message::Notification(notification) if notification.method == "exit" => {
                return Flow::Exit(if self.shutting_down {
                    Ok(())
                } else {
                    Err("the client sent `exit` without `shutdown`".to_string())
                });
            }
            Message::Notification(_) if self.shutting_down => {}
            Message::Notification(notification) => self.notification(notification),
            // Answers to our own requests (capability registration): nothing to do.
            Message::Response(_) => {}
        }
        Flow::Continue
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        let response = match request.method.as_str() {
            HoverRequest::METHOD => params(request).map(|p| self.hover(p)).and_then(ok(id.clone())),
            CodeActionRequest::METHOD => {
                params(request).map(|p| self.code_actions(p)).and_then(ok(id.clone()))
            }
            method => {
                Err(ResponseError(ErrorCode::MethodNotFound, format!("unsupported request `{method}`")))
            }
        };
        let response = response
            .unwrap_or_else(|ResponseError(code, message)| Response::new_err(id, code as i32, message));
        send(self.connection, response);
    }

    fn notification(&mut self, notification: Notification) {
        match notification.method.as_str() {
            "initialized" => self.initialized(),
            DidOpenTextDocument::METHOD => {
                if let Ok(DidOpenTextDocumentParams { text_document: item }) =
                    notification_params(notification)
                {
                    let document = Document {
                        version: Some(item.version),
                        language_id: item.language_id,
                        text: item.text,
                        checked: None,
                        noted_too_large: false,
                    };
                    self.documents.insert(item.uri, document);
                    self.mark_chain_stale();
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(params) = notification_params::<DidChangeTextDocumentParams>(notification) {
                    self.change(params);
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(params) = notification_params::<DidSaveTextDocumentParams>(notification) {
                    self.save(params);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(params) = notification_params::<DidCloseTextDocumentParams>(notification) {
                    let uri = params.text_document.uri;
                    self.documents.remove(&uri);
                    // The text on disk replaces the buffer in the chain.
                    self.mark_chain_stale();
                    // A broken trustlint.toml keeps its diagnostic while closed.
                    let kept =
                        convert::uri_to_path(&uri).map(|p| self.config_diagnostics(&p)).unwrap_or_default();
                    self.publish(uri, kept, None);
                }
            }
            DidChangeWatchedFiles::METHOD => {
                if let Ok(params) = notification_params::<DidChangeWatchedFilesParams>(notification) {
                    let paths: Vec<PathBuf> = params
                        .changes
                        .iter()
                        .filter_map(|change| convert::uri_to_path(&change.uri))
                        .collect();
                    self.reload_configs(&paths);
                }
            }
            DidChangeWorkspaceFolders::METHOD => {
                if let Ok(params) = notification_params::<DidChangeWorkspaceFoldersParams>(notification) {
                    self.change_folders(params);
                }
            }
            // Everything else ($/cancelRequest, $/setTrace, ...) needs no answer.
            _ => {}
        }
    }

    /// After the handshake: watch `trustlint.toml` when the client lets servers register
    /// watchers, and report configurations that could not be read.
    fn initialized(&mut self) {
        let dynamic = self
            .capabilities
            .workspace
            .as_ref()
            .and_then(|workspace| workspace.did_change_watched_files.as_ref())
            .and_then(|watched| watched.dynamic_registration)
            .unwrap_or(false);
        if dynamic {
            let options = DidChangeWatchedFilesRegistrationOptions {
                watchers: vec![FileSystemWatcher {
                    glob_pattern: GlobPattern::String(format!("**/{FILE_NAME}")),
                    kind: None,
                }],
            };
            let registration = Registration {
                id: "trustlint-config-watcher".to_string(),
                method: DidChangeWatchedFiles::METHOD.to_string(),
                register_options: serde_json::to_value(options).ok(),
            };
            self.next_request += 1;
            let id = RequestId::from(format!("trustlint-{}", self.next_request));
            let params = RegistrationParams { registrations: vec![registration] };
            send(self.connection, Request::new(id, RegisterCapability::METHOD.to_string(), params));
        }
        for index in 0..self.workspaces.len() {
            self.report_config(index, None);
        }
    }

    fn change(&mut self, params: DidChangeTextDocumentParams) {
        let unit = self.unit;
        let Some(document) = self.documents.get_mut(&params.text_document.uri) else { return };
        for change in params.content_changes {
            match change.range {
                None => document.text = change.text,
                // We ask for full text, but a client sending ranges is still understood.
                Some(range) => {
                    let file = SourceFile::new("", document.text.as_str());
                    let span = convert::span(&file, range, unit);
                    let edit = trustlint_core::TextEdit { span, replacement: change.text };
                    if let Some(text) = trustlint_core::apply_edits(&document.text, &[edit]) {
                        document.text = text;
                    }
                }
            }
        }
        document.version = Some(params.text_document.version);
        document.checked = None;
        self.mark_chain_stale();
    }

    fn save(&mut self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        if let Some(document) = self.documents.get_mut(&uri) {
            if let Some(text) = params.text {
                document.text = text;
            }
            document.checked = None;
        }
        if let Some(path) = convert::uri_to_path(&uri) {
            self.reload_configs(&[path]);
        }
        // A save may come with files created or deleted around it: walk the folders again.
        for workspace in &mut self.workspaces {
            workspace.chain.forget_listing();
            workspace.chain_stale = true;
        }
    }

    /// Re-read the configuration of every folder whose `trustlint.toml` is among `paths`, and
    /// re-check every open document if any was.
    fn reload_configs(&mut self, paths: &[PathBuf]) {
        let mut reloaded = false;
        for index in 0..self.workspaces.len() {
            let config = self.workspaces[index].config_path();
            if config.is_some_and(|config| paths.contains(&config)) {
                let before = self.workspaces[index].config_error.clone();
                self.workspaces[index].reload();
                self.report_config(index, before.as_deref());
                reloaded = true;
            }
        }
        if reloaded {
            for document in self.documents.values_mut() {
                document.checked = None;
            }
        }
    }

    /// Tell the user about a configuration error (once per distinct error), and publish it on
    /// `trustlint.toml` (or clear it) when that file is not open (open documents are re-checked).
    fn report_config(&mut self, index: usize, before: Option<&str>) {
        let workspace = &self.workspaces[index];
        let Some(path) = workspace.config_path() else { return };
        let error = workspace.config_error.clone();
        if let Some(error) = &error
            && before != Some(error.as_str())
        {
            let params = ShowMessageParams {
                typ: MessageType::ERROR,
                message: format!(
                    "trustlint: {error}. The last valid configuration applies until this is fixed."
                ),
            };
            send(self.connection, Notification::new(ShowMessage::METHOD.to_string(), params));
        }
        let open = self.documents.keys().any(|uri| convert::uri_to_path(uri).as_ref() == Some(&path));
        if open {
            return;
        }
        let had = self.config_errors_published.contains(&path);
        if (error.is_some() || had)
            && let Some(uri) = convert::path_to_uri(&path)
        {
            let diagnostics = self.config_diagnostics(&path);
            self.publish(uri, diagnostics, None);
        }
    }

    /// The diagnostic for a broken `trustlint.toml` at `path`, if it is one.
    fn config_diagnostics(&mut self, path: &Path) -> Vec<Diagnostic> {
        let Some(workspace) = self.workspaces.iter().find(|w| w.config_path().as_deref() == Some(path))
        else {
            return Vec::new();
        };
        let Some(error) = &workspace.config_error else {
            self.config_errors_published.remove(path);
            return Vec::new();
        };
        // The error's line numbers are those of the file as saved.
        let file = SourceFile::new(
            FILE_NAME,
            trustlint_core::read::read_text(path, trustlint_engine::config::MAX_CONFIG_SIZE)
                .unwrap_or_default(),
        );
        let range = error_line(error)
            .and_then(|line| file.line_span(line))
            .map(|span| convert::range(&file, span, self.unit))
            .unwrap_or_default();
        let prefix = format!("{}: ", path.display());
        let message = error.strip_prefix(&prefix).unwrap_or(error);
        self.config_errors_published.insert(path.to_path_buf());
        vec![Diagnostic {
            range,
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some("trustlint".to_string()),
            message: format!("{message}\nThe last valid configuration applies until this is fixed."),
            ..Diagnostic::default()
        }]
    }

    fn change_folders(&mut self, params: DidChangeWorkspaceFoldersParams) {
        let removed: Vec<PathBuf> =
            params.event.removed.iter().filter_map(|folder| convert::uri_to_path(&folder.uri)).collect();
        self.workspaces
            .retain(|workspace| workspace.root.as_ref().is_none_or(|root| !removed.contains(root)));
        for folder in &params.event.added {
            if let Some(root) = convert::uri_to_path(&folder.uri)
                && !self.workspaces.iter().any(|w| w.root.as_ref() == Some(&root))
            {
                self.workspaces.push(Workspace::open(root));
                let index = self.workspaces.len() - 1;
                self.report_config(index, None);
            }
        }
        for document in self.documents.values_mut() {
            document.checked = None;
        }
    }

    /// The folder a document belongs to (the innermost one) and its display path.
    fn place(&self, uri: &Uri, language_id: &str) -> Place {
        let Some(path) = convert::uri_to_path(uri) else {
            return Place { workspace: None, display: unsaved_name(uri, language_id), path: None };
        };
        let inner = self
            .workspaces
            .iter()
            .enumerate()
            .filter_map(|(index, workspace)| {
                let display = workspace.display_path(&path)?;
                Some((workspace.root.as_ref().map_or(0, |root| root.components().count()), index, display))
            })
            .max_by_key(|(depth, _, _)| *depth);
        match inner {
            Some((_, index, display)) => Place { workspace: Some(index), display, path: Some(path) },
            None => {
                let display = path.to_string_lossy().replace('\\', "/");
                Place { workspace: None, display, path: Some(path) }
            }
        }
    }

    fn workspace(&self, place: &Place) -> &Workspace {
        place.workspace.and_then(|index| self.workspaces.get(index)).unwrap_or(&self.detached)
    }

    /// The URI of a display path seen from a document: the document itself, or a file in its folder.
    fn uri_of(&self, uri: &Uri, place: &Place, display: &str) -> Option<Uri> {
        if display == place.display {
            return Some(uri.clone());
        }
        place.path.as_ref()?;
        convert::path_to_uri(&self.workspace(place).local_path(display))
    }

    fn mark_chain_stale(&mut self) {
        for workspace in &mut self.workspaces {
            workspace.chain_stale = true;
        }
    }

    /// Link each workspace folder whose chain is stale, with the open buffers in place of the
    /// disk text, and mark for re-publishing the open documents whose chain findings changed.
    fn relink(&mut self) {
        for index in 0..self.workspaces.len() {
            if !self.workspaces[index].chain_stale {
                continue;
            }
            let Some(root) = self.workspaces[index].root.clone() else { continue };
            let mut buffers = BTreeMap::new();
            let mut open = Vec::new();
            for (uri, document) in &self.documents {
                let place = self.place(uri, &document.language_id);
                if place.workspace != Some(index) {
                    continue;
                }
                let workspace = &self.workspaces[index];
                if !workspace.excludes(&place.display) && document.text.len() as u64 <= DEFAULT_MAX_FILE_SIZE
                {
                    buffers.insert(place.display.clone(), document.text.clone());
                }
                open.push((uri.clone(), place.display));
            }
            let workspace = &mut self.workspaces[index];
            workspace.chain_stale = false;
            let findings = workspace.engine.check_chain_in(&root, &buffers, &mut workspace.chain);
            let mut by_path: HashMap<String, Vec<Finding>> = HashMap::new();
            for finding in findings {
                by_path.entry(finding.primary.path().to_string()).or_default().push(finding);
            }
            let shown = |findings: Option<&Vec<Finding>>| -> Vec<(String, usize, usize, String)> {
                findings
                    .map(|findings| {
                        findings
                            .iter()
                            .map(|f| {
                                (
                                    f.rule.to_string(),
                                    f.primary.span.start,
                                    f.primary.span.end,
                                    f.message.clone(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let changed: Vec<Uri> = open
                .into_iter()
                .filter(|(_, display)| {
                    shown(workspace.chain_findings.get(display)) != shown(by_path.get(display))
                })
                .map(|(uri, _)| uri)
                .collect();
            workspace.chain_findings = by_path;
            for uri in changed {
                if let Some(document) = self.documents.get_mut(&uri) {
                    document.checked = None;
                }
            }
        }
    }

    fn check_changed(&mut self) {
        self.relink();
        let changed: Vec<Uri> = self
            .documents
            .iter()
            .filter(|(_, document)| document.checked.is_none())
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in changed {
            self.check(&uri);
        }
    }

    /// Check a document if its text changed since the last check, and publish the result.
    fn check(&mut self, uri: &Uri) {
        // Chain findings are only shown from a link of the current texts.
        self.relink();
        let Some(document) = self.documents.get(uri) else { return };
        if document.checked.is_some() {
            return;
        }
        let place = self.place(uri, &document.language_id);
        let workspace = self.workspace(&place);
        // The CLI's size limit applies too: no policy or template is this big.
        let too_large = document.text.len() as u64 > DEFAULT_MAX_FILE_SIZE;
        if too_large && !document.noted_too_large {
            let message = format!(
                "trustlint: {} is not checked: {:.1} MiB is over the {:.1} MiB size limit",
                place.display,
                document.text.len() as f64 / 1_048_576.0,
                DEFAULT_MAX_FILE_SIZE as f64 / 1_048_576.0
            );
            let params = LogMessageParams { typ: MessageType::INFO, message };
            send(self.connection, Notification::new(LogMessage::METHOD.to_string(), params));
        }
        let mut findings = if workspace.excludes(&place.display) || too_large {
            Vec::new()
        } else {
            // The local path, not the display path (relative to the workspace folder, not to
            // the server's working directory): a program reads the stack files next to it.
            let disk_path = place.path.as_deref();
            let mut findings =
                workspace.engine.check_text_at(&place.display, &document.text, disk_path).unwrap_or_default();
            // The trust chain, linked over the whole folder (see `relink`).
            findings.extend(workspace.chain_findings.get(&place.display).into_iter().flatten().cloned());
            findings
        };
        findings.retain(|finding| finding.suppression.is_none() && finding.primary.path() == place.display);
        trustlint_engine::run::finish(&mut findings);
        let uri_of = |display: &str| self.uri_of(uri, &place, display);
        let diagnostics: Vec<Diagnostic> =
            findings.iter().map(|finding| convert::diagnostic(finding, self.unit, &uri_of)).collect();
        let file = findings.first().map(|finding| Arc::clone(&finding.primary.file));
        let version = document.version;
        let mut published = diagnostics.clone();
        if let Some(path) = &place.path {
            published.extend(self.config_diagnostics(path));
        }
        self.publish(uri.clone(), published, version);
        if let Some(document) = self.documents.get_mut(uri) {
            document.noted_too_large = too_large;
            document.checked =
                Some(Checked { place, findings, diagnostics, file, ignore_edits: HashMap::new() });
        }
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams { uri, diagnostics, version };
        send(self.connection, Notification::new(PublishDiagnostics::METHOD.to_string(), params));
    }

    /// The rule documents of the findings under the cursor.
    fn hover(&mut self, params: HoverParams) -> Option<Hover> {
        let position = params.text_document_position_params;
        let uri = position.text_document.uri;
        self.check(&uri);
        let checked = self.documents.get(&uri)?.checked.as_ref()?;
        let file = checked.file.as_ref()?;
        let offset = convert::offset(file, position.position, self.unit);
        let hits: Vec<&Finding> = checked
            .findings
            .iter()
            .filter(|finding| finding.primary.span.start <= offset && offset <= finding.primary.span.end)
            .collect();
        let first = hits.first()?;
        let mut sections = Vec::new();
        let mut seen = Vec::new();
        for finding in &hits {
            if seen.contains(&finding.rule) {
                continue;
            }
            seen.push(finding.rule);
            let severity = hits.iter().filter(|f| f.rule == finding.rule).map(|f| f.severity).max();
            let severity = severity.unwrap_or(finding.severity);
            let doc = trustlint_rules::catalog::find(finding.rule)
                .map_or_else(|| format!("# {}", finding.rule), |meta| meta.doc.trim_end().to_string());
            let link = trustlint_core::rule::help_uri(finding.rule);
            sections.push(format!("{doc}\n\n---\n\nSeverity here: **{severity}** · [rule page]({link})"));
        }
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: sections.join("\n\n---\n\n"),
            }),
            range: Some(convert::range(file, first.primary.span, self.unit)),
        })
    }

    /// Quick fixes for the findings that touch the requested range.
    fn code_actions(&mut self, params: CodeActionParams) -> Vec<CodeActionOrCommand> {
        let wanted = params.context.only.as_ref().is_none_or(|only| {
            only.iter().any(|kind| kind.as_str().is_empty() || kind.as_str() == "quickfix")
        });
        let uri = params.text_document.uri;
        if !wanted {
            return Vec::new();
        }
        self.check(&uri);
        let unit = self.unit;
        let Some(document) = self.documents.get(&uri) else { return Vec::new() };
        let Some(checked) = document.checked.as_ref() else { return Vec::new() };
        let Some(file) = checked.file.clone() else { return Vec::new() };
        let requested = convert::span(&file, params.range, unit);
        let touching: Vec<usize> = (0..checked.findings.len())
            .filter(|&i| {
                let span = checked.findings[i].primary.span;
                span.start <= requested.end && requested.start <= span.end
            })
            .collect();
        let place = checked.place.clone();
        let mut out = Vec::new();
        for index in touching {
            let edit = self.verified_ignore_edit(&uri, index);
            let Some(checked) = self.documents.get(&uri).and_then(|d| d.checked.as_ref()) else { break };
            let finding = &checked.findings[index];
            let diagnostic = &checked.diagnostics[index];
            if let Some(fix) = &finding.fix {
                let uri_of = |display: &str| self.uri_of(&uri, &place, display);
                if let Some(action) = actions::fix_action(finding, fix, diagnostic, unit, &uri_of) {
                    out.push(CodeActionOrCommand::CodeAction(action));
                }
            }
            if let Some(edit) = edit {
                let action = actions::ignore_action(&uri, &file, edit, finding.rule, diagnostic, unit);
                out.push(CodeActionOrCommand::CodeAction(action));
            }
        }
        out
    }

    /// The ignore-comment edit for finding `index`, offered only once a check of the edited text
    /// shows that it suppresses the finding and breaks nothing (a comment line inside a YAML
    /// block scalar, say, would be text, not a comment).
    fn verified_ignore_edit(&mut self, uri: &Uri, index: usize) -> Option<(trustlint_core::Span, String)> {
        let document = self.documents.get(uri)?;
        let checked = document.checked.as_ref()?;
        if let Some(cached) = checked.ignore_edits.get(&index) {
            return cached.clone();
        }
        let finding = &checked.findings[index];
        let rule = finding.rule;
        let edit = actions::comment_prefix(&checked.place.display, &document.text)
            .and_then(|prefix| {
                actions::ignore_edit(&finding.primary.file, finding.primary.span, rule, prefix)
            })
            .filter(|(span, new_text)| {
                let edit = trustlint_core::TextEdit { span: *span, replacement: new_text.clone() };
                let Some(edited) = trustlint_core::apply_edits(&document.text, &[edit]) else { return false };
                let engine = &self.workspace(&checked.place).engine;
                let place = &checked.place;
                let Some(after) = engine.check_text_at(&place.display, &edited, place.path.as_deref()) else {
                    return false;
                };
                let count = |findings: &[Finding], rule: &str| {
                    findings.iter().filter(|f| f.suppression.is_none() && f.rule == rule).count()
                };
                let parse_error = trustlint_rules::PARSE_ERROR;
                count(&after, rule) < count(&checked.findings, rule)
                    && count(&after, parse_error) <= count(&checked.findings, parse_error)
            });
        if let Some(checked) = self.documents.get_mut(uri).and_then(|d| d.checked.as_mut()) {
            checked.ignore_edits.insert(index, edit.clone());
        }
        edit
    }
}

/// A name for an unsaved buffer: its URI's last segment, with an extension from its language
/// when it has none, so the engine can tell what it is.
fn unsaved_name(uri: &Uri, language_id: &str) -> String {
    let text = uri.as_str();
    let name = text.rsplit(['/', ':']).next().unwrap_or(text);
    let has_extension = name.rsplit_once('.').is_some_and(|(stem, _)| !stem.is_empty());
    let extension = match language_id {
        "json" => "json",
        "jsonc" => "jsonc",
        "yaml" => "yaml",
        "typescript" => "ts",
        "typescriptreact" => "tsx",
        "javascript" => "js",
        "javascriptreact" => "jsx",
        "python" => "py",
        _ => "",
    };
    if has_extension || extension.is_empty() { name.to_string() } else { format!("{name}.{extension}") }
}

struct ResponseError(ErrorCode, String);

fn params<P: DeserializeOwned>(request: Request) -> Result<P, ResponseError> {
    serde_json::from_value(request.params).map_err(|e| ResponseError(ErrorCode::InvalidParams, e.to_string()))
}

fn ok<R: Serialize>(id: RequestId) -> impl FnOnce(R) -> Result<Response, ResponseError> {
    move |result| Ok(Response::new_ok(id, result))
}

fn notification_params<P: DeserializeOwned>(notification: Notification) -> Result<P, serde_json::Error> {
    serde_json::from_value(notification.params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn unsaved_buffers_are_named_by_their_language() {
        let uri = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(unsaved_name(&uri, "json"), "Untitled-1.json");
        assert_eq!(unsaved_name(&uri, "markdown"), "Untitled-1");
        let uri = Uri::from_str("untitled:/tmp/trust.json").unwrap();
        assert_eq!(unsaved_name(&uri, "plaintext"), "trust.json");
    }
}
