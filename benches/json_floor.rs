//! The floor for any JSON-in/JSON-out tool: read NDJSON, parse each line into a
//! `serde_json::Value`, write it back. `benches/compare.sh` and `benches/scale.sh` time
//! `entramap map` against it. With `--lines`, only split lines and copy them: the I/O floor.
//! Run: `cargo run --release --example json_floor [-- --lines] < users.ndjson > /dev/null`.

use std::io::{BufRead, BufWriter, Write};

fn main() -> std::io::Result<()> {
    let stdin = std::io::stdin();
    let mut input = std::io::BufReader::with_capacity(1 << 16, stdin.lock());
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let lines_only = std::env::args().any(|a| a == "--lines");
    let mut line = Vec::new();
    let mut records = 0usize;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if lines_only {
            out.write_all(&line)?;
            records += 1;
            continue;
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
