//! The stdio transport: LSP base-protocol framing (`Content-Length` headers) between standard
//! input and output and the server's in-memory connection.
//!
//! lsp-server's own stdio transport allocates whatever length a header declares before reading
//! (`Content-Length: 99999999999` aborts the process), ends the connection on one malformed body,
//! and hands over one message at a time, so edits waiting in the pipe were checked one by one.
//! Here each message is bounded by [`MAX_MESSAGE_BYTES`], a body that is not a JSON-RPC message
//! is answered with a JSON-RPC error and skipped, and every message read is queued at once, so
//! the server loop sees a burst of edits together and checks only the latest text.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex};

use lsp_server::{Connection, Message};
use serde_json::{Value, json};

/// The largest message accepted: a document at the 4 MiB size limit, JSON-escaped, fits many
/// times over; a larger one is answered with an error and skipped without being held in memory.
pub const MAX_MESSAGE_BYTES: u64 = 64 * 1024 * 1024;

/// The longest header line. Real headers are a few dozen bytes.
const MAX_HEADER_LINE_BYTES: u64 = 8 * 1024;

/// JSON-RPC error codes.
const PARSE_ERROR: i32 = -32700;
const INVALID_REQUEST: i32 = -32600;

type Output = Arc<Mutex<dyn Write + Send>>;

/// Serve one client over standard input and output.
pub fn run_stdio() -> Result<(), String> {
    let output: Output = Arc::new(Mutex::new(io::stdout()));
    let (server_side, client_side) = Connection::memory();
    let Connection { sender: to_server, receiver: from_server } = client_side;

    let writer_output = Arc::clone(&output);
    let writer = std::thread::spawn(move || -> io::Result<()> {
        for message in from_server {
            let mut out = writer_output.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            message.write(&mut &mut *out)?;
        }
        Ok(())
    });

    // Why reading stopped, when it was not the client closing the pipe or saying `exit`. Set
    // before the reader drops its sender, so it is there once the server loop has ended.
    let failure: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let reader_failure = Arc::clone(&failure);
    let reader_output = Arc::clone(&output);
    // Not joined: after `exit` it may still be waiting on standard input.
    std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        let mut reply = |error: Value| write_raw(&reader_output, &error);
        if let Err(message) = forward(&mut input, &mut |message| to_server.send(message).is_ok(), &mut reply)
        {
            *reader_failure.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(message);
        }
    });

    let result = crate::server::serve(&server_side);
    // The writer ends once the server's sender is gone.
    drop(server_side);
    let written = writer.join().map_err(|_| "the language server's writer thread panicked".to_string())?;
    result?;
    if let Some(message) = failure.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take() {
        return Err(message);
    }
    written.map_err(|e| format!("cannot write to the client: {e}"))
}

/// Read framed messages from `input` and hand each to `deliver` until the input ends, the client
/// says `exit`, or `deliver` returns false (the server is gone). A body that is too large or not a
/// JSON-RPC message gets a JSON-RPC error through `reply` and is skipped. Framing that cannot be
/// followed (a header that is not one, no `Content-Length`) ends the reading with an error: where
/// the next message starts is unknown.
pub fn forward(
    input: &mut dyn BufRead,
    deliver: &mut dyn FnMut(Message) -> bool,
    reply: &mut dyn FnMut(Value),
) -> Result<(), String> {
    loop {
        let Some(length) = read_headers(input)? else { return Ok(()) };
        if length > MAX_MESSAGE_BYTES {
            reply(error_response(
                Value::Null,
                INVALID_REQUEST,
                &format!(
                    "a message of {length} bytes is over the limit of {} MiB; it was skipped",
                    MAX_MESSAGE_BYTES / (1024 * 1024)
                ),
            ));
            let skipped = io::copy(&mut input.take(length), &mut io::sink())
                .map_err(|e| format!("cannot read from the client: {e}"))?;
            if skipped < length {
                return Ok(());
            }
            continue;
        }
        let mut body = Vec::with_capacity(length as usize);
        let read = input
            .take(length)
            .read_to_end(&mut body)
            .map_err(|e| format!("cannot read from the client: {e}"))?;
        if (read as u64) < length {
            return Ok(());
        }
        let value: Value = match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(e) => {
                // The body is not quoted back: it may hold a document's text.
                reply(error_response(Value::Null, PARSE_ERROR, &format!("the message is not JSON: {e}")));
                continue;
            }
        };
        let id = match value.get("id") {
            Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
            _ => Value::Null,
        };
        match serde_json::from_value::<Message>(value) {
            Ok(message) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if !deliver(message) || exit {
                    return Ok(());
                }
            }
            Err(e) => reply(error_response(id, INVALID_REQUEST, &format!("not a JSON-RPC message: {e}"))),
        }
    }
}

