//! A corpus check of public Flex Message samples, run by hand (never by `make test`, and no
//! project test reads the corpus):
//!
//!   cargo run -p app --features ssr --example flex_samples -- /work/shared/flex-samples
//!
//! Every `*.json` of the folder is a Flex container, a whole `flex` message or an array of
//! either. Each container goes through what the Flex editor does with an imported file:
//!
//! 1. import: `line::flex_spec::check`; when its only problems are spacers, `convert_spacers`;
//! 2. the typed parse into `line::flex::FlexContainer`;
//! 3. export: serialised back, it must equal the imported (or converted) JSON, property for
//!    property;
//! 4. `line::validate::messages` on a `FlexMessage` with an alt text, violations as pointers;
//! 5. the preview (`AccountMessage`) rendered on the server: non-empty, with the container's
//!    `data-flex-node=""`, no `lp-funsupported`, and every text LINE would show present, escaped.
//!
//! A sample refused only for unknown properties is also taken through 2–5 once they are deleted
//! (what the editor asks staff to do), so that its texts still reach the preview.
//!
//! One line per sample, then a summary table. The verdicts are compared with the folder's
//! `INDEX.md` where it states one; the exit status is 1 on a verdict that differs from it, a
//! round-trip difference, a typed parse that refuses what the import accepts, or a preview
//! failure.

// A report on standard output.
#![allow(clippy::print_stdout, clippy::print_stderr)]
// The preview's nested views make deep types, as in the app crate.
#![recursion_limit = "256"]

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use leptos::prelude::*;
use line::flex::FlexContainer;
use line::flex_spec::{self, Fix, JsonProblem, NodeKind};
use line::message::{FlexMessage, Message};
use line::validate;
use serde_json::Value;

use app::AccountMessage;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: flex_samples <folder of Flex JSON files, with INDEX.md>");
        return ExitCode::from(2);
    };
    // Debug builds of the preview's view tree are deep: a thread with room for them.
    let run = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || run(&dir));
    match run.map(|handle| handle.join()) {
        Ok(Ok(Ok(true))) => ExitCode::SUCCESS,
        Ok(Ok(Ok(false))) => ExitCode::FAILURE,
        Ok(Ok(Err(e))) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Ok(Err(_)) => ExitCode::from(3),
        Err(e) => {
            eprintln!("cannot start: {e}");
            ExitCode::from(2)
        }
    }
}

/// Checks the folder; Ok(true) when nothing failed.
fn run(dir: &Path) -> Result<bool, String> {
    let index = match std::fs::read_to_string(dir.join("INDEX.md")) {
        Ok(text) => Index::parse(&text),
        Err(e) => {
            println!("(no INDEX.md: {e}; verdicts are not compared)");
            Index::default()
        }
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut reports = Vec::new();
    for path in &files {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let expect = index.expectation(&file);
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                reports.push(Report::broken(&file, format!("unreadable: {e}")));
                continue;
            }
        };
        let json: Value = match serde_json::from_str(&text) {
            Ok(json) => json,
            Err(e) => {
                reports.push(Report::broken(&file, format!("not JSON: {e}")));
                continue;
            }
        };
        let containers = containers(json);
        let several = containers.len() > 1;
        for (i, (container, note)) in containers.into_iter().enumerate() {
            let name = if several {
                format!("{file}#{i}")
            } else {
                file.clone()
            };
            let row_note = index
                .rows
                .get(&file)
                .filter(|_| !several)
                .and_then(|row| row.differs_from(&container));
            let mut report = check_sample(name, container, expect.clone());
            report.notes.splice(0..0, note.into_iter().chain(row_note));
            println!("{}", report.line());
            for detail in report.failures.iter().chain(&report.notes) {
                println!("    {detail}");
            }
            reports.push(report);
        }
    }
    for file in index.rows.keys() {
        if !files
            .iter()
            .any(|p| p.file_name().is_some_and(|n| n == &**file))
        {
            println!("(INDEX.md lists {file}, which is not in the folder)");
        }
    }
    Ok(summary(&reports))
}

