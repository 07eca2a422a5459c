//! The one decoding layer under every file entramap reads (docs/mapping.md#encodings): UTF-8,
//! with or without a byte order mark, and UTF-16 little- or big-endian with its mark — what
//! Windows PowerShell 5.1's `Out-File` and `>` write — transcoded to UTF-8 as it streams.
//! UTF-8 input is passed through untouched (no copy, no second pass). Text that is not UTF-8
//! and has no mark (Excel's "CSV (Comma delimited)" is Windows-1252) is an error that says how
//! to save the file again.

// Reads input: no panics, whatever the input (docs/architecture.md#invariants).
#![cfg_attr(
    not(test),
    deny(
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// How a file's text is encoded, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a byte order mark (or anything else without one).
    Utf8,
    /// UTF-8 with its mark (EF BB BF), which is dropped.
    Utf8Bom,
    /// UTF-16 little-endian with its mark (FF FE).
    Utf16Le,
    /// UTF-16 big-endian with its mark (FE FF).
    Utf16Be,
}

impl Encoding {
    /// The encoding a text starting with `bytes` is in, and the length of its mark.
    pub fn sniff(bytes: &[u8]) -> (Encoding, usize) {
        match bytes {
            [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8Bom, 3),
            [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
            [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
            _ => (Encoding::Utf8, 0),
        }
    }
}

/// `inner`'s text as UTF-8: a UTF-8 mark dropped, UTF-16 transcoded as it is read, anything
/// else passed through as it is (the readers check it is UTF-8, record by record).
pub fn reader<'r>(
    mut inner: Box<dyn BufRead + Send + 'r>,
) -> std::io::Result<Box<dyn BufRead + Send + 'r>> {
    let first = inner.fill_buf()?.len();
    if first > 0 && first < 3 {
        // A mark may arrive in pieces (a pipe): the first bytes go back in front of the rest.
        let mut head = Vec::with_capacity(3);
        while head.len() < 3 {
            let more = inner.fill_buf()?;
            if more.is_empty() {
                break;
            }
            let k = (3 - head.len()).min(more.len());
            head.extend_from_slice(more.get(..k).unwrap_or_default());
            inner.consume(k);
        }
        let chained = std::io::Cursor::new(head).chain(inner);
        return decoded(Box::new(std::io::BufReader::new(chained)));
    }
    decoded(inner)
}

/// [`reader`], once the first bytes are in the buffer.
fn decoded<'r>(
    mut inner: Box<dyn BufRead + Send + 'r>,
) -> std::io::Result<Box<dyn BufRead + Send + 'r>> {
    let (encoding, mark) = Encoding::sniff(inner.fill_buf()?);
    inner.consume(mark);
    let utf16 = match encoding {
        Encoding::Utf8 | Encoding::Utf8Bom => return Ok(inner),
        Encoding::Utf16Le => encoding_rs::UTF_16LE,
        Encoding::Utf16Be => encoding_rs::UTF_16BE,
    };
    Ok(Box::new(Utf16Reader {
        inner,
        decoder: utf16.new_decoder_without_bom_handling(),
        decoded: Vec::new(),
        at: 0,
        read: mark,
        done: false,
    }))
}

/// UTF-16 decoded to UTF-8 a buffer at a time.
struct Utf16Reader<'r> {
    inner: Box<dyn BufRead + Send + 'r>,
    decoder: encoding_rs::Decoder,
    /// Decoded text not yet read, from `at`.
    decoded: Vec<u8>,
    at: usize,
    /// Bytes of `inner` decoded so far (for the error's position).
    read: usize,
    done: bool,
}

impl Utf16Reader<'_> {
    /// Decode the next piece of input into `decoded`; at the end, leave it empty.
    fn decode_more(&mut self) -> std::io::Result<()> {
        self.decoded.resize(1 << 16, 0);
        self.at = 0;
        loop {
            let src = self.inner.fill_buf()?;
            let last = src.is_empty();
            let (result, read, written) =
                self.decoder
                    .decode_to_utf8_without_replacement(src, &mut self.decoded, last);
            self.inner.consume(read);
            self.read += read;
            match result {
                encoding_rs::DecoderResult::Malformed(_, _) => {
                    self.decoded.clear();
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!(
                            "not UTF-16 text (a lone surrogate or an odd byte before byte {}), though the file starts with UTF-16's byte order mark: save it again as UTF-8",
                            self.read
                        ),
                    ));
                }
                _ if written > 0 => {
                    self.decoded.truncate(written);
                    return Ok(());
                }
                encoding_rs::DecoderResult::InputEmpty if last => {
                    self.decoded.clear();
                    self.done = true;
                    return Ok(());
                }
                // Input kept back (half a character): read on.
                _ => {}
            }
        }
    }
}

