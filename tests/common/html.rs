//! Reading attribute values out of generated HTML the way a browser would.

/// Decodes the character references a browser decodes in an attribute or
/// text (named ones used to smuggle URLs, and numeric ones), so tests judge
/// what a reader's browser sees, not the bytes.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').unwrap_or(0);
        let entity = &rest[1..end.max(1)];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "colon" => Some(':'),
            "Tab" => Some('\t'),
            "NewLine" => Some('\n'),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) if end > 0 => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The ids given to more than one element of `html` (each once, in order
/// of first repeat): what makes a page invalid HTML and its `#fragment`
/// links ambiguous. Reads the `id="..."` attributes of tags (after
/// whitespace, so `data-id` is not one), not text that shows markup (a
/// code block's `&lt;p id="x"&gt;`). Ids written other ways (`id='x'`,
/// `ID=x`) or made by scripts are not seen: the default theme writes none.
pub fn repeated_ids(html: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut repeated = Vec::new();
    for tag in tags(html) {
        let mut rest = tag;
        while let Some(at) = rest.find("id=\"") {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + 4..];
            let Some(end) = rest.find('"') else { break };
            let id = &rest[..end];
            rest = &rest[end + 1..];
            if before.is_some_and(char::is_whitespace)
                && !seen.insert(id.to_string())
                && !repeated.iter().any(|r| r == id)
            {
                repeated.push(id.to_string());
            }
        }
    }
    repeated
}

/// The start tags of `html`, `<` to `>`, outside comments and the
/// contents of `<script>` and `<style>`.
fn tags(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        if rest.starts_with("<!--") {
            let end = rest.find("-->").map_or(rest.len(), |e| e + 3);
            rest = &rest[end..];
            continue;
        }
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let tag = &rest[..end];
        rest = &rest[end..];
        found.push(tag);
        for raw in ["script", "style"] {
            let bytes = tag.as_bytes();
            let is_raw = bytes.len() > raw.len() + 1
                && bytes[1..=raw.len()].eq_ignore_ascii_case(raw.as_bytes())
                && !bytes[raw.len() + 1].is_ascii_alphanumeric();
            if is_raw {
                let close = format!("</{raw}");
                let end = rest.find(&close).unwrap_or(rest.len());
                rest = &rest[end..];
            }
        }
    }
    found
}
