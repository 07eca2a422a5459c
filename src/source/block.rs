//! Records read together: a block holds many records' text side by side in one buffer, with
//! where each one is and the line it starts on. `map` reads its input a block at a time and
//! plans blocks on many threads (docs/architecture.md#a-map-run); buffers are reused from
//! block to block, so reading costs no allocation per record.
//!
//! NDJSON is split here, with `memchr`, straight from the reader's buffer: the one place lines
//! are cut. Other layouts fill a block record by record.

use std::io::BufRead;
use std::ops::Range;

/// Records' text side by side, and where each record is.
#[derive(Debug, Default)]
pub struct Block {
    data: Vec<u8>,
    records: Vec<BlockRecord>,
}

/// One record of a block: the line it starts on, and its bytes or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRecord {
    /// The line the record starts on (1-based).
    pub line: usize,
    /// Its bytes in the block, or what is wrong with it (too long).
    pub text: Result<Range<usize>, String>,
}

impl Block {
    /// Forget the records, keeping the buffers.
    pub fn clear(&mut self) {
        self.data.clear();
        self.records.clear();
    }

    /// The records.
    pub fn records(&self) -> &[BlockRecord] {
        &self.records
    }

    /// The text of `record` (one of this block's).
    pub fn text<'b>(&'b self, record: &'b BlockRecord) -> Result<&'b [u8], &'b str> {
        match &record.text {
            Ok(range) => Ok(self.data.get(range.clone()).unwrap_or_default()),
            Err(reason) => Err(reason),
        }
    }

    /// Bytes of record text held.
    pub fn byte_len(&self) -> usize {
        self.data.len()
    }

    /// Add a record read elsewhere (JSON pages, CSV rows).
    pub(super) fn push(&mut self, line: usize, text: Result<&[u8], String>) {
        let text = text.map(|t| {
            let start = self.data.len();
            self.data.extend_from_slice(t);
            start..self.data.len()
        });
        self.records.push(BlockRecord { line, text });
    }
}

/// NDJSON: one record per non-blank line.
pub(super) struct Lines<'r> {
    reader: Box<dyn BufRead + Send + 'r>,
    /// The number of the next line to start.
    line: usize,
    max: usize,
    /// The start of a line that the last block ended inside.
    carry: Vec<u8>,
    /// Bytes so far of a line longer than `max`, being skipped.
    skipping: Option<usize>,
}

impl<'r> Lines<'r> {
    pub(super) fn new(reader: Box<dyn BufRead + Send + 'r>, max: usize) -> Lines<'r> {
        Lines {
            reader,
            line: 1,
            max,
            carry: Vec::new(),
            skipping: None,
        }
    }

    /// Refill `block` with whole lines, about `target` bytes of them. An empty block: the end.
    pub(super) fn fill(&mut self, block: &mut Block, target: usize) -> std::io::Result<()> {
        block.clear();
        block.data.append(&mut self.carry);
        // `data[line_start..]` is the line being read; `data[..scanned]` has been searched.
        let mut line_start = 0;
        let mut scanned = block.data.len();
        loop {
            if block.data.len() >= target && !block.records.is_empty() {
                break;
            }
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                if let Some(skipped) = self.skipping.take() {
                    self.too_long(block, skipped);
                } else if line_start < block.data.len() {
                    let end = block.data.len();
                    end_line(
                        &block.data,
                        &mut block.records,
                        &mut self.line,
                        (line_start, end),
                        self.max,
                    );
                    line_start = end;
                }
                break;
            }
            if let Some(skipped) = self.skipping.as_mut() {
                // Consume the rest of a line too long to keep, up to its end.
                match memchr::memchr(b'\n', chunk) {
                    Some(i) => {
                        let total = *skipped + i;
                        self.reader.consume(i + 1);
                        self.skipping = None;
                        self.too_long(block, total);
                    }
                    None => {
                        *skipped += chunk.len();
                        let n = chunk.len();
                        self.reader.consume(n);
                    }
                }
                continue;
            }
            let n = chunk.len();
            block.data.extend_from_slice(chunk);
            self.reader.consume(n);
            let Block { data, records } = &mut *block;
            for i in memchr::memchr_iter(b'\n', data.get(scanned..).unwrap_or_default()) {
                let end = scanned + i;
                end_line(data, records, &mut self.line, (line_start, end), self.max);
                line_start = end + 1;
            }
            scanned = block.data.len();
            if block.data.len() - line_start > self.max {
                // Keep memory bounded: drop what was read of the line and skip to its end.
                self.skipping = Some(block.data.len() - line_start);
                block.data.truncate(line_start);
                scanned = line_start;
            }
        }
        self.carry
            .extend_from_slice(block.data.get(line_start..).unwrap_or_default());
        block.data.truncate(line_start);
        Ok(())
    }

