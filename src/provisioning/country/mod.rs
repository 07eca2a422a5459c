//! ISO 3166-1 country resolution (docs/mapping.md#country-resolution): free text → alpha-2 code. Entra itself never
//! transforms country values; this resolver backs the `country_resolution` option, the
//! `entramap country` command, and the lint on country Switch tables.
//!
//! Data, generated into `data.rs` by `scripts/gen_countries.py`: the 249 ISO 3166-1 entries and
//! ISO 3166-3 former names (Debian iso-codes), CLDR names in 13 languages plus each country's
//! endonyms (babel), and the UN naming lists with OCHA's alternative terms and its territory flag
//! (hdx-python-country). Hand-reviewed names live in one file, `aliases.rs`. The normalisation
//! rules are below, one function each: `fold_words` (case, diacritics, punctuation, initialisms),
//! `expand` (abbreviations), `is_stop_word` (articles), `bag` (word order), `is_state_form`,
//! the SAR rule in `resolve_name`, and `resolve_qualified` (parentheticals, commas, codes).

mod aliases;
mod data;

use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

/// One ISO 3166-1 entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// `US`
    pub alpha2: &'static str,
    /// `USA`
    pub alpha3: &'static str,
    /// `840`
    pub numeric: &'static str,
    /// ISO short name: `United States`.
    pub name: &'static str,
    /// `United States of America`
    pub official_name: Option<&'static str>,
    /// `Bolivia` for `Bolivia, Plurinational State of`.
    pub common_name: Option<&'static str>,
}

/// What a name resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// One country.
    Code(&'static str),
    /// Several countries go by this name; never resolved silently.
    Ambiguous(Vec<&'static str>),
    /// Not a country (or not one this resolver knows).
    Unknown,
}

/// Every ISO 3166-1 entry.
pub fn countries() -> &'static [Country] {
    data::COUNTRIES
}

/// The entry for an alpha-2 code (exact, upper case).
pub fn by_alpha2(code: &str) -> Option<&'static Country> {
    // Two capital letters index a 26 × 26 table: a map run checks every user's country.
    static BY_ALPHA2: std::sync::LazyLock<[u16; 26 * 26]> = std::sync::LazyLock::new(|| {
        let mut table = [u16::MAX; 26 * 26];
        for (i, country) in data::COUNTRIES.iter().enumerate() {
            if let Some(slot) = alpha2_index(country.alpha2).and_then(|k| table.get_mut(k)) {
                *slot = u16::try_from(i).unwrap_or(u16::MAX);
            }
        }
        table
    });
    let i = *BY_ALPHA2.get(alpha2_index(code)?)?;
    data::COUNTRIES.get(usize::from(i))
}

/// `AA` → 0 … `ZZ` → 675; `None` unless two capital ASCII letters.
fn alpha2_index(code: &str) -> Option<usize> {
    let &[a, b] = code.as_bytes() else {
        return None;
    };
    (a.is_ascii_uppercase() && b.is_ascii_uppercase())
        .then(|| usize::from(a - b'A') * 26 + usize::from(b - b'A'))
}

/// Is `code` exactly an ISO 3166-1 alpha-2 code (`US`, not `us` or `USA`)?
pub fn is_alpha2(code: &str) -> bool {
    by_alpha2(code).is_some()
}

/// Fold a name for matching: compatibility forms, case (simple mapping), diacritics, apostrophe
/// variants, punctuation, repeated and no-break spaces, dotted initialisms (`U.S.A.` is `usa`),
/// a leading "the".
pub fn normalize(name: &str) -> String {
    let words = fold_words(name);
    let words = match words.first().map(String::as_str) {
        Some("the") if words.len() > 1 => words.get(1..).unwrap_or(&[]),
        _ => &words[..],
    };
    words.join(" ")
}

