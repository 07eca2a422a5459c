//! GitHub Actions workflow commands (`::error file=..,line=..::message`), which `check` and
//! `test` print for pull-request annotations.

/// One annotation: `level` is `error` or `warning`; `properties` are `name=value` pairs
/// (`file`, `line`, `col`, `title`, ...). Values are escaped as the runner expects: `%`, CR
/// and LF everywhere, and also `:` and `,` in properties.
pub fn annotation(level: &str, properties: &[(&str, String)], message: &str) -> String {
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let property = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let props: Vec<String> = properties
        .iter()
        .map(|(name, value)| format!("{name}={}", property(value)))
        .collect();
    format!("::{level} {}::{}\n", props.join(","), data(message))
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_values() {
        assert_eq!(
            super::annotation(
                "error",
                &[("file", "a,b:c".into()), ("line", "3".into())],
                "50%\nnext"
            ),
            "::error file=a%2Cb%3Ac,line=3::50%25%0Anext\n"
        );
    }
}
