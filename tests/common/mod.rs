//! Fixture sites for integration tests: a small, valid site written into a
//! temporary folder, which each test can then break in one place.

#![allow(dead_code)]

pub mod accessibility;
pub mod browser;
pub mod html;
pub mod server;
pub mod validator;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// 2026-11-25T00:00:00Z: the "today" of every test build.
pub const EPOCH: &str = "1795564800";

pub const PEOPLE: &str = r#"
[[person]]
id = "ana"
name = "Ana Ruiz"
role = "product"

[[person]]
id = "raj"
name = "Raj Patel"
role = "engineering"

[[person]]
id = "lee"
name = "Lee <Script> O'Neil"
role = "engineering"
"#;

pub const FEATURES: &str = r#"
[[feature]]
id = "offline-sync"
title = "Offline sync for field app"
kind = "feature"
status = "refinement"
problem = "Technicians lose work when the network drops."
value = "Top churn reason in Q3 interviews."
product_owner = "ana"
eng_owner = "raj"
impact = 8
effort = 5
discovery_done = 2026-10-02
tags = ["mobile"]

[[feature]]
id = "xss-title"
title = "<script>alert('x')</script> & \"quotes\""
kind = "tech-debt"
status = "planned"
impact = 3
effort = 2
discovery_done = 2026-11-20
"#;

pub const SCORES: &str = r#"
[[score]]
feature = "offline-sync"
by = "ana"
impact = 9
effort = 3
date = 2026-10-05

[[score]]
feature = "offline-sync"
by = "lee"
impact = 7
effort = 8
date = 2026-10-05
note = "Sync conflicts are the hard part."

[[checkin]]
date = 2026-10-03
feature = "xss-title"
kind = "feasibility"
attendees = ["ana", "raj", "lee"]
minutes = 30
outcome = "go-with-risks"
risks = ["CRDT library maturity"]
decisions = ["Prototype last-write-wins first"]
[[checkin.dissent]]
by = "lee"
opinion = "Effort is underestimated by about half."

[[demo]]
date = 2026-10-14
title = "Sync prototype walkthrough"
presenter = "ana"
features = ["offline-sync"]
why = "Show why conflict resolution matters."
attendees = ["raj", "lee"]
"#;

pub const HOME: &str = "+++\ntitle = \"Fixture handbook\"\n+++\n\nWelcome. Read [the check-in guide](guide/checkin.md#the-agenda).\n";

pub const CHECKIN_PAGE: &str = r#"+++
title = "Running a check-in"
weight = 20
owner = "raj"
review_by = 2026-01-01
tags = ["check-ins"]
+++

Thirty minutes, before anything is committed.

## The agenda

1. The problem.

## The agenda

Duplicate heading on purpose.

### Risks

See [the demos page](demos.md) and [home](../_index.md).
"#;

pub const DEMOS_PAGE: &str = "# Demos that show the why\n\nShow the *why*.\n";

pub struct Fixture {
    pub dir: TempDir,
}

impl Fixture {
    /// A valid site with three people, two candidates and three pages.
    pub fn new() -> Fixture {
        let fixture = Fixture {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        fixture.write("tandem.toml", "title = \"Fixture & Co\"\n");
        fixture.write("data/people.toml", PEOPLE);
        fixture.write("data/features.toml", FEATURES);
        fixture.write("data/activity.toml", SCORES);
        fixture.write("content/_index.md", HOME);
        fixture.write("content/guide/checkin.md", CHECKIN_PAGE);
        fixture.write("content/guide/demos.md", DEMOS_PAGE);
        fixture
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn write(&self, relative: &str, text: &str) {
        self.write_bytes(relative, text.as_bytes());
    }

    pub fn write_bytes(&self, relative: &str, bytes: &[u8]) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    /// Replaces the first occurrence of `from` in a file; panics if absent,
    /// so a test can never silently break nothing.
    pub fn edit(&self, relative: &str, from: &str, to: &str) {
        let text = fs::read_to_string(self.path(relative)).unwrap();
        assert!(text.contains(from), "{relative} does not contain {from:?}");
        self.write(relative, &text.replacen(from, to, 1));
    }

    pub fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
    }

    pub fn tandem(&self, args: &[&str]) -> Output {
        self.tandem_with_env(args, &[])
    }

    /// [`Self::tandem`] with more environment variables; they come last,
    /// so one may move `SOURCE_DATE_EPOCH` to another day.
    pub fn tandem_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(args, env).output().unwrap()
    }