/// Case, compatibility forms, diacritics and punctuation folded away; the words in order.
fn fold_words(name: &str) -> Vec<String> {
    let mut out = String::with_capacity(name.len());
    for c in name.nfkd() {
        // Apostrophes vanish (`Cote d'Ivoire` = `Cote dIvoire`, `People's` = `Peoples`), and so
        // does the ʻokina of `Oʻzbekiston`.
        if unicode_normalization::char::is_combining_mark(c)
            || matches!(c, '\'' | '’' | '‘' | '`' | '´' | 'ʼ' | 'ʻ')
        {
            continue;
        }
        match c {
            'ø' | 'Ø' => out.push('o'),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            'ß' => out.push_str("ss"),
            'ı' => out.push('i'),
            'ə' | 'Ə' => out.push('e'),
            // `&` reads as "and" (`Bosnia & Herzegovina`, `St. Kitts & Nevis`).
            '&' => out.push_str(" and "),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => out.push(' '),
        }
    }
    // Initialisms: a run of single letters is one word (`U.S.A.` → `usa`, `D.R. Congo` → `dr
    // congo`, `Hong Kong S.A.R.` → `sar`); a lone letter stays (`S. Korea`).
    let mut words: Vec<String> = Vec::new();
    let mut run = String::new();
    for w in out.split_whitespace() {
        if w.chars().count() == 1 && w.chars().all(char::is_alphabetic) {
            run.push_str(w);
            continue;
        }
        if !run.is_empty() {
            words.push(std::mem::take(&mut run));
        }
        words.push(w.to_string());
    }
    if !run.is_empty() {
        words.push(run);
    }
    // French elision written with a space for the apostrophe: `Cote d Ivoire` is `Cote d'Ivoire`.
    let mut i = 0;
    while i + 1 < words.len() {
        if matches!(words.get(i).map(String::as_str), Some("d" | "l")) {
            let next = words.remove(i + 1);
            if let Some(w) = words.get_mut(i) {
                w.push_str(&next);
            }
        }
        i += 1;
    }
    words
}

/// Abbreviations, spelled-out forms and initialisms that statistical agencies and HR systems
/// write for the words of country names, each read as the word(s) it stands for.
fn expand(word: &str) -> &'static [&'static str] {
    match word {
        // `St Lucia`, `St. Kitts`; Dutch `Sint` (`Sint Eustatius`) is the same word.
        "st" | "saint" | "sint" => &["saint"],
        // `Micronesia, Fed. Sts.`
        "sts" | "states" => &["states"],
        // `Korea, Rep.`, `Congo, Dem. Rep.`
        "rep" | "repub" | "republic" => &["republic"],
        "dem" | "democratic" => &["democratic"],
        // `Fed.` stands for Federal, Federated (Micronesia) and Federation (Russia) alike.
        "fed" | "federal" | "federated" | "federation" | "federative" => &["fed"],
        // `Cayman Is.`, `Solomon Isl.`: island and islands are one word.
        "is" | "isl" | "isls" | "islnd" | "islnds" | "ins" | "island" | "islands" | "isle"
        | "isles" => &["island"],
        "utd" => &["united"],
        "gt" => &["great"],
        "br" | "brit" => &["british"],
        "terr" | "territories" => &["territory"],
        // `N. Macedonia`, `S. Korea`, `N Ireland`.
        "n" | "northern" => &["north"],
        "s" => &["south"],
        // `U.S. Minor Outlying Islands`, `US Virgin Islands`, `U.S. of America`.
        "us" => &["united", "states"],
        "people" => &["peoples"],
        // `Lao PDR`, `Korea DPR`, `DR Congo`, `PR China`, `Venezuela, RB`.
        "pdr" => &["peoples", "democratic", "republic"],
        "dpr" => &["democratic", "peoples", "republic"],
        "dr" => &["democratic", "republic"],
        "pr" => &["peoples", "republic"],
        "rb" => &["bolivarian", "republic"],
        _ => &[],
    }
}

/// Words that carry no meaning for matching: `Republic of the Congo` = `Congo, Republic of the`.
fn is_stop_word(word: &str) -> bool {
    matches!(word, "the" | "of" | "and")
}