/// The Flex containers of a file, each with a note on how it was found.
fn containers(json: Value) -> Vec<(Value, Option<String>)> {
    match json {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .flat_map(|(i, item)| {
                containers(item).into_iter().map(move |(c, note)| {
                    let note = match note {
                        Some(note) => format!("item {i} of an array: {note}"),
                        None => format!("item {i} of an array"),
                    };
                    (c, Some(note))
                })
            })
            .collect(),
        Value::Object(ref o) if o.get("type").and_then(Value::as_str) == Some("flex") => {
            match o.get("contents") {
                Some(contents) => vec![(
                    contents.clone(),
                    Some("a whole flex message: its contents are checked".into()),
                )],
                None => vec![(json, None)],
            }
        }
        other => vec![(other, None)],
    }
}

// ---------------------------------------------------------------------------------------------
// Verdicts and what INDEX.md expects

#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    Ok,
    Converted(usize),
    /// The first problem: a pointer in the container, the stage that refused, its message.
    Refused {
        by: &'static str,
        pointer: String,
        message: String,
    },
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Ok => f.write_str("ok"),
            Verdict::Converted(n) => write!(f, "converted {n} spacers"),
            Verdict::Refused { by, pointer, .. } => write!(f, "refused ({by}) at {pointer:?}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Expect {
    Ok,
    /// LINE refuses it for its spacers (how many, when stated): the import converts them.
    Spacers(Option<usize>),
    /// Refused, at this pointer when INDEX.md names the property.
    Refused(Option<String>),
}

impl Expect {
    fn met_by(&self, verdict: &Verdict) -> bool {
        match (self, verdict) {
            (Expect::Ok, Verdict::Ok) => true,
            (Expect::Spacers(n), Verdict::Converted(m)) => n.is_none_or(|n| n == *m),
            (Expect::Refused(p), Verdict::Refused { pointer, .. }) => {
                p.as_ref().is_none_or(|p| p == pointer)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Ok => f.write_str("ok"),
            Expect::Spacers(Some(n)) => write!(f, "converted {n} spacers"),
            Expect::Spacers(None) => f.write_str("converted spacers"),
            Expect::Refused(Some(p)) => write!(f, "refused at {p:?}"),
            Expect::Refused(None) => f.write_str("refused"),
        }
    }
}

/// A row of INDEX.md's table.
struct Row {
    container: String,
    bubbles: Option<usize>,
}

impl Row {
    /// How the file differs from its row's container and bubble count (a note, not a failure).
    fn differs_from(&self, container: &Value) -> Option<String> {
        let kind = container.get("type").and_then(Value::as_str).unwrap_or("?");
        let bubbles = match container.get("contents").and_then(Value::as_array) {
            Some(items) if kind == "carousel" => items.len(),
            _ => 1,
        };
        (kind != self.container || self.bubbles.is_some_and(|n| n != bubbles)).then(|| {
            format!(
                "INDEX.md says {} of {:?} bubbles, the file is a {kind} of {bubbles}",
                self.container, self.bubbles
            )
        })
    }
}

/// What INDEX.md says: its table of files, and the paragraph of expected verdicts ("all files
/// pass except `a.json`, which uses 22 deprecated `spacer` …, and `b.json` (`_comment`)").
#[derive(Default)]
struct Index {
    rows: BTreeMap<String, Row>,
    /// Whether the files not named as exceptions are expected to pass.
    others_pass: bool,
    exceptions: BTreeMap<String, Expect>,
}

impl Index {
    fn parse(text: &str) -> Self {
        let mut index = Index::default();
        for line in text.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if line.starts_with("| `") && cells.len() > 4 {
                index.rows.insert(
                    cells[1].trim_matches('`').to_owned(),
                    Row {
                        container: cells[2].to_owned(),
                        bubbles: cells[3].parse().ok(),
                    },
                );
            }
        }
        let Some(paragraph) = text
            .split("\n\n")
            .find(|p| p.contains("Expected validator verdicts"))
        else {
            return index;
        };
        index.others_pass = paragraph.contains("all files pass");
        // Between backquotes (odd pieces): file names open a clause about that file, which
        // runs to the next file name or the end of the sentence.
        let mut clauses: Vec<(String, String, Vec<String>)> = Vec::new();
        let mut open = false;
        for (i, piece) in paragraph.split('`').enumerate() {
            let code = i % 2 == 1;
            if code && piece.ends_with(".json") {
                clauses.push((piece.to_owned(), String::new(), Vec::new()));
                open = true;
            } else if open && let Some((_, words, codes)) = clauses.last_mut() {
                if code {
                    codes.push(piece.to_owned());
                    words.push_str(piece);
                } else if let Some((before, _)) = piece.split_once(". ") {
                    words.push_str(before);
                    open = false;
                } else {
                    words.push_str(piece);
                }
            }
        }
        for (file, words, codes) in clauses {
            let expect = if words.contains("spacer") {
                let count = words
                    .split(|c: char| !c.is_ascii_digit())
                    .find(|n| !n.is_empty())
                    .and_then(|n| n.parse().ok());
                Expect::Spacers(count)
            } else {
                Expect::Refused(codes.first().map(|key| format!("/{key}")))
            };
            index.exceptions.insert(file, expect);
        }
        index
    }

