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
    /// NUL bytes or invalid UTF-8: each NUL becomes a space (same length, so offsets hold) and
    /// invalid sequences become U+FFFD. Only text rules read it; `valid_up_to` is where the first
    /// invalid UTF-8 sequence starts, if there is one.
    Lossy { text: String, has_nul: bool, valid_up_to: Option<usize> },
}

pub fn decode(bytes: Vec<u8>) -> Decoded {
    if let Some(text) = utf16_with_bom(&bytes) {
        return Decoded::Utf16(text);
    }
    let has_nul = bytes.contains(&0);
    let bytes =
        if has_nul { bytes.into_iter().map(|b| if b == 0 { b' ' } else { b }).collect() } else { bytes };
    match String::from_utf8(bytes) {
        Ok(text) if !has_nul => Decoded::Utf8(text),
        Ok(text) => Decoded::Lossy { text, has_nul, valid_up_to: None },
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            Decoded::Lossy {
                text: String::from_utf8_lossy(error.as_bytes()).into_owned(),
                has_nul,
                valid_up_to: Some(valid),
            }
        }
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
        assert_eq!(
            decoded,
            Decoded::Lossy { text: "bin  ary\nkey = value\n".into(), has_nul: true, valid_up_to: None }
        );
        let decoded = decode(b"a\0b\xFFc".to_vec());
        assert_eq!(
            decoded,
            Decoded::Lossy { text: "a b\u{FFFD}c".into(), has_nul: true, valid_up_to: Some(3) }
        );
        assert_eq!(decode(b"plain".to_vec()), Decoded::Utf8("plain".into()));
    }
}
