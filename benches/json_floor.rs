//! The floor for any JSON-in/JSON-out tool: read NDJSON, parse each line into a
//! `serde_json::Value`, write it back. `benches/compare.sh` times `entramap map` against it.
//! Run: `cargo run --release --example json_floor < users.ndjson > /dev/null`.

use std::io::{BufRead, BufWriter, Write};

fn main() -> std::io::Result<()> {
    let stdin = std::io::stdin();
    let mut input = std::io::BufReader::with_capacity(1 << 16, stdin.lock());
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = Vec::new();
    let mut records = 0usize;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let value: serde_json::Value = match serde_json::from_slice(&line) {
            Ok(v) => v,
            Err(_) => continue,
        };
        serde_json::to_writer(&mut out, &value)?;
        out.write_all(b"\n")?;
        records += 1;
    }
    out.flush()?;
    eprintln!("{records} records");
    Ok(())
}