    fn expectation(&self, file: &str) -> Option<Expect> {
        self.exceptions
            .get(file)
            .cloned()
            .or_else(|| (self.others_pass && self.rows.contains_key(file)).then_some(Expect::Ok))
    }
}

// ---------------------------------------------------------------------------------------------
// One sample

/// A stage's result: passed (with a short note), failed, or not run.
#[derive(Clone, Debug)]
enum Stage {
    Pass(String),
    Fail,
    Skipped,
}

impl Stage {
    fn cell(&self) -> String {
        match self {
            Stage::Pass(note) if note.is_empty() => "ok".into(),
            Stage::Pass(note) => format!("ok ({note})"),
            Stage::Fail => "FAIL".into(),
            Stage::Skipped => "—".into(),
        }
    }
}

struct Report {
    name: String,
    verdict: Verdict,
    expect: Option<Expect>,
    parse: Stage,
    round_trip: Stage,
    validate: Stage,
    preview: Stage,
    /// Failures make the exit status 1.
    failures: Vec<String>,
    notes: Vec<String>,
}

impl Report {
    fn broken(name: &str, why: String) -> Self {
        Report {
            name: name.to_owned(),
            verdict: Verdict::Refused {
                by: "file",
                pointer: String::new(),
                message: why.clone(),
            },
            expect: None,
            parse: Stage::Skipped,
            round_trip: Stage::Skipped,
            validate: Stage::Skipped,
            preview: Stage::Skipped,
            failures: vec![why],
            notes: Vec::new(),
        }
    }

    fn expectation_met(&self) -> Option<bool> {
        self.expect.as_ref().map(|e| e.met_by(&self.verdict))
    }

    fn line(&self) -> String {
        let expected = match (&self.expect, self.expectation_met()) {
            (Some(e), Some(true)) => format!("as INDEX.md expects ({e})"),
            (Some(e), _) => format!("MISMATCH: INDEX.md expects {e}"),
            (None, _) => "no expectation in INDEX.md".into(),
        };
        let first = match &self.verdict {
            Verdict::Refused { message, .. } => format!(" — {message}"),
            _ => String::new(),
        };
        format!("{:<44} {}{first}  [{expected}]", self.name, self.verdict)
    }

    fn fail(&mut self, what: String) {
        self.failures.push(what);
    }
}

