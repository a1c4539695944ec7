//! The editor side of an in-process server: a client on the other end of `Connection::memory()`
//! speaks the protocol as an editor would (JSON messages). Each test file uses only some of it.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};

pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The editor side of the connection.
pub struct Client {
    pub connection: Connection,
    server: Option<JoinHandle<Result<(), String>>>,
    next_id: i32,
    /// Notifications received while waiting for something else.
    pending: VecDeque<Notification>,
    pub initialize_result: Value,
}

impl Client {
    /// Start a server and initialize it with `capabilities` and `root` as the workspace folder.
    pub fn start(capabilities: Value, root: Option<&Path>) -> Client {
        let (server_side, client_side) = Connection::memory();
        let server = std::thread::spawn(move || trustlint_lsp::run(&server_side));
        let mut client = Client {
            connection: client_side,
            server: Some(server),
            next_id: 0,
            pending: VecDeque::new(),
            initialize_result: Value::Null,
        };
        let folders = root.map(|root| json!([{ "uri": file_uri(root), "name": "root" }]));
        let result = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": capabilities, "workspaceFolders": folders }),
        );
        client.initialize_result = result.expect("initialize succeeds");
        client.notify("initialized", json!({}));
        client
    }

    pub fn notify(&self, method: &str, params: Value) {
        self.connection.sender.send(Notification::new(method.to_string(), params).into()).unwrap();
    }

    /// Send a request and wait for its response (a result, or the error as `Err`).
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, (i32, String)> {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.connection.sender.send(Request::new(id.clone(), method.to_string(), params).into()).unwrap();
        loop {
            match self.connection.receiver.recv_timeout(TIMEOUT).expect("the server answers") {
                Message::Response(Response { id: got, response_result }) if got == id => {
                    return response_result.map_err(|error| (error.code, error.message));
                }
                Message::Notification(notification) => self.pending.push_back(notification),
                Message::Request(request) => self.answer_server_request(request),
                Message::Response(other) => panic!("unexpected response {other:?}"),
            }
        }
    }

    pub fn answer_server_request(&self, request: Request) {
        let response = Response::new_ok(request.id, Value::Null);
        self.connection.sender.send(response.into()).unwrap();
    }

    /// The next notification with `method` (others stay queued).
    pub fn next_notification(&mut self, method: &str, matching: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.pending.iter().position(|n| n.method == method && matching(&n.params)) {
            return self.pending.remove(at).unwrap().params;
        }
        loop {
            match self.connection.receiver.recv_timeout(TIMEOUT) {
                Ok(Message::Notification(n)) if n.method == method && matching(&n.params) => return n.params,
                Ok(Message::Notification(n)) => self.pending.push_back(n),
                Ok(Message::Request(request)) => self.answer_server_request(request),
                Ok(other) => panic!("unexpected message {other:?}"),
                Err(e) => panic!("no `{method}` notification arrived: {e:?}; queued: {:?}", self.pending),
            }
        }
    }

    /// The next diagnostics published for `uri`.
    pub fn diagnostics(&mut self, uri: &str) -> Value {
        self.next_notification("textDocument/publishDiagnostics", |params| params["uri"] == uri)
    }

    pub fn open(&self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text } }),
        );
    }

    pub fn change(&self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    pub fn shutdown(mut self) -> Result<(), String> {
        assert_eq!(self.request("shutdown", Value::Null), Ok(Value::Null));
        // Requests after `shutdown` are refused; notifications are dropped.
        let refused = self.request("textDocument/hover", json!({})).unwrap_err();
        assert_eq!(refused.0, -32600, "invalid request");
        self.notify("textDocument/didClose", json!({ "textDocument": { "uri": "file:///x.json" } }));
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap()
    }
}

pub fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_str().unwrap().bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// The rule ids of published diagnostics.
pub fn rules_of(published: &Value) -> Vec<String> {
    published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}
