//! Build benchmark: `cargo bench --bench build`.
//!
//! Generates deterministic synthetic sites (see `synthetic.rs`) and times the
//! release `tandem` binary on them with `/usr/bin/time`: cold build (into an
//! output folder that does not exist; see [`set_aside`]), rebuild with
//! nothing changed, rebuild after one page's text, one page's title and one
//! data file changed, rebuild the next day (the pages that count days
//! change), and `check`. Reports the median of 3 runs
//! (`TANDEM_BENCH_RUNS`): wall time, user and system CPU time and peak
//! resident memory. If `hugo` or `zola` is installed, the same pages are
//! built with it side by side (`benches/install-zola` installs Zola).
//! After each cold build, the files it made are written again with no
//! build around them ([`written_alone`]): what the file system costs any
//! generator that produces them.
//!
//! Sizes: `TANDEM_BENCH_PAGES=1000,10000,100000` (default `1000,10000`);
//! each site has as many candidates as pages, unless
//! `TANDEM_BENCH_CANDIDATES` sets a fixed number. The same site with
//! plain templates, and the same handbook pages without candidates (what
//! Hugo and Zola build), get a cold build, a rebuild with nothing changed
//! and a text edit too. `TANDEM_BENCH_COLD_ONLY=1` times cold builds
//! alone; `TANDEM_BENCH_SITES` says where the sites are generated.
//!
//! The figures in the README's Performance section were measured with this
//! harness on a shared 2-core AMD EPYC (KVM, 24 GiB). Wall times on a
//! shared machine vary from run to run, and the system time of writing
//! 20,000 files varies most: compare user CPU time and peak memory, and
//! repeat a run before trusting a difference.

mod synthetic;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Sample {
    wall: f64,
    user: f64,
    system: f64,
    rss_mib: f64,
}