fn check_sample(name: String, original: Value, expect: Option<Expect>) -> Report {
    let mut report = Report {
        name,
        verdict: Verdict::Ok,
        expect,
        parse: Stage::Skipped,
        round_trip: Stage::Skipped,
        validate: Stage::Skipped,
        preview: Stage::Skipped,
        failures: Vec::new(),
        notes: Vec::new(),
    };
    // 1. Import.
    let problems = flex_spec::check(&original);
    let imported = if problems.is_empty() {
        Some(original.clone())
    } else if problems.iter().all(|p| p.fix == Some(Fix::SpacerToMargin)) {
        let mut converted = original.clone();
        let n = flex_spec::convert_spacers(&mut converted);
        let left = flex_spec::check(&converted);
        if n != problems.len() {
            report.fail(format!(
                "check reported {} spacers, convert_spacers converted {n}",
                problems.len()
            ));
        }
        if let Some(p) = left.first() {
            report.fail(format!(
                "after converting {n} spacers, check still finds {} problems, first {:?}: {}",
                left.len(),
                p.pointer,
                p.message
            ));
            report.verdict = refused("check", p);
            None
        } else {
            report.verdict = Verdict::Converted(n);
            Some(converted)
        }
    } else {
        let first = &problems[0];
        report.verdict = refused("check", first);
        if problems.len() > 1 {
            let rest: Vec<&str> = problems[1..].iter().map(|p| p.pointer.as_str()).collect();
            report
                .notes
                .push(format!("also refused at {}", rest.join(", ")));
        }
        // The typed model should refuse it as well.
        match serde_json::from_value::<FlexContainer>(original.clone()) {
            Ok(_) => report
                .notes
                .push("the typed parse accepts what check refuses (check is stricter here)".into()),
            Err(e) => report
                .notes
                .push(format!("the typed parse refuses it too: {e}")),
        }
        match without_unknown_properties(&original, &problems) {
            Some((stripped, removed)) => {
                report.notes.push(format!(
                    "stages 2–5 run after deleting the unknown {}",
                    removed.join(", ")
                ));
                Some(stripped)
            }
            None => None,
        }
    };
    let Some(imported) = imported else {
        return report;
    };
    let refused_by_check = matches!(report.verdict, Verdict::Refused { .. });

    // 2. Typed parse.
    let typed = match serde_json::from_value::<FlexContainer>(imported.clone()) {
        Ok(typed) => {
            report.parse = Stage::Pass(String::new());
            typed
        }
        Err(e) => {
            report.parse = Stage::Fail;
            report.fail(format!("the typed parse refuses what check accepts: {e}"));
            if !refused_by_check {
                report.verdict = Verdict::Refused {
                    by: "parse",
                    pointer: String::new(),
                    message: e.to_string(),
                };
            }
            return report;
        }
    };

    // 3. Export.
    match serde_json::to_value(&typed) {
        Ok(exported) if exported == imported => {
            report.round_trip = Stage::Pass(String::new());
        }
        Ok(exported) => {
            let mut differences = Vec::new();
            diff(&imported, &exported, "", &mut differences);
            report.round_trip = Stage::Fail;
            report.fail(format!(
                "round trip: {} difference(s): {}",
                differences.len(),
                differences
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        Err(e) => {
            report.round_trip = Stage::Fail;
            report.fail(format!("round trip: cannot serialise: {e}"));
        }
    }

    // 4. Validate as a message.
    let message = Message::Flex(FlexMessage {
        alt_text: format!("見本 {}", report.name),
        contents: typed,
        quick_reply: None,
        sender: None,
    });
    let violations = validate::messages(std::slice::from_ref(&message));
    if violations.is_empty() {
        report.validate = Stage::Pass(String::new());
    } else {
        let pointers: Vec<String> = violations
            .iter()
            .map(|v| flex_spec::pointer_from_path(&v.path, 0).unwrap_or_else(|| v.path.clone()))
            .collect();
        report.validate = Stage::Pass(format!("{} violations", violations.len()));
        for (v, pointer) in violations.iter().zip(&pointers) {
            report
                .notes
                .push(format!("validate: {pointer:?}: {}", v.message_ja()));
        }
        if !refused_by_check {
            report.verdict = Verdict::Refused {
                by: "validate",
                pointer: pointers[0].clone(),
                message: violations[0].message_ja(),
            };
        }
    }

    // 5. The preview.
    let html = {
        let owner = Owner::new();
        owner.with(|| view! { <AccountMessage message=message time="09:41" /> }.to_html())
    };
    let mut wrong = Vec::new();
    if html.trim().is_empty() {
        wrong.push("the HTML is empty".to_owned());
    }
    if !html.contains(r#"data-flex-node="""#) {
        wrong.push(r#"no data-flex-node="" (the container)"#.to_owned());
    }
    let unsupported = html.matches("lp-funsupported").count();
    if unsupported > 0 {
        wrong.push(format!("{unsupported} lp-funsupported marker(s)"));
    }
    let mut texts = Vec::new();
    shown_texts(&imported, "", &mut texts);
    // Present escaped, and never raw when escaping changes it.
    let missing: Vec<String> = texts
        .iter()
        .filter(|(_, text)| {
            let escaped = escape_text(text);
            !html.contains(&escaped) || (escaped != *text && html.contains(text.as_str()))
        })
        .map(|(pointer, text)| format!("{pointer:?} {text:?}"))
        .collect();
    if !missing.is_empty() {
        wrong.push(format!(
            "{} of {} texts missing or unescaped: {}",
            missing.len(),
            texts.len(),
            missing
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if wrong.is_empty() {
        report.preview = Stage::Pass(format!("{} texts, {} KB", texts.len(), html.len() / 1024));
    } else {
        report.preview = Stage::Fail;
        report.fail(format!("preview: {}", wrong.join("; ")));
    }
    report
}

fn refused(by: &'static str, p: &JsonProblem) -> Verdict {
    Verdict::Refused {
        by,
        pointer: p.pointer.clone(),
        message: p.message.clone(),
    }
}

/// The container without the properties check reported as unknown (a key the node's kind does
/// not define), when those are all its problems; with the pointers deleted.
fn without_unknown_properties(
    container: &Value,
    problems: &[JsonProblem],
) -> Option<(Value, Vec<String>)> {
    let mut stripped = container.clone();
    let mut removed = Vec::new();
    for problem in problems {
        let (parent, key) = problem.pointer.rsplit_once('/')?;
        let key = key.replace("~1", "/").replace("~0", "~");
        let node = stripped.pointer(parent)?;
        let kind = node
            .get("type")
            .and_then(Value::as_str)
            .and_then(NodeKind::from_type_name)?;
        let is_slot = flex_spec::child_slots(node)
            .iter()
            .any(|(k, _, _)| *k == key);
        if key == "type" || is_slot || kind.property(&key).is_some() {
            return None;
        }
        stripped
            .pointer_mut(parent)?
            .as_object_mut()?
            .remove(&key)?;
        removed.push(problem.pointer.clone());
    }
    flex_spec::check(&stripped)
        .is_empty()
        .then_some((stripped, removed))
}

/// The texts LINE shows, with their pointers: a text's `text` (its spans' instead when it has
/// spans) and a button's label.
fn shown_texts(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(object) => {
            let kind = object.get("type").and_then(Value::as_str);
            let mut push = |pointer: String, text: Option<&Value>| {
                if let Some(text) = text.and_then(Value::as_str).filter(|t| !t.is_empty()) {
                    out.push((pointer, text.to_owned()));
                }
            };
            match kind {
                Some("text") => {
                    match object.get("contents").and_then(Value::as_array) {
                        Some(spans) if !spans.is_empty() => {
                            for (i, span) in spans.iter().enumerate() {
                                push(format!("{at}/contents/{i}/text"), span.get("text"));
                            }
                        }
                        _ => push(format!("{at}/text"), object.get("text")),
                    }
                    return;
                }
                Some("button") => push(
                    format!("{at}/action/label"),
                    object.get("action").and_then(|a| a.get("label")),
                ),
                _ => {}
            }
            for (key, child) in object {
                if key != "action" {
                    shown_texts(child, &format!("{at}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                shown_texts(item, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Text as Leptos writes it into HTML (`html_escape::encode_text`).
fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The differences between the imported JSON and the exported one, by pointer.
fn diff(imported: &Value, exported: &Value, at: &str, out: &mut Vec<String>) {
    match (imported, exported) {
        (Value::Object(a), Value::Object(b)) => {
            let of = match a.get("type").and_then(Value::as_str) {
                Some(kind) => format!(" of a {kind}"),
                None => String::new(),
            };
            for (key, value) in a {
                match b.get(key) {
                    Some(other) => diff(value, other, &format!("{at}/{key}"), out),
                    None => out.push(format!("{at}/{key}{of} dropped (was {value})")),
                }
            }
            for (key, value) in b {
                if !a.contains_key(key) {
                    out.push(format!("{at}/{key}{of} added ({value})"));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(x, y, &format!("{at}/{i}"), out);
            }
        }
        (a, b) if a != b => out.push(format!("{at}: {a} became {b}")),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// The summary

/// Prints the table and the totals; true when nothing failed.
fn summary(reports: &[Report]) -> bool {
    println!();
    println!("| sample | verdict | INDEX.md | typed parse | round trip | validate | preview |");
    println!("|---|---|---|---|---|---|---|");
    for r in reports {
        let index = match (&r.expect, r.expectation_met()) {
            (Some(_), Some(true)) => "as expected".to_owned(),
            (Some(e), _) => format!("MISMATCH (expects {e})"),
            (None, _) => "—".to_owned(),
        };
        println!(
            "| {} | {} | {index} | {} | {} | {} | {} |",
            r.name,
            r.verdict,
            r.parse.cell(),
            r.round_trip.cell(),
            r.validate.cell(),
            r.preview.cell()
        );
    }
    let count = |f: &dyn Fn(&Report) -> bool| reports.iter().filter(|r| f(r)).count();
    let ok = count(&|r| r.verdict == Verdict::Ok);
    let converted = count(&|r| matches!(r.verdict, Verdict::Converted(_)));
    let spacers: usize = reports
        .iter()
        .map(|r| match r.verdict {
            Verdict::Converted(n) => n,
            _ => 0,
        })
        .sum();
    let refused = count(&|r| matches!(r.verdict, Verdict::Refused { .. }));
    let mismatches = count(&|r| r.expectation_met() == Some(false));
    let compared = count(&|r| r.expect.is_some());
    let round_trips = count(&|r| matches!(r.round_trip, Stage::Pass(_)));
    let round_trip_failures = count(&|r| matches!(r.round_trip, Stage::Fail));
    let previews = count(&|r| matches!(r.preview, Stage::Pass(_)));
    let preview_failures = count(&|r| matches!(r.preview, Stage::Fail));
    let failed = count(&|r| !r.failures.is_empty() || r.expectation_met() == Some(false));
    println!();
    println!(
        "{} samples: {ok} ok, {converted} converted ({spacers} spacers), {refused} refused; \
         verdicts compared with INDEX.md: {compared}, mismatches: {mismatches}; \
         round trips unchanged: {round_trips}, different: {round_trip_failures}; \
         previews ok: {previews}, failed: {preview_failures}",
        reports.len()
    );
    if failed == 0 {
        println!("PASS");
        true
    } else {
        println!("FAIL: {failed} sample(s)");
        false
    }
}
