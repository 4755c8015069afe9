//! Themes: Tera templates and static files.
//!
//! The default theme is compiled into the binary, so a site with no
//! `themes/` folder still builds. A site's own `themes/<name>/` replaces any
//! of its files one by one, and `templates/` at the site root overrides any
//! single template of the theme in use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};

use crate::diagnostics::Diagnostic;

/// The default theme, as shipped.
pub static DEFAULT_THEME: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

pub struct Theme {
    /// Template name (`page.html`) to its text and where it came from.
    pub templates: BTreeMap<String, (PathBuf, String)>,
    /// Output path (`style.css`) to bytes, theme static first, then the
    /// site's `static/` over it.
    pub statics: BTreeMap<String, Vec<u8>>,
}

/// The folders (relative to the site root) whose templates a site using
/// the theme `name` reads, the later overriding the earlier.
fn template_folders(name: &str) -> [PathBuf; 2] {
    [
        Path::new("themes").join(name).join("templates"),
        PathBuf::from("templates"),
    ]
}

/// The name of the template at `path` (relative to the site root) for a
/// site using the theme `name`: `templates/page.html` and
/// `themes/<name>/templates/page.html` are both `page.html`. `None` for a
/// file no template folder of that theme holds.
pub fn template_name(path: &Path, name: &str) -> Option<String> {
    let rest = (template_folders(name).iter()).find_map(|folder| path.strip_prefix(folder).ok())?;
    let parts: Option<Vec<&str>> = rest.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/")).filter(|name| !name.is_empty())
}

/// What to do about a `theme` with no folder.
pub const MISSING_HELP: &str = "set `theme = \"default\"` or create the theme folder";

/// The error for a `theme` whose folder does not exist. Loading the
/// settings reports it at the setting (`config::theme_missing`); this is
/// for a folder removed since.
fn not_found(name: &str) -> Diagnostic {
    let message = format!(
        "theme {} not found: there is no such folder in themes/",
        crate::diagnostics::quoted(name)
    );
    Diagnostic::general(Some(Path::new(crate::config::FILE_NAME)), message).with_help(MISSING_HELP)
}

impl Theme {
    pub fn load(root: &Path, name: &str) -> Result<Theme, Vec<Diagnostic>> {
        let mut theme = Theme {
            templates: BTreeMap::new(),
            statics: BTreeMap::new(),
        };
        let embedded_prefix = PathBuf::from("themes/default");
        theme.add_embedded(&DEFAULT_THEME, &embedded_prefix);
        let theme_dir = root.join("themes").join(name);
        if name != "default" && !theme_dir.is_dir() {
            return Err(vec![not_found(name)]);
        }
        let mut errors = Vec::new();
        let [theme_templates, site_templates] = template_folders(name).map(|f| root.join(f));
        let site_layers = [
            (theme_templates, true),
            (site_templates, true),
            (theme_dir.join("static"), false),
            (root.join("static"), false),
        ];
        for (dir, templates) in site_layers {
            if let Err(e) = theme.add_folder(root, &dir, templates) {
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(theme)
        } else {
            Err(errors)
        }
    }

    fn add_embedded(&mut self, dir: &Dir<'_>, prefix: &Path) {
        for file in dir.files() {
            let path = file.path();
            let mut parts = path.components();
            let top = parts
                .next()
                .map(|c| c.as_os_str().to_string_lossy().into_owned());
            let rest = parts.as_path().to_string_lossy().replace('\\', "/");
            match top.as_deref() {
                Some("templates") => {
                    let text = String::from_utf8_lossy(file.contents()).into_owned();
                    self.templates.insert(rest, (prefix.join(path), text));
                }
                Some("static") => {
                    self.statics.insert(rest, file.contents().to_vec());
                }
                _ => {}
            }
        }
        for sub in dir.dirs() {
            self.add_embedded(sub, prefix);
        }
    }

    fn add_folder(&mut self, root: &Path, dir: &Path, templates: bool) -> Result<(), Diagnostic> {
        if !dir.is_dir() {
            return Ok(());
        }
        let shown = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
        for entry in crate::data::walk_sources(dir) {
            let entry = entry.map_err(|e| {
                Diagnostic::general(
                    Some(&shown(dir)),
                    format!("cannot read {}: {e}", shown(dir).display()),
                )
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let relative = entry
                .path()
                .strip_prefix(dir)
                .expect("walked below dir")
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(entry.path()).map_err(|e| {
                Diagnostic::general(Some(&shown(entry.path())), format!("cannot read file: {e}"))
            })?;
            if templates {
                let text = String::from_utf8(bytes).map_err(|_| {
                    Diagnostic::general(Some(&shown(entry.path())), "template is not valid UTF-8")
                })?;
                self.templates.insert(relative, (shown(entry.path()), text));
            } else {
                self.statics.insert(relative, bytes);
            }
        }
        Ok(())
    }
}

/// Writes the default theme into `dir` (for `tandem init`), so a team can
/// start customising from the real thing.
pub fn write_default(dir: &Path) -> std::io::Result<()> {
    fn walk(d: &Dir<'_>, target: &Path) -> std::io::Result<()> {
        for file in d.files() {
            let path = target.join(file.path());
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, file.contents())?;
        }
        for sub in d.dirs() {
            walk(sub, target)?;
        }
        Ok(())
    }
    walk(&DEFAULT_THEME, dir)
}