/// The matching words of a name: folded, abbreviations expanded, "special administrative region"
/// read as `sar`, stop words dropped; in the order written. A single word is taken as written:
/// `Isle` or `Is` alone is not `island` (German `Island`, Iceland).
fn canonical_words(name: &str) -> Vec<String> {
    let folded = fold_words(name);
    if folded.len() == 1 {
        return folded;
    }
    let mut words: Vec<String> = Vec::with_capacity(folded.len());
    let mut i = 0;
    while let Some(w) = folded.get(i) {
        if w == "special"
            && folded.get(i + 1).map(String::as_str) == Some("administrative")
            && folded.get(i + 2).map(String::as_str) == Some("region")
        {
            words.push("sar".into());
            i += 3;
            continue;
        }
        i += 1;
        if is_stop_word(w) {
            continue;
        }
        match expand(w) {
            [] => words.push(w.clone()),
            expanded => words.extend(expanded.iter().map(|s| (*s).to_string())),
        }
    }
    words
}

/// The lookup key: the canonical words in sorted order, so word order does not matter
/// (`Korea, Rep.` = `Rep. of Korea` = `Korea Republic`; `Gambia, The` = `The Gambia`).
fn bag(words: &[String]) -> String {
    let mut sorted: Vec<&str> = words.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.join(" ")
}

/// The lookup key of a name.
fn key(name: &str) -> String {
    bag(&canonical_words(name))
}

struct Index {
    /// Sorted canonical words → resolution.
    names: HashMap<String, Resolution>,
    /// Names written without spaces (`SouthKorea`, `HongKong`) → resolution.
    spaceless: HashMap<String, Resolution>,
    /// Canonical words of each country's English names (ISO and UN lists), by alpha-2.
    english: HashMap<&'static str, Vec<Vec<String>>>,
    /// The same names in order, for `abbreviated`.
    english_words: Vec<(Vec<String>, &'static str)>,
}

fn add(map: &mut HashMap<String, Resolution>, key: String, code: &'static str) {
    if key.is_empty() {
        return;
    }
    let entry = map.entry(key).or_insert(Resolution::Code(code));
    match entry {
        Resolution::Code(c) if *c != code => *entry = Resolution::Ambiguous(vec![*c, code]),
        Resolution::Ambiguous(list) if !list.contains(&code) => list.push(code),
        _ => {}
    }
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut names: HashMap<String, Resolution> = HashMap::new();
        let mut spaceless: HashMap<String, Resolution> = HashMap::new();
        let mut english: HashMap<&'static str, Vec<Vec<String>>> = HashMap::new();
        let mut english_words: Vec<(Vec<String>, &'static str)> = Vec::new();
        let mut add_name =
            |names: &mut HashMap<String, Resolution>, name: &str, code: &'static str| {
                let words = canonical_words(name);
                add(names, bag(&words), code);
                add(&mut spaceless, words.concat(), code);
                add(&mut spaceless, fold_words(name).concat(), code);
            };
        // English names first: ISO 3166-1, the UN lists, the reviewed aliases.
        let iso = data::COUNTRIES.iter().flat_map(|c| {
            [Some(c.name), c.official_name, c.common_name]
                .into_iter()
                .flatten()
                .map(|n| (n, c.alpha2))
        });
        let un = data::UN_NAMES.iter().copied();
        let reviewed = aliases::ALIASES
            .iter()
            .filter_map(|(n, code)| Some((*n, by_alpha2(code)?.alpha2)));
        for (name, code) in iso.chain(un).chain(reviewed) {
            add_name(&mut names, name, code);
            english.entry(code).or_default().push(canonical_words(name));
            english_words.push((canonical_words(name), code));
        }
        // Former names (ISO 3166-3) and CLDR names only where they do not clash with an English
        // name: a French name must not make an English one ambiguous.
        let taken: std::collections::HashSet<String> = names.keys().cloned().collect();
        let others = data::FORMER
            .iter()
            .copied()
            .chain(data::LOCALIZED.iter().map(|(n, c, _)| (*n, *c)));
        for (name, code) in others {
            if !taken.contains(&key(name)) {
                add_name(&mut names, name, code);
            }
        }
        for (name, codes) in aliases::AMBIGUOUS {
            let words = canonical_words(name);
            names.insert(bag(&words), Resolution::Ambiguous(codes.to_vec()));
            spaceless.insert(words.concat(), Resolution::Ambiguous(codes.to_vec()));
        }
        // Names a data source gives that more often mean something else (aliases.rs).
        for name in aliases::EXCLUDED {
            let words = canonical_words(name);
            names.remove(&bag(&words));
            spaceless.remove(&words.concat());
        }
        // An exact ISO short name is never ambiguous: `Congo` is CG, `Guinea` is GN.
        for c in data::COUNTRIES {
            names.insert(key(c.name), Resolution::Code(c.alpha2));
        }
        Index {
            names,
            spaceless,
            english,
            english_words,
        }
    })
}

