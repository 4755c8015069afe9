//! A build killed at any moment never leaves a broken site, and two builds
//! at once never corrupt one.
//!
//! The builds here run the real binary on a site of about 650 pages (about
//! 2 s in a debug build) and are killed with SIGKILL at fixed moments (50
//! ms to 1.5 s after they start) and while they write: as soon as an
//! in-place rebuild starts renaming changed files into place, or a first
//! build's staging folder appears, and a few milliseconds later. After every
//! kill, the output is byte for byte one complete site, the previous or the
//! new one, unless the build was killed inside its commit (the burst of
//! renames after its journal was written): then every file is complete, old
//! or new, and the next build finishes that commit before anything else
//! (see docs/guarantees.md). The next build succeeds, and cleans up the
//! leftovers of the killed one: its staging folder
//! (`.public.tandem-new-<pid>`), its commit folder
//! (`.public.tandem-commit-<pid>`) and its lock (`.public.tandem-lock`).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{snapshot, stderr, Fixture, EPOCH};

const PAGES: usize = 600;

/// The common fixture plus `PAGES` pages in sections of 20.
fn big_site() -> Fixture {
    let site = Fixture::new();
    for i in 0..PAGES {
        site.write(
            &format!("content/bulk-{:02}/page-{i:04}.md", i / 20),
            &format!(
                "+++\ntitle = \"Bulk page {i}\"\nweight = {i}\n+++\n\n\
                 Text of page {i}, with *emphasis* and a [link](../_index.md).\n\n\
                 ## Details\n\n- one\n- two\n"
            ),
        );
    }
    set_variant(&site, "A");
    site
}

/// Changes the site title, which every page shows: a rebuild between two
/// variants rewrites every page.
fn set_variant(site: &Fixture, variant: &str) {
    site.write("tandem.toml", &format!("title = \"Variant {variant}\"\n"));
}

fn tandem(site: &Fixture, output: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tandem"));
    command
        .arg("build")
        .arg("--root")
        .arg(site.root())
        .arg("--output")
        .arg(output)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn build(site: &Fixture, output: &Path) -> Output {
    let out = tandem(site, output).output().unwrap();
    assert!(out.status.success(), "build failed: {}", stderr(&out));
    out
}

type Tree = BTreeMap<PathBuf, Vec<u8>>;

fn tree(dir: &Path) -> Tree {
    snapshot(dir).into_iter().collect()
}

fn is_temporary(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().contains(".tandem-"))
}

/// Whether a killed build left a commit past its commit point (its journal
/// has its final name), which the next build must finish.
fn commit_in_progress(output: &Path) -> bool {
    leftovers_beside(output).iter().any(|name| {
        name.contains(".tandem-commit-")
            && output.with_file_name(name).join("journal.json").is_file()
    })
}

/// Leftovers beside `output`: `.public.tandem-*` folders and files, but
/// not the stamp of a finished build (`.public.tandem-stamp`), which
/// belongs there.
fn leftovers_beside(output: &Path) -> Vec<String> {
    let prefix = format!(".{}.tandem-", output.file_name().unwrap().to_string_lossy());
    std::fs::read_dir(output.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .filter(|n| !n.ends_with(".tandem-stamp") && !n.ends_with(".tandem-pages"))
        .collect()
}

/// What a killed build left in `output`, checked against the two complete
/// versions the output may hold. Returns how many files held each version.
fn check_complete(output: &Path, old: &Tree, new: &Tree) -> (usize, usize) {
    let now = tree(output);
    let (mut olds, mut news) = (0, 0);
    for (path, bytes) in &now {
        assert!(!is_temporary(path), "{} inside the output", path.display());
        let is_old = old.get(path) == Some(bytes);
        let is_new = new.get(path) == Some(bytes);
        assert!(
            is_old || is_new,
            "{} is neither the old nor the new version ({} bytes)",
            path.display(),
            bytes.len()
        );
        if path.extension().is_some_and(|e| e == "html") {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                text.trim_end().ends_with("</html>"),
                "{} is cut short",
                path.display()
            );
        }
        olds += usize::from(is_old && !is_new);
        news += usize::from(is_new && !is_old);
    }
    // Nothing of the previous site is missing (both versions have the same
    // files, so no file is stale).
    for path in old.keys() {
        assert!(
            now.contains_key(path),
            "{} disappeared from the output",
            path.display()
        );
    }
    (olds, news)
}

/// The builds of this file that take seconds run one at a time, so that
/// their timings (and the moments they are killed at) mean something on a
/// shared machine.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}

/// When to kill a build.
#[derive(Debug, Clone, Copy)]
enum Moment {
    /// This long after it started.
    After(Duration),
    /// This long after it started writing: the first of `watched` files
    /// changed (an in-place rebuild renames files into place), or a staging
    /// folder appeared beside the output (a first build).
    Writing(Duration),
}

