//! CEL (the Common Expression Language of GCP attribute conditions) lexed and parsed into an
//! [`Expr`] tree with byte spans. What the expressions mean for a token is the model's business
//! (`trustlint_model::cel`); this module only reads the text, bounded on hostile input.

use trustlint_core::Span;

/// Deepest nesting read; deeper input is an error (and keeps the recursion bounded).
const MAX_DEPTH: usize = 64;
/// Longest chain of member accesses, indexes, calls or comparisons on one value (`a.b.c`,
/// `a == b == c`); they nest left to right, so this bounds the recursion over them too. `&&` and
/// `||` chains are flat and have no limit.
pub const MAX_CHAIN: usize = 256;

/// Why a text is not one CEL expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing but whitespace.
    Empty,
    /// What went wrong, in words (`unexpected `)``).
    Invalid(String),
}

/// Parse `text` as one whole CEL expression; spans are byte offsets into `text`.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let tokens = lex(text).map_err(ParseError::Invalid)?;
    if tokens.is_empty() {
        return Err(ParseError::Empty);
    }
    let mut parser = Parser { tokens: &tokens, pos: 0, depth: 0 };
    let expr = parser.expression().map_err(ParseError::Invalid)?;
    match tokens.get(parser.pos) {
        None => Ok(expr),
        Some(extra) => {
            Err(ParseError::Invalid(format!("unexpected `{}`", &text[extra.span.start..extra.span.end])))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Punct(&'static str),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    span: Span,
}

const PUNCTS: &[&str] = &[
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]", "{", "}", ",", ".", "?", ":", "+",
    "-", "*", "/", "%",
];

fn lex(text: &str) -> Result<Vec<Token>, String> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        // String literals, with an optional raw (`r`) or bytes (`b`) prefix.
        let prefix_len = match (c, bytes.get(i + 1)) {
            (b'r' | b'R' | b'b' | b'B', Some(b'\'' | b'"')) => 1,
            _ => 0,
        };
        if c == b'\'' || c == b'"' || prefix_len == 1 {
            let raw = matches!(c, b'r' | b'R');
            let (value, end) = string_literal(text, i + prefix_len, raw)?;
            tokens.push(Token { tok: Tok::Str(value), span: Span::new(start, end) });
            i = end;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            tokens.push(Token { tok: Tok::Ident(text[start..i].to_string()), span: Span::new(start, i) });
            continue;
        }
        if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                i += 1;
            }
            tokens.push(Token { tok: Tok::Num(text[start..i].to_string()), span: Span::new(start, i) });
            continue;
        }
        let Some(punct) = PUNCTS.iter().find(|p| text[i..].starts_with(**p)) else {
            let ch = text[i..].chars().next().unwrap_or('?');
            return Err(format!("unexpected character `{ch}`"));
        };
        i += punct.len();
        tokens.push(Token { tok: Tok::Punct(punct), span: Span::new(start, i) });
    }
    Ok(tokens)
}

/// Reads a quoted literal starting at byte `at` (the quote); returns its value and end offset.
fn string_literal(text: &str, at: usize, raw: bool) -> Result<(String, usize), String> {
    let rest = &text[at..];
    let quote = &rest[..1];
    let triple = quote.repeat(3);
    let delimiter = if rest.starts_with(&triple) { triple.as_str() } else { quote };
    let body_start = at + delimiter.len();
    let mut value = String::new();
    let mut chars = text[body_start..].char_indices();
    while let Some((offset, ch)) = chars.next() {
        let here = body_start + offset;
        if text[here..].starts_with(delimiter) {
            return Ok((value, here + delimiter.len()));
        }
        if ch == '\n' && delimiter.len() == 1 {
            return Err("a string literal is not closed before the end of the line".into());
        }
        if ch != '\\' || raw {
            value.push(ch);
            continue;
        }
        let Some((_, escaped)) = chars.next() else { break };
        let decoded = match escaped {
            '\\' => '\\',
            '\'' => '\'',
            '"' => '"',
            '`' => '`',
            '?' => '?',
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'a' => '\u{7}',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'v' => '\u{b}',
            'x' | 'u' | 'U' => {
                let digits = match escaped {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..digits).filter_map(|_| chars.next().map(|(_, c)| c)).collect();
                u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("invalid escape `\\{escaped}{hex}`"))?
            }
            other => return Err(format!("unsupported escape `\\{other}`")),
        };
        value.push(decoded);
    }
    Err("a string literal is not closed".into())
}

// ---------------------------------------------------------------------------------------------
// Parser

