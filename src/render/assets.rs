//! Static files and their published names.
//!
//! With `fingerprint = true` (or `tandem build --fingerprint`) every `.css`
//! and `.js` file gets its content hash in its name (`style.css` →
//! `style.3f2a9c1e.css`), so a host can cache it forever: a changed file is
//! a new name. Templates link assets through `site.assets["style.css"]`,
//! which is the published URL either way.

use std::collections::BTreeMap;

/// Whether a static file's name carries its hash when fingerprinting.
fn fingerprinted_kind(path: &str) -> bool {
    path.ends_with(".css") || path.ends_with(".js")
}

/// 32-bit content hash (FNV-1a, folded), as 8 hex digits: stable across
/// platforms and versions, which a published name must be.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:08x}", (hash ^ (hash >> 32)) as u32)
}

/// The output path of the static file `path` (relative, `/`-separated).
pub fn output_path(path: &str, bytes: &[u8], fingerprint: bool) -> String {
    if !fingerprint || !fingerprinted_kind(path) {
        return path.to_string();
    }
    let (folder, name) = match path.rsplit_once('/') {
        Some((folder, name)) => (format!("{folder}/"), name),
        None => (String::new(), path),
    };
    let (stem, extension) = name.rsplit_once('.').expect("css and js names have a dot");
    format!("{folder}{stem}.{}.{extension}", content_hash(bytes))
}

/// `site.assets`: every static file's path to its published URL.
pub fn urls(
    statics: &BTreeMap<String, Vec<u8>>,
    base_path: &str,
    fingerprint: bool,
) -> BTreeMap<String, String> {
    statics
        .iter()
        .map(|(path, bytes)| {
            (
                path.clone(),
                format!("{base_path}{}", output_path(path, bytes, fingerprint)),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash_only_when_asked() {
        let a = output_path("css/site.css", b"body{}", true);
        assert!(a.starts_with("css/site.") && a.ends_with(".css"), "{a}");
        assert_eq!(a.len(), "css/site.12345678.css".len());
        assert_ne!(a, output_path("css/site.css", b"body{ }", true));
        assert_eq!(a, output_path("css/site.css", b"body{}", true));
        assert_eq!(output_path("logo.svg", b"x", true), "logo.svg");
        assert_eq!(output_path("site.css", b"x", false), "site.css");
    }
}