/// Starts a build and kills it with SIGKILL at `moment` unless it finished
/// first; returns whether it was killed.
fn build_and_kill(site: &Fixture, output: &Path, watched: &[PathBuf], moment: Moment) -> bool {
    let mtimes = |files: &[PathBuf]| -> Vec<Option<std::time::SystemTime>> {
        files
            .iter()
            .map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
            .collect()
    };
    let before = mtimes(watched);
    let mut child = tandem(site, output).spawn().unwrap();
    let started = Instant::now();
    let deadline = match moment {
        Moment::After(delay) => started + delay,
        Moment::Writing(delay) => loop {
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            let staging = leftovers_beside(output)
                .iter()
                .any(|n| n.contains(".tandem-new-"));
            if staging || mtimes(watched) != before {
                break Instant::now() + delay;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "build hangs");
            std::thread::sleep(Duration::from_micros(500));
        },
    };
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    if child.try_wait().unwrap().is_some() {
        return false;
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    true
}

/// Every 20th page of the output: enough to notice a rebuild has started
/// renaming files into place within a few milliseconds.
fn watched_pages(output: &Path, tree: &Tree) -> Vec<PathBuf> {
    tree.keys()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .step_by(20)
        .map(|p| output.join(p))
        .collect()
}

/// The moments builds are killed at: fixed delays from the start, then
/// moments while the output is being written.
fn moments() -> Vec<Moment> {
    let mut moments: Vec<Moment> = [50, 200, 500, 1000, 1500]
        .into_iter()
        .map(|ms| Moment::After(Duration::from_millis(ms)))
        .collect();
    moments.extend(
        [0, 0, 2, 5, 10, 20, 40, 80]
            .into_iter()
            .map(|ms| Moment::Writing(Duration::from_millis(ms))),
    );
    moments
}

/// The next build after kills: succeeds, equals a clean build, and leaves
/// no temporary file, staging folder or lock behind.
fn check_recovery(site: &Fixture, output: &Path, expected: &Tree) {
    build(site, output);
    let now = tree(output);
    let temporary: Vec<_> = now.keys().filter(|p| is_temporary(p)).collect();
    assert!(temporary.is_empty(), "temporary files left: {temporary:?}");
    assert!(
        &now == expected,
        "the output differs from a clean build of the same site"
    );
    let beside = leftovers_beside(output);
    assert!(beside.is_empty(), "leftovers beside the output: {beside:?}");
}

#[test]
fn a_rebuild_killed_at_any_moment_leaves_every_file_complete() {
    let _heavy = heavy();
    let site = big_site();
    let scratch = tempfile::tempdir().unwrap();
    let output = site.path("public");
    // The two versions of the site, built cleanly elsewhere.
    set_variant(&site, "A");
    build(&site, &scratch.path().join("a"));
    set_variant(&site, "B");
    build(&site, &scratch.path().join("b"));
    let a = tree(&scratch.path().join("a"));
    let b = tree(&scratch.path().join("b"));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "both variants have the same files"
    );
    assert!(a.len() > PAGES, "{} files", a.len());
    set_variant(&site, "A");
    build(&site, &output);
    let watched = watched_pages(&output, &a);

    // Each rebuild goes to the other variant, so every one of them
    // rewrites every page.
    let (mut killed, mut killed_writing, mut mixed) = (0, 0, 0);
    let mut killed_committing = 0;
    for (i, moment) in moments().into_iter().enumerate() {
        let variant = if i % 2 == 0 { "B" } else { "A" };
        set_variant(&site, variant);
        let was_killed = build_and_kill(&site, &output, &watched, moment);
        killed += usize::from(was_killed);
        killed_writing += usize::from(was_killed && matches!(moment, Moment::Writing(_)));
        let (olds, news) = check_complete(&output, &a, &b);
        let committing = commit_in_progress(&output);
        killed_committing += usize::from(committing);
        if olds > 0 && news > 0 {
            assert!(
                committing,
                "a mix of A ({olds} files) and B ({news}) with no commit to finish"
            );
            mixed += 1;
        }
        eprintln!(
            "{moment:?}: {}; {olds} files of A, {news} of B",
            if was_killed {
                "killed"
            } else {
                "finished first"
            }
        );
    }
    eprintln!(
        "{killed} builds killed ({killed_writing} while writing, {killed_committing} inside \
         their commit), {mixed} left a mix of A and B until the next build"
    );
    assert!(
        killed >= 5,
        "only {killed} builds were still running when killed"
    );
    assert!(
        killed_writing >= 1,
        "no build was killed while writing its output"
    );
    assert!(
        killed_committing >= 1,
        "no build was killed inside its commit, so the replay went untested"
    );
    set_variant(&site, "B");
    check_recovery(&site, &output, &b);
}