/// An alpha-2 code (any case), an alpha-3 code (any case), a numeric code with or without
/// leading zeros, or a dotted initialism of a code (`N.Z.`, `G.B.`; not `N/A`).
fn code(text: &str) -> Option<&'static str> {
    // Compatibility forms first: full-width `ＤＥ` is `DE`.
    let compatible: String = text.trim().nfkc().collect();
    let text = compatible.as_str();
    let dotted: String;
    let text = if text.len() >= 4
        && text.len() <= 7
        && text.split('.').all(|p| p.trim().chars().count() <= 1)
        && text
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '.' || c == ' ')
    {
        dotted = text.chars().filter(char::is_ascii_alphabetic).collect();
        dotted.as_str()
    } else {
        text
    };
    if text.len() == 2 && text.chars().all(|c| c.is_ascii_alphabetic()) {
        return by_alpha2(&text.to_ascii_uppercase()).map(|c| c.alpha2);
    }
    if text.len() == 3 && text.chars().all(|c| c.is_ascii_alphabetic()) {
        let upper = text.to_ascii_uppercase();
        return data::COUNTRIES
            .iter()
            .find(|c| c.alpha3 == upper)
            .map(|c| c.alpha2);
    }
    if !text.is_empty() && text.len() <= 3 && text.chars().all(|c| c.is_ascii_digit()) {
        let padded = format!("{text:0>3}");
        return data::COUNTRIES
            .iter()
            .find(|c| c.numeric == padded)
            .map(|c| c.alpha2);
    }
    None
}

/// Words of a state form, dropped when the name is not found as written: `Republic of Ireland`,
/// `Kingdom of Jordan`, `Commonwealth of Australia`, `Oriental Republic of Uruguay`. "State" is
/// not one (`State of Georgia` is the US state), nor "Democratic"
/// (`Democratic Republic of the Congo` is not the Congo).
fn is_state_form(word: &str) -> bool {
    matches!(
        word,
        "republic"
            | "kingdom"
            | "principality"
            | "duchy"
            | "sultanate"
            | "commonwealth"
            | "fed"
            | "islamic"
            | "socialist"
            | "oriental"
            | "hashemite"
    )
}

/// Qualifier words that say only "the country" (`Georgia (country)`, `China (Mainland)`,
/// `Mainland China`).
fn is_qualifier_word(word: &str) -> bool {
    matches!(word, "country" | "nation" | "mainland")
}

/// Resolve free text to an alpha-2 code: codes (alpha-2, alpha-3 in any case, numeric with or
/// without leading zeros), ISO names, UN names, former names, aliases and CLDR names and
/// endonyms, under the normalisation rules of docs/mapping.md#country-resolution.
pub fn resolve(name: &str) -> Resolution {
    if let Some(c) = code(name) {
        return Resolution::Code(c);
    }
    let found = resolve_name(name);
    if found != Resolution::Unknown {
        return found;
    }
    resolve_qualified(name.trim())
}

/// A code, or the name lookups without splitting the text.
fn resolve_part(text: &str) -> Resolution {
    match code(text) {
        Some(c) => Resolution::Code(c),
        None => resolve_name(text),
    }
}

