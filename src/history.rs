//! "Last updated" dates of the site's source files.
//!
//! When the site is inside a git repository, a file's date is the committer
//! date of the last commit that touched it: one `git log --name-only` pass
//! over the history below the site root gives every file's date at once
//! (never one process per file). The repository root may be above the site
//! root. Files git does not know (untracked, or no repository at all, or no
//! `git` installed) fall back to their modification time.
//!
//! Dates are clamped to the build's "today" (`SOURCE_DATE_EPOCH` when set),
//! the reproducible-builds rule: git dates are part of the history and stay
//! the same on every checkout, so builds stay byte-identical; modification
//! times are not (a fresh checkout sets them to the checkout time), but with
//! `SOURCE_DATE_EPOCH` set they are clamped to it, so a fresh checkout still
//! builds the same bytes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::calendar::Date;
use crate::site::Site;

/// Last-updated dates by source path relative to the site root
/// (`content/rituals/weekly.md`, `data/features.toml`).
#[derive(Debug, Default, Clone)]
pub struct LastUpdated {
    dates: HashMap<String, Date>,
    /// The newest date of any file below `data/`: when data-driven pages
    /// (features, dashboards, people) last changed.
    data: Option<Date>,
}

impl LastUpdated {
    /// The date of a source file, if known.
    pub fn get(&self, source: &Path) -> Option<Date> {
        self.dates.get(&key(source)).copied()
    }

    /// The newest date of the site's data files.
    pub fn data(&self) -> Option<Date> {
        self.data
    }

    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }
}

fn key(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// What `git log` says of the files below a site root ([`git_dates`]),
/// and what that depends on: `at` names the repository's HEAD with its
/// shallow boundary ([`head`]; for the build stamp, the root as well,
/// `stamp::Digest::git_at`). A later build with the same `at` takes the
/// dates from the build stamp, or in the development server from the
/// last build in memory, instead of running `git log` again, which took
/// 180 ms of every build on a history of 3,000 commits (the commits HEAD
/// reaches, and so their dates, cannot change without HEAD changing;
/// grafts and replace refs are the exception, and are left out).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct GitDates {
    /// `None` when unknown (HEAD or the root could not be read): then they
    /// are not kept.
    pub at: Option<String>,
    pub dates: HashMap<String, i64>,
}

/// Dates of every handbook page and data file of `site`, or none at all
/// when `last_updated = false`.
pub fn for_site(site: &Site) -> LastUpdated {
    let git = (site.config.last_updated).then(|| git_dates(&site.root));
    for_site_with(site, &|_| None, git.flatten().as_ref())
}

/// What git says of the files of `site`, with the HEAD it was read at
/// (read first: should HEAD move meanwhile, the dates are taken for the
/// older one, which no longer matches): those of `known` if they were
/// read at the same HEAD, else from `git log`. `None` outside git or
/// without last-updated dates.
pub fn read_git(site: &Site, known: Option<&GitDates>) -> Option<GitDates> {
    if !site.config.last_updated {
        return None;
    }
    // Outside git (or before the first commit) `git log` has nothing to
    // say either.
    let at = head(&site.root)?;
    let dates = match known.filter(|known| known.at.as_deref() == Some(at.as_str())) {
        Some(known) => known.dates.clone(),
        None => git_dates(&site.root)?,
    };
    Some(GitDates {
        at: Some(at),
        dates,
    })
}

/// [`for_site`], with the dates git gave (`None`: not in git) and the
/// modification time (Unix seconds) of a file from `modified` where it
/// has it: `tandem build` has just stat-ed every source for its build
/// stamp, and asking the file system again costs 20,000 calls at 10,000
/// pages.
pub fn for_site_with(
    site: &Site,
    modified: &dyn Fn(&Path) -> Option<i64>,
    from_git: Option<&HashMap<String, i64>>,
) -> LastUpdated {
    if !site.config.last_updated {
        return LastUpdated::default();
    }
    let mut sources: Vec<PathBuf> = site.content.all_pages().map(|p| p.source.clone()).collect();
    let data_files = crate::data::list_files(&site.root, "data", "toml").unwrap_or_default();
    sources.extend(data_files.iter().cloned());
    let mut result = compute_with(&site.root, &sources, site.today, modified, from_git);
    result.data = data_files.iter().filter_map(|f| result.get(f)).max();
    result
}

/// Dates of `sources` (relative to `root`): from git where it knows the
/// file, else from the file's modification time; never after `today`.
pub fn compute(root: &Path, sources: &[PathBuf], today: Date) -> LastUpdated {
    compute_with(root, sources, today, &|_| None, git_dates(root).as_ref())
}