/// Runs per scenario, the table giving their median:
/// `TANDEM_BENCH_RUNS`, default 3.
fn runs() -> usize {
    std::env::var("TANDEM_BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(3)
}

/// Whether to time cold builds only (`TANDEM_BENCH_COLD_ONLY=1`): at
/// 100,000 pages every scenario would take the best part of an hour.
fn cold_only() -> bool {
    std::env::var_os("TANDEM_BENCH_COLD_ONLY").is_some_and(|v| v != "0")
}

/// The day every build is on (2026-11-25), unless a scenario moves it.
const DAY: u64 = 1_795_564_800;

/// Noon that day: when the site's sources were last changed, for their
/// last-updated dates ([`write_on_the_day`]).
const NOON: u64 = DAY + 43_200;

/// Runs `program args` under `/usr/bin/time` and returns its figures.
fn measure(program: &str, args: &[&str], dir: &Path) -> Sample {
    measure_on(DAY, program, args, dir)
}

/// [`measure`] on the day `epoch` (`SOURCE_DATE_EPOCH`).
fn measure_on(epoch: u64, program: &str, args: &[&str], dir: &Path) -> Sample {
    let report = std::env::temp_dir().join(format!("tandem-bench-time-{}", std::process::id()));
    let run = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%e %U %S %M")
        .arg("-o")
        .arg(&report)
        .arg(program)
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("/usr/bin/time runs");
    // What the program said is kept for its failure: a file system out
    // of room (or of inodes, after many cold builds) fails a build.
    assert!(
        run.status.success(),
        "{program} {args:?} failed in {}:\n{}",
        dir.display(),
        last_lines(&String::from_utf8_lossy(&run.stderr), 20)
    );
    let text = fs::read_to_string(&report).expect("time wrote its report");
    let f: Vec<f64> = text
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    Sample {
        wall: f[0],
        user: f[1],
        system: f[2],
        rss_mib: f[3] / 1024.0,
    }
}

/// The last `n` lines of `text`.
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Moves an earlier build's output out of the way of a cold build, to be
/// removed when the benchmark ends. Removing it right before the build
/// would time the file system as much as the build: on this machine's
/// ext4, creating 20,000 folders with a 22 KB file each took 2.9 s into a
/// fresh folder and 12 to 20 s right after removing as many (the inode
/// allocator steps over the freshly freed inodes), and a CI checkout never
/// has that to do.
fn set_aside(output: &Path, trash: &Path) {
    if !output.exists() {
        return;
    }
    fs::create_dir_all(trash).unwrap();
    let count = fs::read_dir(trash).unwrap().count();
    fs::rename(output, trash.join(count.to_string())).unwrap();
}

/// The median sample by wall time (of an even number, the upper middle).
fn median(mut samples: Vec<Sample>) -> Sample {
    samples.sort_by(|a, b| a.wall.total_cmp(&b.wall));
    samples.swap_remove(samples.len() / 2)
}

fn row(out: &mut String, size: &str, scenario: &str, s: &Sample) {
    // No peak for work timed inside the bench, which holds other things.
    let peak = match s.rss_mib.is_nan() {
        true => "-".to_string(),
        false => format!("{:.0} MiB", s.rss_mib),
    };
    let _ = writeln!(
        out,
        "| {size} | {scenario} | {:.2} s | {:.2} s | {:.2} s | {} |",
        s.wall, s.user, s.system, peak
    );
    eprintln!(
        "{size:>16}  {scenario:<34} wall {:>6.2} s  user {:>6.2} s  system {:>6.2} s  peak {:>10}",
        s.wall, s.user, s.system, peak
    );
}

/// What writing the output of a build costs with no build around it: the
/// files of `public`, read into memory first, written into a fresh folder
/// by as many threads as the machine has cores, each file's folder made
/// when missing. That is about the least any generator producing these
/// files spends on the file system (a floor measured this way: each new
/// folder costs a failed open first), and it moves with the bytes and the
/// number of files more than with anything a build does. The builds
/// before leave hundreds of megabytes for the kernel to write back; each
/// run waits for that first (`sync`, not timed), so that it is not timed
/// here.
fn written_alone(table: &mut String, label: &str, public: &Path, trash: &Path) {
    use rayon::prelude::*;
    let files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(public)
        .into_iter()
        .map(Result::unwrap)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let relative = entry.path().strip_prefix(public).unwrap().to_path_buf();
            (relative, fs::read(entry.path()).unwrap())
        })
        .collect();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    // A new folder each time, in the folder removed when the bench ends:
    // writing over earlier files would time something else.
    static WRITTEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let samples = (0..runs())
        .map(|_| {
            let n = WRITTEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dest = trash.join(format!("written-alone-{n}"));
            let synced = Command::new("sync").status().is_ok_and(|s| s.success());
            assert!(synced, "sync runs");
            let (cpu, started) = (cpu_seconds(), std::time::Instant::now());
            files.par_iter().for_each(|(path, bytes)| {
                let path = dest.join(path);
                if fs::write(&path, bytes).is_err() {
                    fs::create_dir_all(path.parent().unwrap()).unwrap();
                    fs::write(&path, bytes).unwrap();
                }
            });
            let (wall, (user, system)) = (started.elapsed().as_secs_f64(), cpu_seconds());
            Sample {
                wall,
                user: user - cpu.0,
                system: system - cpu.1,
                rss_mib: f64::NAN,
            }
        })
        .collect();
    let megabytes = bytes as f64 / 1e6;
    let size = match megabytes < 10.0 {
        true => format!("{megabytes:.1} MB"),
        false => format!("{megabytes:.0} MB"),
    };
    let scenario = format!("its output written alone ({} files, {size})", files.len());
    row(table, label, &scenario, &median(samples));
}

/// This process's user and system CPU time so far, every thread's, in
/// seconds (Linux: `/proc/self/stat`, in clock ticks, which the kernel
/// shows programs as 1/100 s on x86-64 and arm64 whatever its own tick).
fn cpu_seconds() -> (f64, f64) {
    let stat = fs::read_to_string("/proc/self/stat").unwrap();
    // The fields after the command name, which is in parentheses and may
    // hold spaces; utime and stime are the 14th and 15th of the whole line.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields[i].parse::<f64>().unwrap() / 100.0;
    (ticks(11), ticks(12))
}

fn site(base: &Path, pages: usize, candidates: usize) -> PathBuf {
    site_themed(base, pages, candidates, false)
}