fn resolve_name(text: &str) -> Resolution {
    let index = index();
    let words = canonical_words(text);
    if words.is_empty() {
        return Resolution::Unknown;
    }
    let lookup = |words: &[String]| index.names.get(&bag(words)).cloned();
    // As written (up to word order, case, punctuation, abbreviations, articles).
    if let Some(found) = lookup(&words) {
        return found;
    }
    // SAR: `Hong Kong SAR`, `Macao SAR, China`, `China, Hong Kong Special Administrative Region`:
    // without "SAR" and "China", the rest must be Hong Kong or Macao.
    if words.iter().any(|w| w == "sar") {
        let rest: Vec<String> = words
            .iter()
            .filter(|w| !matches!(w.as_str(), "sar" | "china" | "prc"))
            .cloned()
            .collect();
        let found = match rest.as_slice() {
            [only] => code(only).map(Resolution::Code).or_else(|| lookup(&rest)),
            _ => lookup(&rest),
        };
        if let Some(Resolution::Code(c @ ("HK" | "MO"))) = found {
            return Resolution::Code(c);
        }
    }
    // State forms and qualifiers: `Republic of Ireland`, `Kingdom of Swaziland`, `Commonwealth of
    // Australia`, `Mainland China`.
    let rest: Vec<String> = words
        .iter()
        .filter(|w| {
            let grand_duchy = w.as_str() == "grand" && words.iter().any(|d| d == "duchy");
            !(is_state_form(w) || is_qualifier_word(w) || grand_duchy)
        })
        .cloned()
        .collect();
    if !rest.is_empty()
        && rest.len() < words.len()
        && let Some(found) = lookup(&rest)
    {
        return found;
    }
    // Written without spaces: `SouthKorea`, `HongKong`, `Srilanka`.
    if let [word] = words.as_slice()
        && let Some(found) = index.spaceless.get(word)
    {
        return found.clone();
    }
    abbreviated(text)
}

/// Words truncated with a dot, as SAP-style 15-character country texts write them
/// (`Utd.Arab Emir.`, `Centr.Afr.Rep.`, `S.Tome,Principe`, `St.Pier,Miquel.`): a dotted word,
/// or the last word when another word is dotted, matches a word of a name that starts with it;
/// the other words match exactly, in the order written, and every word of the name is matched.
/// Resolves only when the names that match are all one country's.
fn abbreviated(text: &str) -> Resolution {
    let words = abbreviation_words(text);
    if words.len() < 2 || !words.iter().any(|w| w.dotted) {
        return Resolution::Unknown;
    }
    let last = words.len() - 1;
    let fits = |w: &Abbreviation, i: usize, name_word: &str| {
        w.expanded == name_word
            || ((w.dotted || i == last)
                && w.raw.len() < name_word.len()
                && name_word.starts_with(&w.raw))
    };
    let mut found: Option<&'static str> = None;
    for (name, code) in &index().english_words {
        if name.len() == words.len()
            && words
                .iter()
                .zip(name)
                .enumerate()
                .all(|(i, (w, n))| fits(w, i, n))
        {
            match found {
                Some(c) if c != *code => return Resolution::Unknown,
                _ => found = Some(code),
            }
        }
    }
    found.map_or(Resolution::Unknown, Resolution::Code)
}

/// One word of text that may hold abbreviations.
struct Abbreviation {
    /// Folded as written: `afr`.
    raw: String,
    /// Read through `expand` (`rep` → `republic`); the word itself when it has no expansion.
    expanded: String,
    /// Written with a dot after it.
    dotted: bool,
}

/// The words of `text` with their dots, stop words dropped; empty when a word expands to
/// several (`PDR`): the other rules read those.
fn abbreviation_words(text: &str) -> Vec<Abbreviation> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest
            .find(|c: char| c.is_alphanumeric())
            .unwrap_or(rest.len());
        rest = rest.get(start..).unwrap_or("");
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '\'' | '’' | 'ʻ')))
            .unwrap_or(rest.len());
        let token = rest.get(..end).unwrap_or("");
        rest = rest.get(end..).unwrap_or("");
        let dotted = rest.starts_with('.');
        let folded = fold_words(token);
        let [raw] = folded.as_slice() else {
            continue;
        };
        if is_stop_word(raw) {
            continue;
        }
        let expanded = match expand(raw) {
            [] => raw.clone(),
            [one] => (*one).to_string(),
            _ => return Vec::new(),
        };
        out.push(Abbreviation {
            raw: raw.clone(),
            expanded,
            dotted,
        });
    }
    out
}