/// [`compute`], with git's dates given and modification times from
/// `modified` where it has them (see [`for_site_with`]).
fn compute_with(
    root: &Path,
    sources: &[PathBuf],
    today: Date,
    modified: &dyn Fn(&Path) -> Option<i64>,
    from_git: Option<&HashMap<String, i64>>,
) -> LastUpdated {
    let mut dates = HashMap::new();
    for source in sources {
        let k = key(source);
        let seconds = (from_git.and_then(|git| git.get(&k)).copied())
            .or_else(|| modified(source))
            .or_else(|| modified_seconds(&root.join(source)));
        if let Some(date) = seconds.and_then(Date::from_unix_seconds) {
            dates.insert(k, date.min(today));
        }
    }
    LastUpdated { dates, data: None }
}

/// The date of one source file, as [`compute`] would give it, from the
/// dates git gave at the HEAD checked out now (a file they do not list
/// is not committed: its modification time). For the development server
/// after a save, while HEAD has not moved: [`date_of`] walks the history
/// back to the file's last commit, 40-57 ms per save at 10,000 pages with
/// a history of 3,000 commits.
pub fn date_from_git(
    root: &Path,
    source: &Path,
    today: Date,
    git: &HashMap<String, i64>,
) -> Option<Date> {
    let sources = [source.to_path_buf()];
    compute_with(root, &sources, today, &|_| None, Some(git)).get(source)
}

/// The date of one source file, as [`compute`] would give it, with one
/// `git log -1` instead of a pass over the whole history: for the
/// development server, after a save.
pub fn date_of(root: &Path, source: &Path, today: Date) -> Option<Date> {
    let from_git = git_log(root, &["-1", "--format=%ct", "--no-color", "--"], source)
        .and_then(|text| text.trim().parse().ok());
    from_git
        .or_else(|| modified_seconds(&root.join(source)))
        .and_then(Date::from_unix_seconds)
        .map(|date| date.min(today))
}

fn modified_seconds(path: &Path) -> Option<i64> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(since.as_secs()).ok()
}

/// Committer time (Unix seconds) of the last commit touching each file
/// below `root`, by path relative to `root`. `None` when `root` is not in a
/// git repository or git cannot run.
pub fn git_dates(root: &Path) -> Option<HashMap<String, i64>> {
    let arguments = [
        "--format=%x00%ct",
        "--name-only",
        "--relative",
        "--no-color",
        "--",
    ];
    git_log(root, &arguments, Path::new(".")).map(|text| parse_log(&text))
}

/// The commit checked out, when the site is in a git repository (new
/// commits move last-updated dates without changing any source), and the
/// list of a shallow clone's cut-off commits (deepening the clone moves
/// them too): what git's dates depend on ([`GitDates`]).
pub fn head(root: &Path) -> Option<String> {
    let output = git(root)
        .args(["rev-parse", "HEAD", "--git-path", "shallow"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let shallow = text
        .lines()
        .nth(1)
        .and_then(|path| std::fs::read_to_string(root.join(path)).ok())
        .unwrap_or_default();
    Some(format!("{text}{shallow}"))
}

/// `git -C root`, quiet, reading no input, and about the repository of
/// `root` only: a surrounding git hook's repository must not stand in for
/// it.
fn git(root: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(root)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// The output of `git log ARGUMENTS PATH` run in `root`, or `None` when
/// `root` is not in a repository or git cannot run.
fn git_log(root: &Path, arguments: &[&str], path: &Path) -> Option<String> {
    let output = git(root)
        .args(["-c", "core.quotepath=off", "-c", "log.showSignature=false"])
        .arg("log")
        .args(arguments)
        .arg(path)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Parses `git log --format=%x00%ct --name-only`: newest commit first, so
/// the first time a path appears is its last change.
fn parse_log(text: &str) -> HashMap<String, i64> {
    let mut dates = HashMap::new();
    let mut current: Option<i64> = None;
    for line in text.lines() {
        if let Some(stamp) = line.strip_prefix('\0') {
            current = stamp.trim().parse().ok();
        } else if !line.is_empty() {
            if let Some(seconds) = current {
                dates.entry(line.to_string()).or_insert(seconds);
            }
        }
    }
    dates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_commit_wins() {
        let log =
            "\u{0}200\n\ncontent/a.md\ncontent/b c.md\n\u{0}100\n\ncontent/a.md\ndata/x.toml\n";
        let dates = parse_log(log);
        assert_eq!(dates["content/a.md"], 200);
        assert_eq!(dates["content/b c.md"], 200);
        assert_eq!(dates["data/x.toml"], 100);
        assert_eq!(dates.len(), 3);
    }

    #[test]
    fn dates_are_clamped_to_today_and_fall_back_to_mtime() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), "x").unwrap();
        let today = Date::from_ymd(2001, 2, 3).unwrap();
        let dates = compute(
            dir.path(),
            &[PathBuf::from("a.md"), PathBuf::from("gone.md")],
            today,
        );
        // Written just now, so clamped to the (earlier) build date.
        assert_eq!(dates.get(Path::new("a.md")), Some(today));
        assert_eq!(dates.get(Path::new("gone.md")), None);
    }
}