/// The synthetic site with `pages` and `candidates`; with `trivial`, with
/// templates as plain as the ones Hugo and Zola get here
/// ([`synthetic::write_trivial_templates`]).
fn site_themed(base: &Path, pages: usize, candidates: usize, trivial: bool) -> PathBuf {
    let suffix = if trivial { "-trivial" } else { "" };
    let root = base.join(format!("site-{pages}-{candidates}{suffix}"));
    synthetic::generated(&root, |root| {
        eprintln!(
            "generating {pages} pages and {candidates} candidates in {}",
            root.display()
        );
        synthetic::write_tandem(root, &synthetic::Spec { pages, candidates });
        if trivial {
            synthetic::write_trivial_templates(root);
        }
    });
    for folder in ["content", "data"] {
        for entry in walkdir::WalkDir::new(root.join(folder)) {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                last_changed_on_the_day(entry.path());
            }
        }
    }
    root
}

/// Without git, a source's last-updated date is its modification time,
/// and one later than the build's day counts as that day: a site written
/// now and built on a fixed day in the past would show each build's day
/// on every page, and the next day's build would change every page. As in
/// a real site, the sources were last changed on or before the day they
/// are built.
fn last_changed_on_the_day(path: &Path) {
    let file = fs::File::options().write(true).open(path).unwrap();
    let noon = std::time::UNIX_EPOCH + std::time::Duration::from_secs(NOON);
    file.set_modified(noon).unwrap();
}

/// Writes `text` to `path` as an edit made on the bench's day.
fn write_on_the_day(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    last_changed_on_the_day(path);
}

/// Times `tandem` on the site at `root`: a cold build, a rebuild with
/// nothing changed and one after a page's text changed; with `all`, also
/// after a page's title and a data file changed, on the next days, and
/// `check`.
fn tandem_rows(
    table: &mut String,
    tandem: &str,
    root: &Path,
    label: &str,
    trash: &Path,
    all: bool,
) {
    let root_s = root.to_str().unwrap();
    let build = ["build", "--root", root_s];
    let runs = runs();
    let cold = median(
        (0..runs)
            .map(|_| {
                set_aside(&root.join("public"), trash);
                measure(tandem, &build, root)
            })
            .collect(),
    );
    row(table, label, "cold build", &cold);
    written_alone(table, label, &root.join("public"), trash);
    if cold_only() {
        return;
    }
    let warm = median((0..runs).map(|_| measure(tandem, &build, root)).collect());
    row(table, label, "rebuild, nothing changed", &warm);

    let rebuild_after = |file: &str, edit: &dyn Fn(&str, usize) -> String| {
        let file = root.join(file);
        let original = fs::read_to_string(&file).unwrap();
        let sample = median(
            (0..runs)
                .map(|i| {
                    let edited = edit(&original, i);
                    assert_ne!(edited, original, "{} is as expected", file.display());
                    write_on_the_day(&file, &edited);
                    measure(tandem, &build, root)
                })
                .collect(),
        );
        write_on_the_day(&file, &original);
        sample
    };
    let page = "content/section-0/page-0.md";
    let text = rebuild_after(page, &|original, i| {
        format!("{original}\nEdited paragraph {i}.\n")
    });
    row(table, label, "rebuild, one page's text changed", &text);
    if !all {
        return;
    }
    // A new title changes the page's shape (navigation, lists): a full
    // render.
    let title = rebuild_after(page, &|original, i| {
        let title = format!("title = \"Page 0 of section 0, take {i}\"");
        original.replacen("title = \"Page 0 of section 0\"", &title, 1)
    });
    row(table, label, "rebuild, one page's title changed", &title);
    let data = rebuild_after("data/candidates-0000.toml", &|original, i| {
        let title = format!("title = \"Candidate 0 (edit {i})\"");
        original.replacen("title = \"Candidate 0\"", &title, 1)
    });
    row(table, label, "rebuild, one data file changed", &data);
    // The pages that count days (dashboards, lists of check-ins to
    // schedule) change the next day; the others stay as they are.
    let next_day = median(
        (1..=runs as u64)
            .map(|day| measure_on(DAY + day * 86_400, tandem, &build, root))
            .collect(),
    );
    row(table, label, "rebuild, the next day", &next_day);

    let check = median(
        (0..runs)
            .map(|_| measure(tandem, &["check", "--root", root_s], root))
            .collect(),
    );
    row(table, label, "check", &check);
}