/// Two parts: a trailing parenthetical (`Myanmar (Burma)`, `Aruba (Netherlands)`, `Congo (DRC)`),
/// a comma (`Hong Kong, China`, `England, UK`), a separator (`US - United States`, `JP/Japan`),
/// or a code beside a name (`FR France`). The parts must agree: both the same country; a
/// territory beside a sovereign state (`Puerto Rico (USA)`, but not `Georgia (US)`); a name
/// beside one of the countries it may mean (`Congo (DRC)`, `Curaçao (Netherlands Antilles)`);
/// or a name beside "country" (`Georgia (country)`).
fn resolve_qualified(text: &str) -> Resolution {
    let Some((outer, inner)) = split_qualified(text) else {
        return Resolution::Unknown;
    };
    if !fold_words(inner).is_empty() && fold_words(inner).iter().all(|w| is_qualifier_word(w)) {
        return match resolve_part(outer) {
            found @ Resolution::Code(_) => found,
            _ => Resolution::Unknown,
        };
    }
    let (a, b) = (resolve_part(outer), resolve_part(inner));
    let dependent = |c: &str| data::DEPENDENT.contains(&c);
    match (a, b) {
        (Resolution::Code(x), Resolution::Code(y)) if x == y => Resolution::Code(x),
        // A territory beside its sovereign state.
        (Resolution::Code(x), Resolution::Code(y)) if dependent(x) && !dependent(y) => {
            Resolution::Code(x)
        }
        // A name beside the one of its namesakes that is meant: `Congo (DRC)`.
        (Resolution::Code(_), Resolution::Code(y)) if namesake(outer, y) => Resolution::Code(y),
        (Resolution::Ambiguous(list), Resolution::Code(y)) if list.contains(&y) => {
            Resolution::Code(y)
        }
        // A shared name beside the sovereign that one candidate's name mentions: `Virgin Islands
        // (USA)` is the United States Virgin Islands.
        (Resolution::Ambiguous(list), Resolution::Code(y)) => {
            let named: Vec<&'static str> = list.into_iter().filter(|x| mentions(x, y)).collect();
            match named.as_slice() {
                [one] => Resolution::Code(one),
                _ => Resolution::Unknown,
            }
        }
        (Resolution::Code(x), Resolution::Ambiguous(list)) if list.contains(&x) => {
            Resolution::Code(x)
        }
        _ => Resolution::Unknown,
    }
}

/// Does every word of `name` appear in one of the English names of `code` (`Congo` in
/// `Democratic Republic of the Congo`)?
fn namesake(name: &str, code: &str) -> bool {
    let words = canonical_words(name);
    !words.is_empty()
        && index()
            .english
            .get(code)
            .is_some_and(|names| names.iter().any(|n| words.iter().all(|w| n.contains(w))))
}

/// Does an English name of `code` hold an English name of `other` (`United States Virgin
/// Islands` holds `United States`)?
fn mentions(code: &str, other: &str) -> bool {
    let english = &index().english;
    let (Some(names), Some(others)) = (english.get(code), english.get(other)) else {
        return false;
    };
    names.iter().any(|n| {
        others
            .iter()
            .any(|o| !o.is_empty() && o.iter().all(|w| n.contains(w)))
    })
}

/// Split qualified text into (main part, qualifier).
fn split_qualified(text: &str) -> Option<(&str, &str)> {
    // A trailing parenthetical or bracket.
    if let Some(stripped) = text.strip_suffix(')').or_else(|| text.strip_suffix(']')) {
        let open = stripped.rfind(['(', '['])?;
        let (outer, inner) = (stripped.get(..open)?, stripped.get(open + 1..)?);
        if !outer.trim().is_empty() {
            return Some((outer.trim(), inner.trim()));
        }
    }
    // `X, Y` at the last comma.
    if let Some((outer, inner)) = text.rsplit_once(',') {
        return Some((outer.trim(), inner.trim()));
    }
    // `US - United States`, `IN | India`, `JP/Japan`, `CA: Canada`.
    for separator in [" - ", " – ", " — ", "|", "/", ":"] {
        if let Some((outer, inner)) = text.split_once(separator) {
            return Some((outer.trim(), inner.trim()));
        }
    }
    // A code written before or after the name, in capitals: `FR France`, `Sweden SE`.
    let is_code = |w: &str| {
        (w.len() == 2 || w.len() == 3)
            && (w.chars().all(|c| c.is_ascii_uppercase()) || w.chars().all(|c| c.is_ascii_digit()))
    };
    if let Some((first, rest)) = text.split_once(' ')
        && is_code(first)
    {
        return Some((rest.trim(), first));
    }
    if let Some((rest, last)) = text.rsplit_once(' ')
        && is_code(last)
    {
        return Some((rest.trim(), last));
    }
    None
}

