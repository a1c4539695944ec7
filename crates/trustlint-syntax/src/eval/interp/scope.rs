//! Scopes: the interpreter's frames, and how declaring and assigning a name lands in them (a
//! name assigned inside a conditional block becomes Unknown once the block ends).

use super::{Frame, FrameKind, Interp, Value, unknown, value_span};

impl Interp<'_> {
    pub(super) fn lookup(&self, name: &str) -> Option<&Value> {
        self.frames.iter().rev().find_map(|frame| frame.vars.get(name))
    }

    pub(super) fn declare(&mut self, name: &str, value: Value) {
        if let Some(frame) = self.frames.last_mut() {
            frame.vars.insert(name.to_string(), value);
        }
    }

    /// Assign to an existing variable (or create one). Inside a conditional block, the outer
    /// variable is shadowed for the rest of the block and becomes Unknown after it.
    pub(super) fn assign(&mut self, name: &str, value: Value) {
        let top = self.frames.len() - 1;
        let defining = self.frames.iter().rposition(|frame| frame.vars.contains_key(name));
        let function_base = self
            .frames
            .iter()
            .rposition(|frame| matches!(frame.kind, FrameKind::Function | FrameKind::Global))
            .unwrap_or(0);
        // Python assigns locally unless the name is already local.
        let defining = match defining {
            Some(index) if self.python() && index < function_base => None,
            other => other,
        };
        let floor = defining.unwrap_or(function_base);
        let outermost_conditional =
            (floor + 1..=top).find(|&index| self.frames[index].kind == FrameKind::Conditional);
        match (defining, outermost_conditional) {
            (Some(index), None) => {
                self.frames[index].vars.insert(name.to_string(), value);
            }
            (None, None) => {
                // A new name: JavaScript's implicit global / Python's local go to the function
                // frame, never into a plain block.
                self.frames[function_base].vars.insert(name.to_string(), value);
            }
            (_, Some(conditional)) => {
                self.frames[top].vars.insert(name.to_string(), value);
                let tainted = &mut self.frames[conditional].tainted;
                if !tainted.iter().any(|t| t == name) {
                    tainted.push(name.to_string());
                }
            }
        }
    }

    pub(super) fn push(&mut self, kind: FrameKind) {
        self.frames.push(Frame::new(kind));
    }

    pub(super) fn pop(&mut self) {
        let Some(frame) = self.frames.pop() else { return };
        for name in frame.tainted {
            let span = self.lookup(&name).map(value_span).unwrap_or_default();
            self.assign(
                &name,
                unknown(format!("`{name}`, which is assigned conditionally or in a loop"), span),
            );
        }
    }
}
