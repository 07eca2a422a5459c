//! A whole `map` run: users, then groups, each record planned and applied in input order,
//! requests written as NDJSON envelopes, failures reported with their line, and a summary
//! whose counts add up to the records read.

use std::io::{BufRead, Write};

use super::{Engine, RecordError, RunState, Summary};
use crate::eval::Env;
use crate::records::{self, Record};

/// Where a run's side output goes.
pub struct Sinks<'a> {
    /// Request envelopes, one JSON object per line.
    pub requests: &'a mut dyn Write,
    /// Called for every failed record.
    pub on_error: &'a mut dyn FnMut(&RecordError),
    /// Called for every warning: (kind, line, message).
    pub on_warning: &'a mut dyn FnMut(&str, usize, &str),
    /// Called after each record with the number done so far (progress display).
    pub on_progress: &'a mut dyn FnMut(usize),
}

/// Run `engine` over the users and then the groups. `Err` only for I/O failures.
pub fn run<'i>(
    engine: &Engine,
    users: Option<&'i mut dyn BufRead>,
    groups: Option<&'i mut dyn BufRead>,
    state: &mut RunState,
    sinks: &mut Sinks<'_>,
) -> std::io::Result<Summary> {
    let mut summary = Summary::default();
    let mut env = Env::new(engine.options()).map_err(std::io::Error::other)?;
    let mut done = 0;
    for (group, input) in [(false, users), (true, groups)] {
        let Some(input) = input else { continue };
        for record in records::read_all(input)? {
            process(engine, group, record, state, &mut env, &mut summary, sinks)?;
            done += 1;
            (sinks.on_progress)(done);
        }
    }
    Ok(summary)
}

/// Plan and apply one record, writing its requests.
pub fn process(
    engine: &Engine,
    group: bool,
    record: Record,
    state: &mut RunState,
    env: &mut Env<'_>,
    summary: &mut Summary,
    sinks: &mut Sinks<'_>,
) -> std::io::Result<()> {
    let kind = if group { "groups" } else { "users" };
    let result = record
        .object
        .map_err(|reason| RecordError {
            kind,
            line: record.line,
            reason,
        })
        .and_then(|object| engine.plan(group, record.line, &object, env))
        .and_then(|plan| engine.apply(plan, state));
    match result {
        Ok(applied) => {
            for w in &applied.warnings {
                (sinks.on_warning)(kind, record.line, w);
            }
            for request in &applied.requests {
                serde_json::to_writer(&mut *sinks.requests, request)?;
                sinks.requests.write_all(b"\n")?;
            }
            summary.add(&applied.outcome);
        }
        Err(e) => {
            summary.failed += 1;
            (sinks.on_error)(&e);
        }
    }
    Ok(())
}