    fn too_long(&mut self, block: &mut Block, length: usize) {
        block.records.push(BlockRecord {
            line: self.line,
            text: Err(too_long(length, self.max)),
        });
        self.line += 1;
    }
}

/// A line ends at `end` (its newline, or the end of the input): keep it unless blank, or
/// report it when it is over `max` bytes (a line read whole in one buffer is measured here;
/// one that outgrows the buffers is skipped while it is read).
fn end_line(
    data: &[u8],
    records: &mut Vec<BlockRecord>,
    line: &mut usize,
    (start, end): (usize, usize),
    max: usize,
) {
    let text = data.get(start..end).unwrap_or_default();
    if text.len() > max {
        records.push(BlockRecord {
            line: *line,
            text: Err(too_long(text.len(), max)),
        });
    } else if !text.iter().all(u8::is_ascii_whitespace) {
        records.push(BlockRecord {
            line: *line,
            text: Ok(start..end),
        });
    }
    *line += 1;
}

/// Why a record was not read.
pub(super) fn too_long(n: usize, max: usize) -> String {
    format!("the record is {n} bytes long; the limit is {max} (option max_line_bytes)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &str, max: usize, target: usize) -> Vec<(usize, Result<String, String>)> {
        let reader = std::io::BufReader::with_capacity(7, input.as_bytes());
        let mut lines = Lines::new(Box::new(reader), max);
        let mut block = Block::default();
        let mut out = Vec::new();
        loop {
            lines.fill(&mut block, target).unwrap();
            if block.records().is_empty() {
                return out;
            }
            for r in block.records() {
                let text = block
                    .text(r)
                    .map(|t| String::from_utf8_lossy(t).into_owned())
                    .map_err(str::to_string);
                out.push((r.line, text));
            }
        }
    }

    #[test]
    fn splits_lines_across_reads_and_blocks_with_their_numbers() {
        let input = "{\"a\":1}\n\n  \n{\"b\":22}\r\n{\"c\":333}";
        for target in [1, 5, 16, 1000] {
            let got = lines(input, 100, target);
            assert_eq!(
                got,
                vec![
                    (1, Ok("{\"a\":1}".into())),
                    (4, Ok("{\"b\":22}\r".into())),
                    (5, Ok("{\"c\":333}".into())),
                ],
                "target {target}"
            );
        }
    }

    #[test]
    fn a_line_over_the_limit_is_one_error_and_the_next_line_reads_on() {
        let long = "x".repeat(40);
        let input = format!("{{}}\n{long}\n{{\"z\":1}}\n{long}");
        let got = lines(&input, 10, 8);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], (1, Ok("{}".into())));
        assert_eq!(got[1].0, 2);
        assert!(got[1].1.as_ref().unwrap_err().contains("40 bytes long"));
        assert_eq!(got[2], (3, Ok("{\"z\":1}".into())));
        assert_eq!(got[3].0, 4);
        assert!(got[3].1.as_ref().unwrap_err().contains("40 bytes long"));
    }

    #[test]
    fn a_line_over_the_limit_read_whole_in_one_buffer_is_an_error_too() {
        // The reader's buffer (7 bytes) holds each line with its newline.
        let got = lines(
            "abc
abcde
ab",
            4,
            1000,
        );
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (1, Ok("abc".into())));
        assert_eq!(got[1].0, 2);
        assert!(got[1].1.as_ref().unwrap_err().contains("5 bytes long"));
        assert_eq!(got[2], (3, Ok("ab".into())));
        let got = lines("abcdef", 4, 1000);
        assert!(got[0].1.as_ref().unwrap_err().contains("6 bytes long"));
    }
}