impl Read for Utf16Reader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out.get_mut(..n)
                .unwrap_or_default()
                .copy_from_slice(available.get(..n).unwrap_or_default());
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Utf16Reader<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.at >= self.decoded.len() && !self.done {
            self.decode_more()?;
        }
        Ok(self.decoded.get(self.at..).unwrap_or_default())
    }

    fn consume(&mut self, n: usize) {
        self.at = (self.at + n).min(self.decoded.len());
    }
}

/// Open `path` for reading as UTF-8 text (see [`reader`]).
pub fn open(path: &Path) -> std::io::Result<Box<dyn BufRead + Send + 'static>> {
    let file = std::fs::File::open(path)?;
    reader(Box::new(std::io::BufReader::with_capacity(1 << 16, file)))
}

/// Why a text file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// The file cannot be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// Not UTF-8, and no byte order mark says otherwise.
    #[error("{path}:{line}:{column}: {}", super::read::not_utf8("an invalid byte"))]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// The line of the first invalid byte.
        line: usize,
        /// Its column (bytes, from 1).
        column: usize,
    },
}

/// A whole text file (a schema, a mapping set, a test file, an expression): decoded as
/// [`reader`] decodes, and checked to be UTF-8.
pub fn read_text(path: &Path) -> Result<String, TextError> {
    let bytes = std::fs::read(path).map_err(|source| TextError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    text(bytes, path)
}

/// [`read_text`] for bytes already read (standard input); `origin` names them in errors.
pub fn text(bytes: Vec<u8>, origin: &Path) -> Result<String, TextError> {
    let io = |source| TextError::Io {
        path: origin.to_path_buf(),
        source,
    };
    let (encoding, mark) = Encoding::sniff(&bytes);
    let bytes = match encoding {
        Encoding::Utf8 => bytes,
        Encoding::Utf8Bom => bytes.get(mark..).unwrap_or_default().to_vec(),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let mut out = Vec::with_capacity(bytes.len());
            reader(Box::new(std::io::Cursor::new(bytes)))
                .and_then(|mut r| r.read_to_end(&mut out))
                .map_err(io)?;
            out
        }
    };
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = bytes.get(..at).unwrap_or_default();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        TextError::NotUtf8 {
            path: origin.to_path_buf(),
            line: memchr::memchr_iter(b'\n', before).count() + 1,
            column: at - line_start + 1,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8]) -> std::io::Result<String> {
        let mut out = String::new();
        reader(Box::new(std::io::BufReader::with_capacity(1, bytes)))?.read_to_string(&mut out)?;
        Ok(out)
    }

    #[test]
    fn every_encoding_reads_as_the_same_text() {
        let text = "{\"givenName\":\"Zoë 😀\"}\r\n";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let bom: Vec<u8> = [0xEF, 0xBB, 0xBF].into_iter().chain(text.bytes()).collect();
        for bytes in [text.as_bytes(), &bom, &le, &be] {
            assert_eq!(decoded(bytes).unwrap(), text);
        }
        assert_eq!(decoded(b"").unwrap(), "");
        assert_eq!(decoded(b"a").unwrap(), "a");
    }

    /// Found by the `decode` fuzz target: a caller reading into a buffer of fewer than four
    /// bytes (`read_to_end` near its capacity) was told the text had ended, so an odd last
    /// byte was never reported, and text was lost.
    #[test]
    fn small_reads_lose_nothing_and_an_odd_last_byte_is_an_error() {
        let text = "Zoë Müller, Ingénieure 😀 ".repeat(300);
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut decoded = reader(Box::new(std::io::Cursor::new(bytes.clone()))).unwrap();
        let mut out = Vec::new();
        let mut piece = [0u8; 3];
        loop {
            let n = decoded.read(&mut piece).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&piece[..n]);
        }
        assert_eq!(String::from_utf8(out).unwrap(), text);
        bytes.push(b'x');
        let mut out = Vec::new();
        let read =
            reader(Box::new(std::io::Cursor::new(bytes))).and_then(|mut r| r.read_to_end(&mut out));
        assert!(read.is_err());
    }

    #[test]
    fn broken_utf16_is_an_error() {
        // A lone high surrogate, then `a`.
        let bytes = [0xFF, 0xFE, 0x00, 0xD8, b'a', 0x00];
        let e = decoded(&bytes).unwrap_err();
        assert!(e.to_string().contains("not UTF-16 text"), "{e}");
    }
}
