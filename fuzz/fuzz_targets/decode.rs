#![no_main]
//! Arbitrary bytes through the decoding layer, in one read and a byte at a time: no panic;
//! UTF-8 passes through untouched (a UTF-8 byte order mark dropped); UTF-16 with its mark is
//! what the standard library decodes, or an error when it is not UTF-16.
use std::io::{BufRead, Read};

use libfuzzer_sys::fuzz_target;

fn decoded(data: &[u8], capacity: usize) -> std::io::Result<Vec<u8>> {
    let inner: Box<dyn BufRead + Send> =
        Box::new(std::io::BufReader::with_capacity(capacity, std::io::Cursor::new(data.to_vec())));
    let mut out = Vec::new();
    entramap::source::decode::reader(inner)?.read_to_end(&mut out)?;
    Ok(out)
}

fn utf16(bytes: &[u8], little: bool) -> Option<String> {
    if bytes.len() % 2 == 1 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|p| if little { u16::from_le_bytes([p[0], p[1]]) } else { u16::from_be_bytes([p[0], p[1]]) })
        .collect();
    String::from_utf16(&units).ok()
}

fuzz_target!(|data: &[u8]| {
    let whole = decoded(data, 1 << 16);
    let bytewise = decoded(data, 1);
    assert_eq!(whole.as_ref().ok(), bytewise.as_ref().ok(), "a read at a time changes nothing");
    let expected: Option<Vec<u8>> = match data {
        [0xEF, 0xBB, 0xBF, rest @ ..] => Some(rest.to_vec()),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true).map(String::into_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false).map(String::into_bytes),
        _ => Some(data.to_vec()),
    };
    match (expected, whole) {
        (Some(expected), Ok(got)) => assert_eq!(got, expected),
        (None, Err(_)) => {}
        (expected, got) => panic!("expected {expected:?}, got {got:?}"),
    }
});
