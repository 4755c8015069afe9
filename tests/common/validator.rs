//! The W3C's Nu Html Checker (`vnu.jar`, the checker behind
//! validator.w3.org/nu), for the tests that hold the pages Tandem writes
//! to the HTML standard. `.ci/run` installs it from the npm registry (the
//! checker's own `vnu-jar` package) into `target/vnu`, with a Java runtime.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `.ci/run` puts the checker (`TANDEM_VNU_JAR` may say otherwise).
const INSTALLED: &str = "target/vnu/node_modules/vnu-jar/build/dist/vnu.jar";

pub struct Checker {
    jar: PathBuf,
}

/// The checker, if it and Java are installed; `None` (with a message)
/// skips the test where they are missing, except under `CI`, where it
/// must run.
pub fn checker_or_skip() -> Option<Checker> {
    let jar = super::installed("TANDEM_VNU_JAR", INSTALLED);
    let java = Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    let missing = format!("the Nu Html Checker needs java and {}", jar.display());
    let found = (java && jar.is_file()).then_some(Checker { jar });
    super::tool_or_skip(found, &missing)
}

impl Checker {
    /// The errors the checker finds in the HTML files in `dir` and below,
    /// one line each (`"file:…":line.column-line.column: error: …`), after
    /// checking that there are at least `at_least` of them to read.
    pub fn errors(&self, dir: &Path, at_least: usize) -> Vec<String> {
        let pages = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
            .count();
        assert!(
            pages >= at_least,
            "{} holds {pages} HTML files, fewer than {at_least}",
            dir.display()
        );
        let output = Command::new("java")
            .arg("-jar")
            .arg(&self.jar)
            .args(["--errors-only", "--skip-non-html", "--format", "gnu"])
            .arg(dir)
            .output()
            .expect("java runs");
        let report = String::from_utf8_lossy(&output.stderr);
        // The checker's messages name their file; anything else on stderr
        // (a note from the JVM, say) is not one.
        let errors: Vec<String> = report
            .lines()
            .filter(|line| line.starts_with("\"file:"))
            .map(str::to_string)
            .collect();
        // The checker exits 1 exactly when it reports an error; anything
        // else (a bad argument, say) must not pass for a clean report.
        let clean = output.status.success();
        assert_eq!(
            clean,
            errors.is_empty(),
            "the checker exited with {} and said:\n{report}",
            output.status
        );
        errors
    }
}
