//! Bytes read from disk into text for the checks, as secret scanners do: UTF-8 (a BOM is kept
//! and skipped by the readers), UTF-16 with a byte order mark decoded, and a file with NUL bytes
//! (a binary, or text with a few NULs in it) read for the text around them instead of skipped.

/// How a file's bytes became text.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// Valid UTF-8.
    Utf8(String),
    /// UTF-16 with a byte order mark, decoded (unpaired surrogates replaced). Offsets in the text
    /// are no longer file offsets, but lines are the same.
    Utf16(String),
    /// NUL bytes: a binary, or text with a few NULs. Each NUL is now a space (same length, so
    /// offsets hold); [`text_of_binary`] makes it text, which only text rules read, and only
    /// when they may find something in it (most binaries hold no keyword at all).
    Binary(Vec<u8>),
    /// Invalid UTF-8 without NULs, invalid sequences replaced by U+FFFD; `valid_up_to` is where
    /// the first one starts.
    Lossy { text: String, valid_up_to: usize },
}

pub fn decode(mut bytes: Vec<u8>) -> Decoded {
    if let Some(text) = utf16_with_bom(&bytes) {
        return Decoded::Utf16(text);
    }
    if bytes.contains(&0) {
        for byte in &mut bytes {
            if *byte == 0 {
                *byte = b' ';
            }
        }
        return Decoded::Binary(bytes);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Decoded::Utf8(text),
        Err(error) => {
            let valid_up_to = error.utf8_error().valid_up_to();
            Decoded::Lossy { text: String::from_utf8_lossy(error.as_bytes()).into_owned(), valid_up_to }
        }
    }
}

/// The text of a [`Decoded::Binary`], invalid UTF-8 replaced by U+FFFD.
pub fn text_of_binary(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    }
}

fn utf16_with_bom(bytes: &[u8]) -> Option<String> {
    let little_endian = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let units = bytes[2..].chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if little_endian { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) }
    });
    Some(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
        let mut bytes = if little_endian { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
        for unit in text.encode_utf16() {
            bytes.extend(if little_endian { unit.to_le_bytes() } else { unit.to_be_bytes() });
        }
        bytes
    }

    #[test]
    fn utf16_with_either_byte_order() {
        let text = "key = é𝄞\r\nnext\n";
        assert_eq!(decode(utf16(text, true)), Decoded::Utf16(text.to_string()));
        assert_eq!(decode(utf16(text, false)), Decoded::Utf16(text.to_string()));
        // An odd trailing byte and an unpaired surrogate do not stop the rest.
        let mut bytes = utf16("ab", true);
        bytes.extend([0x00, 0xD8, b'c', 0, 7]);
        assert_eq!(decode(bytes), Decoded::Utf16("ab\u{FFFD}c".to_string()));
    }

    #[test]
    fn nul_bytes_become_spaces_and_offsets_hold() {
        let decoded = decode(b"bin\0\0ary\nkey = value\n".to_vec());
        assert_eq!(decoded, Decoded::Binary(b"bin  ary\nkey = value\n".to_vec()));
        assert_eq!(text_of_binary(b"bin  ary\n".to_vec()), "bin  ary\n");
        let Decoded::Binary(bytes) = decode(b"a\0b\xFFc".to_vec()) else { panic!("a NUL makes a binary") };
        assert_eq!(text_of_binary(bytes), "a b\u{FFFD}c");
        assert_eq!(decode(b"a\xFFc".to_vec()), Decoded::Lossy { text: "a\u{FFFD}c".into(), valid_up_to: 1 });
        assert_eq!(decode(b"plain".to_vec()), Decoded::Utf8("plain".into()));
    }
}
