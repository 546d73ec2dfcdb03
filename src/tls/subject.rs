//! The subject of an X.509 certificate as one line of text ("CN=localhost, O=sockit"), read
//! from its DER bytes with bounds-checked slicing only: a hostile certificate gives `None`.

/// The subject's attributes in the certificate's order, `TYPE=value` joined by ", "; commas
/// and backslashes in values are escaped with a backslash, control characters shown as `\xNN`.
pub fn subject_text(der: &[u8]) -> Option<String> {
    let (_, certificate, _) = element(der, SEQUENCE)?;
    let (_, mut tbs, _) = element(certificate, SEQUENCE)?;
    // version [0] EXPLICIT (optional), serialNumber, signature, issuer, validity, subject.
    if tbs.first() == Some(&0xA0) {
        tbs = element(tbs, 0xA0)?.2;
    }
    for tag in [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE] {
        tbs = element(tbs, tag)?.2;
    }
    let (_, mut name, _) = element(tbs, SEQUENCE)?;
    let mut parts = Vec::new();
    while !name.is_empty() {
        let (_, mut set, rest) = element(name, SET)?;
        name = rest;
        while !set.is_empty() {
            let (_, attribute, rest) = element(set, SEQUENCE)?;
            set = rest;
            let (_, oid, value) = element(attribute, OID)?;
            let (tag, value, _) = any_element(value)?;
            parts.push(format!(
                "{}={}",
                attribute_name(oid),
                value_text(tag, value)
            ));
        }
    }
    Some(parts.join(", "))
}

const INTEGER: u8 = 0x02;
const OID: u8 = 0x06;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;

/// The element at the start of `input`, which must have tag `tag`: (tag, contents, rest).
fn element(input: &[u8], tag: u8) -> Option<(u8, &[u8], &[u8])> {
    any_element(input).filter(|(t, ..)| *t == tag)
}

fn any_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, after) = rest.split_at(count);
        rest = after;
        bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b))
    };
    if rest.len() < len {
        return None;
    }
    let (contents, rest) = rest.split_at(len);
    Some((tag, contents, rest))
}

fn attribute_name(oid: &[u8]) -> String {
    let known = match oid {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x0A] => "O",
        [0x55, 0x04, 0x0B] => "OU",
        [0x55, 0x04, 0x05] => "serialNumber",
        [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x01] => "emailAddress",
        _ => return dotted(oid),
    };
    known.to_owned()
}

/// An OID in dotted form ("1.2.3.4").
fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    for &byte in oid {
        value = (value << 7) | u64::from(byte & 0x7F);
        if byte & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
        if value > u64::MAX >> 7 {
            return "?".to_owned();
        }
    }
    let text: Vec<String> = arcs.iter().map(u64::to_string).collect();
    text.join(".")
}

fn value_text(tag: u8, value: &[u8]) -> String {
    let text = match tag {
        // BMPString: UTF-16 big-endian.
        0x1E => {
            let units: Vec<u16> = value
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(value).into_owned(),
    };
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ',' | '\\' | '+' | '=' => {
                escaped.push('\\');
                escaped.push(c);
            }
            c if c.is_control() => escaped.push_str(&format!("\\x{:02X}", u32::from(c))),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_bytes_give_no_subject() {
        assert_eq!(subject_text(&[]), None);
        assert_eq!(subject_text(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]), None);
        assert_eq!(subject_text(&[0x30, 0x03, 0x30, 0x01]), None);
        for len in 0..64u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37) ^ 0x30).collect();
            let _ = subject_text(&bytes);
        }
    }

    #[test]
    fn oids_and_values_are_written_as_text() {
        assert_eq!(dotted(&[0x2A, 0x86, 0x48]), "1.2.840");
        assert_eq!(value_text(0x0C, b"a,b\n"), "a\\,b\\x0A");
        assert_eq!(value_text(0x1E, &[0, b'h', 0, b'i']), "hi");
    }
}