/// The headers of the next message: its `Content-Length`, or `None` at the end of the input.
fn read_headers(input: &mut dyn BufRead) -> Result<Option<u64>, String> {
    let mut length = None;
    let mut first = true;
    loop {
        let mut line = Vec::new();
        let read = input
            .take(MAX_HEADER_LINE_BYTES)
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("cannot read from the client: {e}"))?;
        if read == 0 {
            return if first { Ok(None) } else { Err("the input ended inside a message's headers".into()) };
        }
        first = false;
        if !line.ends_with(b"\n") {
            return Err(format!(
                "a header line is over {MAX_HEADER_LINE_BYTES} bytes: this is not a language client speaking"
            ));
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return match length {
                Some(length) => Ok(Some(length)),
                None => Err("a message has no Content-Length header".into()),
            };
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("malformed header `{}`", trustlint_core::terminal::escape_controls(line)));
        };
        if name.trim().eq_ignore_ascii_case("Content-Length") {
            let value = value.trim();
            length = Some(value.parse::<u64>().map_err(|_| {
                format!(
                    "Content-Length `{}` is not a number",
                    trustlint_core::terminal::escape_controls(value)
                )
            })?);
        }
    }
}

fn error_response(id: Value, code: i32, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

/// Write one JSON value as a framed message (for answers that lsp-server cannot express: an
/// error whose `id` is `null`).
fn write_raw(output: &Output, value: &Value) {
    let body = value.to_string();
    let mut out = output.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // A client that stopped reading is noticed by the reader and the server loop.
    let _ = write!(out, "Content-Length: {}\r\n\r\n{body}", body.len()).and_then(|()| out.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    fn change(version: i32) -> String {
        frame(
            &json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": { "uri": "file:///a.json", "version": version },
                "contentChanges": [{ "text": "{}" }] } })
            .to_string(),
        )
    }

    /// Everything `forward` delivers and replies, reading `input`.
    fn run(input: &[u8]) -> (Vec<Message>, Vec<Value>, Result<(), String>) {
        let (mut delivered, mut replies) = (Vec::new(), Vec::new());
        let result = forward(
            &mut io::BufReader::new(input),
            &mut |message| {
                delivered.push(message);
                true
            },
            &mut |reply| replies.push(reply),
        );
        (delivered, replies, result)
    }

    #[test]
    fn a_huge_declared_length_is_refused_without_allocating_it() {
        // The declared body never arrives: the input ends while it is skipped.
        let (delivered, replies, result) = run(b"Content-Length: 99999999999\r\n\r\n{\"jsonrpc\":\"2.0\"}");
        assert_eq!(result, Ok(()));
        assert!(delivered.is_empty());
        assert_eq!(replies.len(), 1);
        assert_eq!(replies[0]["id"], Value::Null);
        assert!(replies[0]["error"]["message"].as_str().unwrap().contains("over the limit"), "{replies:?}");
    }

    #[test]
    fn malformed_bodies_get_an_error_and_reading_goes_on() {
        let input =
            [frame("{ not json"), frame(r#"{"jsonrpc":"2.0","id":7,"method":3}"#), change(2)].concat();
        let (delivered, replies, result) = run(input.as_bytes());
        assert_eq!(result, Ok(()));
        assert_eq!(replies[0]["error"]["code"], PARSE_ERROR);
        assert_eq!(replies[0]["id"], Value::Null);
        assert_eq!(replies[1]["error"]["code"], INVALID_REQUEST);
        assert_eq!(replies[1]["id"], 7);
        assert_eq!(delivered.len(), 1, "the message after them is delivered");
    }

    #[test]
    fn a_burst_is_queued_whole_before_the_server_takes_any() {
        // An unbounded queue: all eleven edits are waiting when the server loop next looks, so it
        // handles them together and checks the last text once.
        let (server_side, client_side) = Connection::memory();
        let input: String = (2..=12).map(change).collect();
        let result = forward(
            &mut io::BufReader::new(input.as_bytes()),
            &mut |m| client_side.sender.send(m).is_ok(),
            &mut |_| {},
        );
        assert_eq!(result, Ok(()));
        assert_eq!(server_side.receiver.len(), 11);
    }

    #[test]
    fn broken_framing_ends_with_a_reason() {
        let (_, _, result) = run(b"Content-Length: lots\r\n\r\n{}");
        assert!(result.unwrap_err().contains("not a number"));
        let (_, _, result) = run(b"Content-Type: x\r\n\r\n{}");
        assert!(result.unwrap_err().contains("no Content-Length"));
        let endless = vec![b'a'; 100_000];
        let (_, _, result) = run(&endless);
        assert!(result.unwrap_err().contains("header line is over"));
    }
}