/// Another generator timed on the same handbook pages.
struct Other {
    name: &'static str,
    program: String,
    args: &'static [&'static str],
    write: fn(&Path, &synthetic::Spec),
}

/// Hugo and Zola, where installed: `hugo` on the `PATH`, and `zola` on the
/// `PATH` or at `TANDEM_BENCH_ZOLA` (the README says how the figures' Zola
/// was installed on a machine without a Debian package for it).
fn other_generators() -> Vec<Other> {
    let runs = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    // Absolute: programs run inside the sites.
    let zola = std::env::var_os("TANDEM_BENCH_ZOLA")
        .map(|path| {
            std::path::absolute(path)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .unwrap_or_else(|| "zola".into());
    let mut others = Vec::new();
    if runs("hugo", "version") {
        others.push(Other {
            name: "Hugo",
            program: "hugo".into(),
            args: &["--quiet"],
            write: synthetic::write_hugo,
        });
    }
    if runs(&zola, "--version") {
        others.push(Other {
            name: "Zola",
            program: zola,
            args: &["build"],
            write: synthetic::write_zola,
        });
    }
    others
}

/// A cold build and a rebuild of the handbook pages by another generator.
fn other_rows(table: &mut String, other: &Other, base: &Path, pages: usize, trash: &Path) {
    let root = base.join(format!("{}-{pages}", other.name.to_lowercase()));
    let spec = synthetic::Spec {
        pages,
        candidates: 0,
    };
    synthetic::generated(&root, |root| (other.write)(root, &spec));
    let label = format!("{pages} p ({})", other.name);
    let cold = median(
        (0..runs())
            .map(|_| {
                set_aside(&root.join("public"), trash);
                let sample = measure(&other.program, other.args, &root);
                // A build that failed quickly must not pass for a fast one.
                let home = root.join("public/index.html");
                assert!(home.is_file(), "{} wrote no {}", other.name, home.display());
                sample
            })
            .collect(),
    );
    row(table, &label, "cold build", &cold);
    written_alone(table, &label, &root.join("public"), trash);
    if cold_only() {
        return;
    }
    let warm = median(
        (0..runs())
            .map(|_| measure(&other.program, other.args, &root))
            .collect(),
    );
    row(table, &label, "rebuild, nothing changed", &warm);
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let tandem = env!("CARGO_BIN_EXE_tandem");
    let base = synthetic::sites_folder();
    let trash = base.join("set-aside");
    let _ = fs::remove_dir_all(&trash);
    let sizes = synthetic::sizes();
    let fixed_candidates: Option<usize> = std::env::var("TANDEM_BENCH_CANDIDATES")
        .ok()
        .and_then(|s| s.parse().ok());
    let others = other_generators();

    let mut table = String::from(
        "| Site | Scenario | Wall | User CPU | System CPU | Peak memory |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for pages in sizes {
        let candidates = fixed_candidates.unwrap_or(pages);
        let root = site(&base, pages, candidates);
        let label = format!("{pages} p + {candidates} c");
        tandem_rows(&mut table, tandem, &root, &label, &trash, true);
        // The same site with templates as plain as Hugo's and Zola's
        // below: what Tandem's own work costs, apart from the default
        // theme's markup.
        if candidates > 0 {
            let root = site_themed(&base, pages, candidates, true);
            tandem_rows(
                &mut table,
                tandem,
                &root,
                &format!("{label} (plain templates)"),
                &trash,
                false,
            );
        }
        // The handbook pages alone: the same pages Hugo and Zola build
        // below, with the default theme and with plain templates.
        if candidates > 0 {
            let root = site(&base, pages, 0);
            tandem_rows(
                &mut table,
                tandem,
                &root,
                &format!("{pages} p"),
                &trash,
                false,
            );
        }
        let root = site_themed(&base, pages, 0, true);
        let label = format!("{pages} p (plain templates)");
        tandem_rows(&mut table, tandem, &root, &label, &trash, false);
        for other in &others {
            other_rows(&mut table, other, &base, pages, &trash);
        }
    }
    let _ = fs::remove_dir_all(&trash);
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-results.md");
    fs::write(&results, &table).unwrap();
    println!("{table}");
    println!("written to {}", results.display());
}