/// An Entra Switch expression mapping country text in `source` to alpha-2 codes, built from
/// the table and kept under `max_len` characters (Entra's limit is 10,000). Keys are folded the
/// way the expression folds its input (NormalizeDiacritics, ToLower, StripSpaces), so case,
/// accents and spacing do not matter; unknown values give Null (nothing flows).
pub fn switch_expression(source: &str, max_len: usize) -> String {
    let head = format!("Switch(StripSpaces(ToLower(NormalizeDiacritics([{source}]))), ");
    let fold = |name: &str| -> String {
        let n = crate::functions::normalize_diacritics_text(name);
        n.chars()
            .map(crate::functions::simple_lower_char)
            .filter(|c| *c != ' ')
            .collect()
    };
    // Priority: ISO short names, alpha-2 codes, common names, aliases, then alpha-3 codes
    // while they fit.
    let mut candidates: Vec<(String, &'static str)> = Vec::new();
    for c in data::COUNTRIES {
        candidates.push((fold(c.name), c.alpha2));
    }
    for c in data::COUNTRIES {
        candidates.push((fold(c.alpha2), c.alpha2));
    }
    for c in data::COUNTRIES {
        if let Some(n) = c.common_name {
            candidates.push((fold(n), c.alpha2));
        }
    }
    for (alias, code) in aliases::ALIASES {
        candidates.push((fold(alias), code));
    }
    for c in data::COUNTRIES {
        candidates.push((fold(c.alpha3), c.alpha2));
    }
    let ambiguous: Vec<String> = aliases::AMBIGUOUS.iter().map(|(n, _)| fold(n)).collect();
    let mut seen = std::collections::HashSet::new();
    // `Switch(x, , k, v, ...)`: the default argument is empty, so unknown text gives Null.
    let mut out = head;
    let mut length = out.chars().count() + 1;
    for (key, code) in candidates {
        if key.is_empty() || ambiguous.contains(&key) || !seen.insert(key.clone()) {
            continue;
        }
        let pair = format!(", {}, \"{code}\"", crate::syntax::print::quote(&key));
        let pair_length = pair.chars().count();
        if length + pair_length <= max_len {
            out.push_str(&pair);
            length += pair_length;
        }
    }
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Data sources never make a name ambiguous by themselves: every ambiguous key is one that
    /// aliases.rs lists, and none of those is an ISO short name.
    #[test]
    fn only_reviewed_names_are_ambiguous() {
        let reviewed: Vec<String> = aliases::AMBIGUOUS.iter().map(|(n, _)| key(n)).collect();
        for (k, r) in &index().names {
            if matches!(r, Resolution::Ambiguous(_)) {
                assert!(reviewed.contains(k), "{k:?} is ambiguous: {r:?}");
            }
        }
        let reviewed: Vec<String> = aliases::AMBIGUOUS
            .iter()
            .map(|(n, _)| canonical_words(n).concat())
            .collect();
        for (k, r) in &index().spaceless {
            if matches!(r, Resolution::Ambiguous(_)) {
                assert!(reviewed.contains(k), "{k:?} is ambiguous: {r:?}");
            }
        }
        for c in data::COUNTRIES {
            assert!(!reviewed.contains(&key(c.name)), "{}", c.name);
        }
    }

    #[test]
    fn alpha2_codes_are_found_exactly() {
        for c in data::COUNTRIES {
            assert_eq!(by_alpha2(c.alpha2).map(|f| f.alpha2), Some(c.alpha2));
        }
        for code in ["us", "Us", "USA", "U", "", "U1", "ÜS", "ZZ", "AA"] {
            assert!(by_alpha2(code).is_none(), "{code}");
        }
    }

    /// Every reviewed entry names real alpha-2 codes.
    #[test]
    fn reviewed_codes_exist() {
        for (name, code) in aliases::ALIASES {
            assert!(is_alpha2(code), "{name}: {code}");
        }
        for (name, codes) in aliases::AMBIGUOUS {
            assert!(
                codes.len() > 1 && codes.iter().all(|c| is_alpha2(c)),
                "{name}"
            );
        }
    }
}