#[test]
fn a_first_build_killed_at_any_moment_publishes_nothing_or_everything() {
    let _heavy = heavy();
    let site = big_site();
    let scratch = tempfile::tempdir().unwrap();
    build(&site, &scratch.path().join("reference"));
    let reference = tree(&scratch.path().join("reference"));
    let output = site.path("public");
    let mut killed = 0;
    for moment in moments() {
        assert!(!output.exists());
        let was_killed = build_and_kill(&site, &output, &[], moment);
        killed += usize::from(was_killed);
        // Killed before the final rename: no output at all, never a
        // partial one; after it (or finished): the whole site.
        if output.exists() {
            assert!(tree(&output) == reference, "partial first output");
            std::fs::remove_dir_all(&output).unwrap();
        }
        eprintln!(
            "{moment:?}: {}",
            if was_killed {
                "killed"
            } else {
                "finished first"
            }
        );
    }
    assert!(killed >= 5, "only {killed} builds were killed");
    // On a fast machine the last moment's build may finish before its
    // kill, and clean up what the killed ones left: kill one more as soon
    // as it starts writing.
    if leftovers_beside(&output).is_empty() {
        let writing = Moment::Writing(Duration::ZERO);
        assert!(build_and_kill(&site, &output, &[], writing));
        assert!(
            !output.exists(),
            "a build killed as it began writing published"
        );
    }
    // The last killed build left its staging folder and lock behind...
    let beside = leftovers_beside(&output);
    eprintln!("left beside the output: {beside:?}");
    assert!(!beside.is_empty(), "a killed build left nothing behind?");
    // ...which the next build cleans up.
    check_recovery(&site, &output, &reference);
}

#[test]
fn a_build_stops_with_a_clear_message_while_another_one_writes() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    let before = snapshot(&site.path("public"));
    // This test process plays the other build: it is alive.
    let lock = site.path(".public.tandem-lock");
    let pid = std::process::id();
    std::fs::write(&lock, format!("{pid}\n")).unwrap();
    site.edit("content/guide/demos.md", "Show the *why*.", "Changed.");
    let out = site.build();
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("another tandem build (pid {pid}) is writing")),
        "{text}"
    );
    assert!(
        text.contains(&site.path("public/").display().to_string()),
        "{text}"
    );
    assert!(text.contains(".public.tandem-lock"), "{text}");
    assert!(
        snapshot(&site.path("public")) == before,
        "output changed while locked"
    );
    assert_eq!(
        std::fs::read_to_string(&lock).unwrap(),
        format!("{pid}\n"),
        "someone else's lock was touched"
    );
    // Once the other build is done, building works again.
    std::fs::remove_file(&lock).unwrap();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site
        .read("public/guide/demos/index.html")
        .contains("Changed."));
    assert!(!lock.exists(), "the lock was not released");
}

#[test]
fn a_lock_left_by_a_dead_build_is_taken_over() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    let lock = site.path(".public.tandem-lock");
    // Above the largest pid Linux hands out (2^22).
    std::fs::write(&lock, "4194305\n").unwrap();
    site.edit("content/guide/demos.md", "Show the *why*.", "Changed.");
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site
        .read("public/guide/demos/index.html")
        .contains("Changed."));
    assert!(!lock.exists(), "the lock was not released");
}

/// Starts two builds of the same site into the same output at once.
fn two_builds_at_once(site: &Fixture, output: &Path) -> [Output; 2] {
    let first = tandem(site, output).spawn().unwrap();
    let second = tandem(site, output).spawn().unwrap();
    [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ]
}

fn check_two_builds(outputs: &[Output; 2]) {
    let mut succeeded = 0;
    for out in outputs {
        let text = stderr(out);
        assert!(!text.contains("panicked"), "{text}");
        match out.status.code() {
            Some(0) => succeeded += 1,
            Some(1) => assert!(
                text.contains("another tandem build (pid") && text.contains("is writing"),
                "a build failed for another reason: {text}"
            ),
            other => panic!("exit {other:?}: {text}"),
        }
    }
    assert!(succeeded >= 1, "neither build succeeded");
}

#[test]
fn two_builds_at_once_do_not_corrupt_the_output() {
    let _heavy = heavy();
    let site = big_site();
    let scratch = tempfile::tempdir().unwrap();
    build(&site, &scratch.path().join("reference-a"));
    set_variant(&site, "B");
    build(&site, &scratch.path().join("reference-b"));
    let output = site.path("public");

    // Into a folder that does not exist yet (both would stage a new one)...
    set_variant(&site, "A");
    let outputs = two_builds_at_once(&site, &output);
    check_two_builds(&outputs);
    assert!(tree(&output) == tree(&scratch.path().join("reference-a")));
    assert!(leftovers_beside(&output).is_empty());

    // ...and into an existing one (both would update it in place).
    set_variant(&site, "B");
    let outputs = two_builds_at_once(&site, &output);
    check_two_builds(&outputs);
    assert!(tree(&output) == tree(&scratch.path().join("reference-b")));
    assert!(leftovers_beside(&output).is_empty());
    assert!(!tree(&output).keys().any(|p| is_temporary(p)));
}
