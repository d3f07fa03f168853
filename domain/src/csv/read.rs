//! Reading an uploaded CSV file: decoding, then records with their line numbers.
//!
//! Cells are trimmed, and `'=…` (how [`super::Csv`] neutralises formulas) reads as `=…`.

use super::Encoding;
use crate::{DomainError, DomainResult};

/// One record of a file: its cells (trimmed of surrounding spaces) and the line it starts on
/// (1-based; a quoted cell may span lines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub cells: Vec<String>,
}

/// The file's text and how it was encoded: UTF-8 (a byte-order mark is dropped) when it is valid
/// UTF-8, else Shift_JIS/CP932. A file that is neither is refused in Japanese.
pub fn decode(bytes: &[u8]) -> DomainResult<(String, Encoding)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), Encoding::Utf8));
    }
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(DomainError::Invalid(
            "ファイルの文字コードを読み取れません。UTF-8 か Shift_JIS（Excel の「CSV（コンマ区切り）」）で保存してください。"
                .into(),
        ));
    }
    Ok((text.into_owned(), Encoding::ShiftJis))
}

/// Every record of `text` (CRLF or LF, RFC 4180 quoting). Blank lines are skipped.
pub fn read(text: &str) -> DomainResult<Vec<Record>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    let mut record = csv::StringRecord::new();
    // The csv crate's own line numbers lag a record behind, so lines are counted here: the
    // line breaks before the first byte of each record.
    let mut counted = (0_usize, 1_u64);
    let mut line_at = |byte: usize| {
        // The reported start may be the previous record's line break (or blank lines).
        let bytes = text.as_bytes();
        let mut byte = byte.min(bytes.len());
        while bytes.get(byte).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            byte += 1;
        }
        let (from, line) = counted;
        let from = from.min(byte);
        let more = text.as_bytes()[from..byte]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted = (byte, line + more as u64);
        counted.1
    };
    loop {
        let before = reader.position().byte() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(records),
            Ok(true) => {
                let cells: Vec<String> = record.iter().map(unneutralise).collect();
                let start = record.position().map_or(before, |p| p.byte() as usize);
                let line = line_at(start);
                if cells.iter().all(String::is_empty) {
                    continue;
                }
                records.push(Record { line, cells });
            }
            Err(e) => {
                let start = e.position().map_or(before, |p| p.byte() as usize);
                let line = line_at(start);
                return Err(DomainError::Invalid(format!(
                    "{line}行目を CSV として読み取れません。"
                )));
            }
        }
    }
}

/// A cell trimmed, with the `'` our exports put before formula-like text taken off again, so
/// that what an export wrote reads back as it was.
fn unneutralise(cell: &str) -> String {
    let cell = cell.trim();
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

/// A column as a spreadsheet names it: 0 → A, 25 → Z, 26 → AA.
pub fn column_name(index: usize) -> String {
    let mut name = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        name.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_cells_keep_commas_and_newlines_and_records_keep_their_lines() {
        let text = "id,note\r\nU1,\"a, b\"\r\nU2,\"two\nlines\"\n\nU3,plain\n";
        let records = read(text).expect("reads");
        let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 2, 3, 6]);
        assert_eq!(records[1].cells, ["U1", "a, b"]);
        assert_eq!(records[2].cells, ["U2", "two\nlines"]);
    }

    #[test]
    fn neutralised_formulas_read_back_as_written() {
        let records = read("\"'=SUM(A1)\",'-1,'plain,\"'@x\"\n").expect("reads");
        assert_eq!(records[0].cells, ["=SUM(A1)", "-1", "'plain", "@x"]);
    }

    #[test]
    fn utf8_with_or_without_bom_and_shift_jis_are_read() {
        assert_eq!(
            decode("\u{feff}地区".as_bytes()).expect("bom"),
            ("地区".to_owned(), Encoding::Utf8)
        );
        assert_eq!(
            decode("地区".as_bytes()).expect("plain"),
            ("地区".to_owned(), Encoding::Utf8)
        );
        // 髙 (IBM extension), 﨑 (NEC-selected IBM extension) and half-width ｶﾅ as CP932 bytes.
        let sjis = [0xFB, 0xFC, 0xFA, 0xB1, 0xB6, 0xC5];
        assert_eq!(
            decode(&sjis).expect("sjis"),
            ("髙﨑ｶﾅ".to_owned(), Encoding::ShiftJis)
        );
        assert!(decode(&[0x82, 0xFF, 0xFF]).is_err());
    }

    #[test]
    fn columns_are_named_as_spreadsheets_name_them() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
    }
}