    /// [`Self::tandem_with_env`], killed (so not successful) if it runs
    /// longer than `limit`: for what could hang.
    pub fn tandem_within(
        &self,
        limit: std::time::Duration,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Output {
        self.command(args, env).timeout(limit).output().unwrap()
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::cargo_bin("tandem").unwrap();
        command
            .args(args)
            .arg("--root")
            .arg(self.root())
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .envs(env.iter().copied());
        command
    }

    pub fn build(&self) -> Output {
        self.tandem(&["build"])
    }

    /// Makes the site a git repository whose one commit, made at `date`,
    /// holds every file: last-updated dates then come from history.
    pub fn commit_everything(&self, date: &str) {
        git(self.root(), &["init", "-q"], date);
        git(self.root(), &["add", "."], date);
        git(self.root(), &["commit", "-qm", "Start"], date);
    }
}

/// Builds the repository's own site (the example handbook) into `out`,
/// with `args` added to `tandem build`, on the fixed day [`EPOCH`];
/// panics with the build's errors if it fails.
pub fn build_repository_site(out: &Path, args: &[&str]) {
    let output = Command::cargo_bin("tandem")
        .unwrap()
        .args(["build", "--root", env!("CARGO_MANIFEST_DIR"), "--output"])
        .arg(out)
        .args(args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the repository's site must build: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Where a tool `.ci/run` installs under the repository (`relative`) is,
/// unless the environment variable `var` names another place.
pub fn installed(var: &str, relative: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(relative))
}

/// `tool`, for a test to run; `None` (with a message) skips the test when
/// it is missing, except under `CI`, where it must run: `bash .ci/run`
/// installs every tool a test needs.
pub fn tool_or_skip<T>(tool: Option<T>, missing: &str) -> Option<T> {
    if tool.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("{missing}: required under CI (`bash .ci/run` installs it)");
        }
        eprintln!("skipped: {missing}");
    }
    tool
}

/// Runs `tandem init` into `target` and builds what it made, on the
/// fixed day [`EPOCH`]; panics if either fails.
pub fn init_and_build(target: &Path) {
    let init = Command::cargo_bin("tandem")
        .unwrap()
        .arg("init")
        .arg(target)
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", stderr(&init));
    let build = Command::cargo_bin("tandem")
        .unwrap()
        .args(["build", "--root"])
        .arg(target)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    assert!(build.status.success(), "{}", stderr(&build));
}

/// The default theme's `base.html` as sites copied it before the
/// navigation became one element: a `<details>` menu for phones (with
/// `compact` set and the open section's pages in `section_pages`) and a
/// sidebar that is not a popover.
pub fn base_html_with_two_menus() -> String {
    let base = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/themes/default/templates/base.html"
    );
    let base = std::fs::read_to_string(base).unwrap();
    let start = (base.find("  {#- The same navigation")).expect("today's navigation");
    let end = base.find("  <main id=").expect("the main element");
    let before = concat!(
        "  {%- if current_nav %}{% set section_pages %}{% include \"partials/nav_pages.html\" %}{% endset %}{% endif %}\n",
        "  <nav class=\"nav-mobile\" aria-label=\"Main\">\n    <details>\n      <summary>Menu</summary>\n",
        "      {%- set compact = true %}\n      {% include \"partials/nav.html\" %}\n    </details>\n  </nav>\n",
        "</header>\n<div class=\"layout\">\n",
        "  <nav class=\"nav-sidebar\" aria-label=\"Main\">\n",
        "    {%- set compact = false %}\n    {% include \"partials/nav.html\" %}\n  </nav>\n",
    );
    format!("{}{before}{}", &base[..start], &base[end..])
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file below `dir` with its bytes, sorted by path.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// A folder holding a `git` that appends its arguments to `log` and then
/// runs the real one.
#[cfg(unix)]
pub fn logging_git(folder: &Path, log: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var("PATH").unwrap_or_default();
    let real = std::env::split_paths(&path)
        .map(|dir| dir.join("git"))
        .find(|git| git.is_file())
        .expect("git on PATH");
    let script = folder.join("git");
    let text = format!(
        "#!/bin/sh\necho \"$@\" >> '{}'\nexec '{}' \"$@\"\n",
        log.display(),
        real.display()
    );
    fs::write(&script, text).unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:{path}", folder.display())
}

pub fn git(dir: &Path, args: &[&str], date: &str) {
    let status = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}