/// A parsed CEL expression.
#[derive(Clone, Debug)]
pub enum Expr {
    Bool(bool, Span),
    Str(String, Span),
    Num(String, Span),
    Null(Span),
    Ident(String, Span),
    Member(Box<Expr>, String, Span),
    Index(Box<Expr>, Box<Expr>, Span),
    Call {
        target: Option<Box<Expr>>,
        name: String,
        name_span: Span,
        args: Vec<Expr>,
        span: Span,
    },
    List(Vec<Expr>, Span),
    Not(Box<Expr>, Span),
    /// Two or more operands: a chain is one flat node, so 10,000 terms need no deep recursion.
    And(Vec<Expr>, Span),
    Or(Vec<Expr>, Span),
    Rel {
        op: &'static str,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// Arithmetic, negation, maps, ternaries: parsed to keep going, never evaluated.
    Other {
        what: &'static str,
        span: Span,
    },
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Bool(_, span)
            | Expr::Str(_, span)
            | Expr::Num(_, span)
            | Expr::Null(span)
            | Expr::Ident(_, span)
            | Expr::Member(_, _, span)
            | Expr::Index(_, _, span)
            | Expr::Call { span, .. }
            | Expr::List(_, span)
            | Expr::Not(_, span)
            | Expr::And(_, span)
            | Expr::Or(_, span)
            | Expr::Other { span, .. } => *span,
            Expr::Rel { lhs, rhs, .. } => lhs.span().cover(rhs.span()),
        }
    }
}

struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn is_punct(&self, punct: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(p)) if *p == punct)
    }

    fn eat_punct(&mut self, punct: &str) -> Option<Span> {
        if self.is_punct(punct) {
            self.pos += 1;
            Some(self.tokens[self.pos - 1].span)
        } else {
            None
        }
    }

    fn expect(&mut self, punct: &str) -> Result<Span, String> {
        self.eat_punct(punct).ok_or_else(|| match self.tokens.get(self.pos) {
            Some(_) => format!("expected `{punct}`"),
            None => format!("expected `{punct}` before the end"),
        })
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err("the expression is nested too deeply".into()) } else { Ok(()) }
    }

    fn expression(&mut self) -> Result<Expr, String> {
        self.enter()?;
        let condition = self.or()?;
        let result = if self.eat_punct("?").is_some() {
            self.or()?;
            self.expect(":")?;
            let otherwise = self.expression()?;
            Expr::Other { what: "a conditional (`? :`)", span: condition.span().cover(otherwise.span()) }
        } else {
            condition
        };
        self.depth -= 1;
        Ok(result)
    }

    fn or(&mut self) -> Result<Expr, String> {
        let first = self.and()?;
        if !self.is_punct("||") {
            return Ok(first);
        }
        let mut operands = vec![first];
        while self.eat_punct("||").is_some() {
            operands.push(self.and()?);
        }
        let span = operands[0].span().cover(operands[operands.len() - 1].span());
        Ok(Expr::Or(operands, span))
    }

    fn and(&mut self) -> Result<Expr, String> {
        let first = self.relation()?;
        if !self.is_punct("&&") {
            return Ok(first);
        }
        let mut operands = vec![first];
        while self.eat_punct("&&").is_some() {
            operands.push(self.relation()?);
        }
        let span = operands[0].span().cover(operands[operands.len() - 1].span());
        Ok(Expr::And(operands, span))
    }

    fn relation(&mut self) -> Result<Expr, String> {
        let mut lhs = self.additive()?;
        for _ in 0..=MAX_CHAIN {
            let op = match self.peek() {
                Some(Tok::Punct(p @ ("==" | "!=" | "<" | "<=" | ">" | ">="))) => *p,
                Some(Tok::Ident(word)) if word == "in" => "in",
                _ => return Ok(lhs),
            };
            let op_span = self.tokens[self.pos].span;
            self.pos += 1;
            let rhs = self.additive()?;
            lhs = Expr::Rel { op, op_span, lhs: Box::new(lhs), rhs: Box::new(rhs) };
        }
        Err(format!("more than {MAX_CHAIN} comparisons are chained"))
    }

    fn additive(&mut self) -> Result<Expr, String> {
        let mut lhs = self.multiplicative()?;
        while self.eat_punct("+").is_some() || self.eat_punct("-").is_some() {
            let rhs = self.multiplicative()?;
            lhs = Expr::Other { what: "arithmetic or concatenation", span: lhs.span().cover(rhs.span()) };
        }
        Ok(lhs)
    }

    fn multiplicative(&mut self) -> Result<Expr, String> {
        let mut lhs = self.unary()?;
        while self.eat_punct("*").is_some() || self.eat_punct("/").is_some() || self.eat_punct("%").is_some()
        {
            let rhs = self.unary()?;
            lhs = Expr::Other { what: "arithmetic", span: lhs.span().cover(rhs.span()) };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        self.enter()?;
        let result = if let Some(bang) = self.eat_punct("!") {
            let inner = self.unary()?;
            let span = bang.cover(inner.span());
            Ok(Expr::Not(Box::new(inner), span))
        } else if let Some(minus) = self.eat_punct("-") {
            let inner = self.unary()?;
            Ok(Expr::Other { what: "a negative number", span: minus.cover(inner.span()) })
        } else {
            self.member()
        };
        self.depth -= 1;
        result
    }

    fn member(&mut self) -> Result<Expr, String> {
        let mut expr = self.primary()?;
        for _ in 0..=MAX_CHAIN {
            if self.eat_punct(".").is_some() {
                let Some(Token { tok: Tok::Ident(name), span: name_span }) =
                    self.tokens.get(self.pos).cloned()
                else {
                    return Err("expected a field or method name after `.`".into());
                };
                self.pos += 1;
                if self.is_punct("(") {
                    let (args, close) = self.arguments()?;
                    let span = expr.span().cover(close);
                    expr = Expr::Call { target: Some(Box::new(expr)), name, name_span, args, span };
                } else {
                    let span = expr.span().cover(name_span);
                    expr = Expr::Member(Box::new(expr), name, span);
                }
            } else if self.eat_punct("[").is_some() {
                let index = self.expression()?;
                let close = self.expect("]")?;
                let span = expr.span().cover(close);
                expr = Expr::Index(Box::new(expr), Box::new(index), span);
            } else {
                return Ok(expr);
            }
        }
        Err(format!("more than {MAX_CHAIN} member accesses, indexes or calls are chained"))
    }

    /// `( args )`, positioned at the `(`; returns the arguments and the `)` span.
    fn arguments(&mut self) -> Result<(Vec<Expr>, Span), String> {
        self.expect("(")?;
        let mut args = Vec::new();
        if let Some(close) = self.eat_punct(")") {
            return Ok((args, close));
        }
        loop {
            args.push(self.expression()?);
            if let Some(close) = self.eat_punct(")") {
                return Ok((args, close));
            }
            self.expect(",")?;
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let Some(token) = self.tokens.get(self.pos).cloned() else {
            return Err("the expression ends too early".into());
        };
        self.pos += 1;
        match token.tok {
            Tok::Str(value) => Ok(Expr::Str(value, token.span)),
            Tok::Num(value) => Ok(Expr::Num(value, token.span)),
            Tok::Ident(word) => match word.as_str() {
                "true" => Ok(Expr::Bool(true, token.span)),
                "false" => Ok(Expr::Bool(false, token.span)),
                "null" => Ok(Expr::Null(token.span)),
                _ if self.is_punct("(") => {
                    let (args, close) = self.arguments()?;
                    let span = token.span.cover(close);
                    Ok(Expr::Call { target: None, name: word, name_span: token.span, args, span })
                }
                _ => Ok(Expr::Ident(word, token.span)),
            },
            Tok::Punct("(") => {
                let inner = self.expression()?;
                self.expect(")")?;
                Ok(inner)
            }
            Tok::Punct("[") => {
                let mut items = Vec::new();
                if let Some(close) = self.eat_punct("]") {
                    return Ok(Expr::List(items, token.span.cover(close)));
                }
                loop {
                    items.push(self.expression()?);
                    if let Some(close) = self.eat_punct("]") {
                        return Ok(Expr::List(items, token.span.cover(close)));
                    }
                    self.expect(",")?;
                    // A trailing comma is allowed.
                    if let Some(close) = self.eat_punct("]") {
                        return Ok(Expr::List(items, token.span.cover(close)));
                    }
                }
            }
            Tok::Punct("{") => {
                let mut depth = 1;
                let mut end = token.span;
                while depth > 0 {
                    let Some(next) = self.tokens.get(self.pos) else {
                        return Err("a map literal is not closed".into());
                    };
                    self.pos += 1;
                    end = next.span;
                    match next.tok {
                        Tok::Punct("{") => depth += 1,
                        Tok::Punct("}") => depth -= 1,
                        _ => {}
                    }
                }
                Ok(Expr::Other { what: "a map literal", span: token.span.cover(end) })
            }
            Tok::Punct(".") => self.primary(), // `.assertion`: a leading dot names the root scope
            Tok::Punct(p) => Err(format!("unexpected `{p}`")),
        }
    }
}

/// The names of a path expression: `assertion.repository` and `assertion['repository']` ->
/// `["assertion", "repository"]`.
pub fn path_of(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Ident(name, _) => Some(vec![name.clone()]),
        Expr::Member(base, field, _) => {
            let mut path = path_of(base)?;
            path.push(field.clone());
            Some(path)
        }
        Expr::Index(base, index, _) => match index.as_ref() {
            Expr::Str(field, _) => {
                let mut path = path_of(base)?;
                path.push(field.clone());
                Some(path)
            }
            _ => None,
        },
        _ => None,
    }
}
