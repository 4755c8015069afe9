//! A rebuild into an existing output writes only what changed, removes only
//! what no longer belongs, and leaves unchanged files (and their
//! modification times) alone.

mod common;

use std::fs;
use std::time::{Duration, SystemTime};

use common::{snapshot, stderr, Fixture};

/// Sets the modification time of the file at `path`.
fn set_modified(path: &std::path::Path, when: SystemTime) {
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(when).unwrap();
}

fn mtime(site: &Fixture, path: &str) -> SystemTime {
    fs::metadata(site.path(path)).unwrap().modified().unwrap()
}

/// Sets every output file's modification time far in the past, so a file
/// that gets rewritten is unmistakable.
fn age_output(site: &Fixture) -> SystemTime {
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for entry in walkdir::WalkDir::new(site.path("public"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file() {
            set_modified(entry.path(), old);
        }
    }
    old
}

#[test]
fn rebuild_with_nothing_changed_rewrites_no_file() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    let old = age_output(&site);
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(" 0 written"), "{}", stderr(&out));
    for entry in walkdir::WalkDir::new(site.path("public"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file() {
            assert_eq!(
                entry.metadata().unwrap().modified().unwrap(),
                old,
                "{} was rewritten",
                entry.path().display()
            );
        }
    }
}

#[test]
fn editing_one_page_rewrites_that_page_but_not_unrelated_ones() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    let old = age_output(&site);
    site.edit(
        "content/guide/demos.md",
        "Show the *why*.",
        "Show the *why*, every time.",
    );
    assert!(site.build().status.success());
    assert_ne!(mtime(&site, "public/guide/demos/index.html"), old);
    assert!(site
        .read("public/guide/demos/index.html")
        .contains("every time"));
    assert_eq!(mtime(&site, "public/features/offline-sync/index.html"), old);
    assert_eq!(mtime(&site, "public/style.css"), old);
}

#[test]
fn removed_pages_disappear_from_the_output() {
    let site = Fixture::new();
    site.write("content/guide/extra.md", "# Extra\n\nTemporary page.\n");
    assert!(site.build().status.success());
    assert!(site.path("public/guide/extra/index.html").exists());
    fs::remove_file(site.path("content/guide/extra.md")).unwrap();
    assert!(site.build().status.success());
    assert!(!site.path("public/guide/extra/index.html").exists());
    assert!(
        !site.path("public/guide/extra").exists(),
        "empty folder left behind"
    );
}

#[test]
fn failed_rebuild_changes_nothing_in_the_output() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    let old = age_output(&site);
    let before = snapshot(&site.path("public"));
    site.edit("content/guide/demos.md", "Show the *why*.", "Changed text.");
    site.edit("data/people.toml", "role = \"product\"", "role = \"sales\"");
    assert_eq!(site.build().status.code(), Some(1));
    assert!(snapshot(&site.path("public")) == before);
    assert_eq!(mtime(&site, "public/guide/demos/index.html"), old);
}

#[test]
fn leftover_temporary_folders_of_killed_builds_are_cleaned() {
    let site = Fixture::new();
    // A staging folder of a build that no longer runs (pid 999999999).
    let stale = site.path(".public.tandem-new-999999999");
    fs::create_dir_all(stale.join("x")).unwrap();
    fs::write(stale.join("x/index.html"), "half").unwrap();
    assert!(site.build().status.success());
    assert!(!stale.exists());
}

/// Whether the build said it found the output up to date.
fn was_up_to_date(out: &std::process::Output) -> bool {
    assert!(out.status.success(), "{}", stderr(out));
    stderr(out).contains("is up to date")
}

#[test]
fn a_rebuild_with_nothing_changed_renders_nothing_and_repeats_the_warnings() {
    let site = Fixture::new();
    let first = site.build();
    assert!(!was_up_to_date(&first));
    let before = snapshot(&site.path("public"));
    let second = site.build();
    assert!(was_up_to_date(&second), "{}", stderr(&second));
    assert_eq!(snapshot(&site.path("public")), before);
    // The fixture has a page past its review date: the warning is there
    // both times, with its source line.
    for out in [&first, &second] {
        let text = stderr(out);
        assert!(text.contains("was due for review"), "{text}");
        assert!(text.contains("content/guide/checkin.md"), "{text}");
    }
}

#[test]
fn any_change_to_what_a_build_reads_or_writes_means_a_real_build() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    type Change = Box<dyn Fn(&Fixture)>;
    let changes: Vec<(&str, Change)> = vec![
        (
            "a page",
            Box::new(|s| s.edit("content/guide/demos.md", "why", "reason")),
        ),
        (
            "a data file",
            Box::new(|s| s.edit("data/people.toml", "Ana Ruiz", "Ana R.")),
        ),
        (
            "the settings",
            Box::new(|s| s.edit("tandem.toml", "Fixture & Co", "Fixture")),
        ),
        (
            "a new static file",
            Box::new(|s| s.write("static/robots.txt", "User-agent: *\n")),
        ),
        (
            "a template override",
            Box::new(|s| s.write("templates/404.html", "{% extends \"base.html\" %}")),
        ),
        (
            "a file's time only",
            Box::new(|s| {
                let later = SystemTime::now() + Duration::from_secs(5);
                set_modified(&s.path("content/_index.md"), later);
            }),
        ),
        (
            "an output file edited",
            Box::new(|s| s.write("public/index.html", "defaced")),
        ),
        (
            "an output file removed",
            Box::new(|s| fs::remove_file(s.path("public/404.html")).unwrap()),
        ),
        (
            "an output file added",
            Box::new(|s| s.write("public/extra.html", "stray")),
        ),
    ];
    for (what, change) in changes {
        change(&site);
        let out = site.build();
        assert!(!was_up_to_date(&out), "{what}: {}", stderr(&out));
        // Then it is up to date again, and equal to a clean build.
        assert!(was_up_to_date(&site.build()), "{what}");
        let clean = site.path("clean");
        let _ = fs::remove_dir_all(&clean);
        let out = site.tandem(&["build", "--output", clean.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(snapshot(&site.path("public")), snapshot(&clean), "{what}");
        fs::remove_dir_all(&clean).unwrap();
    }
    // Options and the date are part of what a build reads, too.
    let other_url = site.tandem(&["build", "--base-url", "https://example.org/docs/"]);
    assert!(!was_up_to_date(&other_url));
    let next_day = site.tandem_with_env(
        &["build", "--base-url", "https://example.org/docs/"],
        &[("SOURCE_DATE_EPOCH", "1795651200")],
    );
    assert!(!was_up_to_date(&next_day), "another day");
}

/// Builds again and checks the output against a clean build of the same
/// sources. Returns what the rebuild printed.
fn rebuild_matches_a_clean_build(site: &Fixture, what: &str) -> String {
    let out = site.build();
    assert!(out.status.success(), "{what}: {}", stderr(&out));
    let clean = site.path("clean");
    let _ = fs::remove_dir_all(&clean);
    let full = site.tandem(&["build", "--output", clean.to_str().unwrap()]);
    assert!(full.status.success(), "{}", stderr(&full));
    assert_eq!(snapshot(&site.path("public")), snapshot(&clean), "{what}");
    fs::remove_dir_all(&clean).unwrap();
    stderr(&out)
}

fn rendered_again(printed: &str) -> Option<&str> {
    let (_, rest) = printed.split_once("rebuilt what the changed pages show: ")?;
    rest.split(" pages rendered again").next()
}

#[test]
fn a_text_edit_renders_only_the_outputs_that_show_it() {
    let site = Fixture::new();
    site.edit(
        "content/guide/demos.md",
        "Show the *why*.\n",
        "Show the *why*.\n\nA second paragraph.\n",
    );
    assert!(site.build().status.success());
    // (Aging the output, as other tests do, would make the build stamp
    // refuse it: partial rebuilds need an output as the last build left
    // it.)
    let section = mtime(&site, "public/guide/index.html");
    let home = mtime(&site, "public/index.html");
    std::thread::sleep(Duration::from_millis(20));
    // Below the summary: the page alone (and the search index).
    site.edit("content/guide/demos.md", "A second", "Another");
    let printed = rebuild_matches_a_clean_build(&site, "text below the summary");
    assert_eq!(rendered_again(&printed), Some("1 of 23"), "{printed}");
    assert!(printed.contains("2 written"), "{printed}");
    assert!(site
        .read("public/guide/demos/index.html")
        .contains("Another paragraph"));
    assert_eq!(mtime(&site, "public/guide/index.html"), section);
    assert_eq!(mtime(&site, "public/index.html"), home);
    // The stamp it wrote vouches for the files it rewrote and their
    // folders (stat-ed again) and for the others (as found before).
    assert!(was_up_to_date(&site.build()));
    // The summary shows on the section page, the home and search pages
    // too (`guide` is a top-level section).
    site.edit(
        "content/guide/demos.md",
        "Show the *why*.",
        "Show the *reason*.",
    );
    let printed = rebuild_matches_a_clean_build(&site, "the summary");
    assert_eq!(rendered_again(&printed), Some("4 of 23"), "{printed}");
    assert!(site.read("public/guide/index.html").contains("reason"));
    // Several pages at once, the home page's intro among them.
    site.edit("content/_index.md", "Welcome.", "Welcome, reader.");
    site.edit(
        "content/guide/checkin.md",
        "Duplicate heading",
        "A repeated heading",
    );
    let printed = rebuild_matches_a_clean_build(&site, "two pages");
    assert!(rendered_again(&printed).is_some(), "{printed}");
    assert!(site.read("public/index.html").contains("Welcome, reader."));
}

/// Gives the demos page a second paragraph, builds, then edits that
/// paragraph: a text edit below the summary, for the next build.
fn build_then_edit_below_the_summary(site: &Fixture) {
    site.edit(
        "content/guide/demos.md",
        "Show the *why*.\n",
        "Show the *why*.\n\nA second paragraph.\n",
    );
    let first = site.build();
    assert!(first.status.success(), "{}", stderr(&first));
    site.edit("content/guide/demos.md", "A second", "Another");
}

/// A text edit rebuilds without making the `model` global when none of
/// the templates the page uses reads it. These pages' templates do, each
/// in a way the check must see through; without `model` the build would
/// fail with "`model` is not defined" instead of matching a clean build.
#[test]
fn a_text_edit_makes_the_model_when_a_template_the_page_uses_reads_it() {
    let page = include_str!("../themes/default/templates/page.html");
    let ways = [
        // A partial, included by the page's template.
        (
            "included",
            "partials/count.html",
            "<p class=\"count\">{{ model.candidates | length }} candidates</p>",
            "{% include \"partials/count.html\" %}",
        ),
        // A partial drawn with `cached_partial`, named in a variable.
        (
            "cached under a computed name",
            "partials/count.html",
            "<p class=\"count\">{{ model.candidates | length }} candidates</p>",
            "{% set name = \"partials/\" ~ \"count.html\" %}{{ cached_partial(template=name) }}",
        ),
        // A partial named with an escape Tera undoes.
        (
            "included by an escaped name",
            "partials/count.html",
            "<p class=\"count\">{{ model.candidates | length }} candidates</p>",
            "{% include \"partials\\/count.html\" %}",
        ),
        // A component, defined in a template the page never names.
        (
            "a component",
            "partials/components.html",
            "{% component Count(@model) %}<p class=\"count\">{{ model.candidates | length }} candidates</p>{% endcomponent Count %}",
            "{{ <Count /> }}",
        ),
    ];
    for (way, partial, partial_text, call) in ways {
        let site = Fixture::new();
        site.write(&format!("templates/{partial}"), partial_text);
        let with_call = page.replacen(
            "{% block content %}",
            &format!("{{% block content %}}{call}"),
            1,
        );
        assert_ne!(with_call, page, "page.html has a content block");
        site.write("templates/page.html", &with_call);
        build_then_edit_below_the_summary(&site);
        let printed = rebuild_matches_a_clean_build(&site, way);
        assert_eq!(
            rendered_again(&printed),
            Some("1 of 23"),
            "{way}: {printed}"
        );
        let demos = site.read("public/guide/demos/index.html");
        assert!(demos.contains("Another paragraph"), "{way}");
        assert!(
            demos.contains("<p class=\"count\">2 candidates</p>"),
            "{way}"
        );
    }
}

/// Making the `model` global is most of preparing the templates at
/// 10,000 candidates; a text edit of a page of the default theme, whose
/// page template never reads it, does without.
#[test]
fn a_text_edit_of_a_default_theme_page_does_not_make_the_model() {
    let site = Fixture::new();
    build_then_edit_below_the_summary(&site);
    let timed = |site: &Fixture| site.tandem_with_env(&["build"], &[("TANDEM_TIMINGS", "1")]);
    let out = timed(&site);
    let printed = stderr(&out);
    assert!(out.status.success(), "{printed}");
    assert_eq!(rendered_again(&printed), Some("1 of 23"), "{printed}");
    assert!(!printed.contains("timing: model"), "{printed}");
    // A summary edit shows on the home page, whose context takes
    // candidates (the top priorities): the model is made then.
    site.edit(
        "content/guide/demos.md",
        "Show the *why*.",
        "Show the *how*.",
    );
    let printed = stderr(&timed(&site));
    assert_eq!(rendered_again(&printed), Some("4 of 23"), "{printed}");
    assert!(printed.contains("timing: model"), "{printed}");
}

/// Links are checked against every output, the candidates' pages too,
/// also when a text edit renders without the `model` global.
#[test]
fn a_text_edit_of_a_page_linking_to_feature_pages_matches_a_clean_build() {
    let site = Fixture::new();
    site.edit(
        "content/guide/demos.md",
        "Show the *why*.\n",
        "Show the *why*.\n\nSee [offline sync](/features/offline-sync/).\n\n\
         {{ feature(id=\"offline-sync\") }}\n\n{{ overdue_checkins() }}\n",
    );
    build_then_edit_below_the_summary(&site);
    let printed = rebuild_matches_a_clean_build(&site, "links to features");
    assert_eq!(rendered_again(&printed), Some("1 of 23"), "{printed}");
    let demos = site.read("public/guide/demos/index.html");
    assert!(
        demos.contains("href=\"/features/offline-sync/\""),
        "{demos}"
    );
}

/// A shortcode's template is used by the page that calls it: one reading
/// `model` makes it, on a text edit too.
#[test]
fn a_text_edit_makes_the_model_for_a_shortcode_that_reads_it() {
    let site = Fixture::new();
    site.write(
        "templates/shortcodes/priorities.html",
        "<p class=\"count\">{{ model.priority | length }} in priority order</p>",
    );
    site.edit(
        "content/guide/demos.md",
        "Show the *why*.\n",
        "Show the *why*.\n\n{{ priorities() }}\n",
    );
    build_then_edit_below_the_summary(&site);
    let printed = rebuild_matches_a_clean_build(&site, "shortcode");
    assert_eq!(rendered_again(&printed), Some("1 of 23"), "{printed}");
    let demos = site.read("public/guide/demos/index.html");
    assert!(demos.contains("in priority order</p>"), "{demos}");
}

#[test]
fn a_source_rewritten_with_its_size_and_modification_time_is_noticed() {
    let site = Fixture::new();
    // Sources changed more than three seconds before a build are not read
    // again while their metadata stays the same (see `tandem::stamp`).
    std::thread::sleep(Duration::from_millis(3100));
    assert!(site.build().status.success());
    assert!(was_up_to_date(&site.build()));
    let page = site.path("content/guide/demos.md");
    let modified = fs::metadata(&page).unwrap().modified().unwrap();
    site.edit(
        "content/guide/demos.md",
        "Show the *why*.",
        "Show the *how*.",
    );
    set_modified(&page, modified);
    assert_eq!(fs::metadata(&page).unwrap().modified().unwrap(), modified);
    // Its change time moved, which no tool can set back on this file
    // system (FAT and sshfs are the exceptions `tandem::stamp` names).
    let printed = rebuild_matches_a_clean_build(&site, "same size and time");
    assert!(!printed.contains("is up to date"), "{printed}");
    assert!(site.read("public/guide/demos/index.html").contains("how"));
}

#[test]
fn an_edit_beyond_page_text_means_a_full_build() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    type Change = Box<dyn Fn(&Fixture)>;
    let changes: Vec<(&str, Change)> = vec![
        (
            "a title",
            Box::new(|s| s.edit("content/guide/demos.md", "# Demos that", "# Demos, which")),
        ),
        (
            "a heading id",
            Box::new(|s| s.edit("content/guide/checkin.md", "### Risks", "### Hazards")),
        ),
        (
            "front matter",
            Box::new(|s| s.edit("content/guide/checkin.md", "weight = 20", "weight = 5")),
        ),
        (
            "a page and a data file",
            Box::new(|s| {
                s.edit("content/guide/demos.md", "Show", "Always show");
                s.edit("data/people.toml", "Ana Ruiz", "Ana R.");
            }),
        ),
        (
            "a new page",
            Box::new(|s| s.write("content/guide/new.md", "# New\n\nFresh.\n")),
        ),
        (
            "a removed page",
            Box::new(|s| fs::remove_file(s.path("content/guide/new.md")).unwrap()),
        ),
        (
            "a page that leaves the search index",
            Box::new(|s| {
                s.edit(
                    "content/guide/demos.md",
                    "Always show",
                    "<meta name=\"robots\" content=\"noindex\">\n\nAlways show",
                )
            }),
        ),
        (
            "a page edit and an output file removed",
            Box::new(|s| {
                s.edit("content/guide/demos.md", "Always show", "Do show");
                fs::remove_file(s.path("public/people/index.html")).unwrap();
            }),
        ),
    ];
    for (what, change) in changes {
        change(&site);
        let printed = rebuild_matches_a_clean_build(&site, what);
        assert_eq!(rendered_again(&printed), None, "{what}: {printed}");
        assert!(printed.contains(" removed) into "), "{what}: {printed}");
    }
}

#[test]
fn a_text_edit_in_git_matches_a_clean_build() {
    let site = Fixture::new();
    site.commit_everything("2026-10-01T12:00:00Z");
    assert!(site.build().status.success());
    site.edit(
        "content/guide/demos.md",
        "Show the *why*.",
        "Show the *why*!",
    );
    let printed = rebuild_matches_a_clean_build(&site, "an uncommitted edit");
    assert_eq!(rendered_again(&printed), Some("4 of 23"), "{printed}");
    assert!(site
        .read("public/guide/demos/index.html")
        .contains("why</em>!"));
    // Committing it moves the page's date: a full build.
    common::git(
        site.root(),
        &["commit", "-qam", "edit"],
        "2026-11-20T12:00:00Z",
    );
    let committed = rebuild_matches_a_clean_build(&site, "a commit");
    assert_eq!(rendered_again(&committed), None, "{printed}\n{committed}");
}

#[test]
fn a_folder_emptied_by_hand_goes_when_its_page_does() {
    let site = Fixture::new();
    site.write("content/guide/extra.md", "# Extra\n\nFor a while.\n");
    assert!(site.build().status.success());
    fs::remove_file(site.path("public/guide/extra/index.html")).unwrap();
    fs::remove_file(site.path("content/guide/extra.md")).unwrap();
    rebuild_matches_a_clean_build(&site, "a page and its output removed");
    assert!(
        !site.path("public/guide/extra").exists(),
        "empty folder left behind"
    );
}

/// How many pages a build restored from the page cache (its
/// `TANDEM_TIMINGS` line), or `None` if it loaded none that way.
fn restored(printed: &str) -> Option<usize> {
    let line = printed
        .lines()
        .find(|l| l.starts_with("timing: pages restored from the page cache: "))?;
    line.rsplit(' ').next()?.parse().ok()
}

fn timed_build(site: &Fixture) -> String {
    let out = site.tandem_with_env(&["build"], &[("TANDEM_TIMINGS", "1")]);
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

/// With one thread in rayon's pool (`RAYON_NUM_THREADS=1`, or a machine
/// with one CPU), a text edit still rebuilds partially: the source check
/// it runs on a thread of its own must not need the pool thread that
/// waits for it (it did, and the rebuild never ended).
#[test]
fn a_text_edit_rebuilds_with_one_thread_in_the_pool() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    site.edit("content/guide/demos.md", "Show the", "Always show the");
    let one_thread = [("RAYON_NUM_THREADS", "1")];
    let out = site.tandem_within(Duration::from_secs(60), &["build"], &one_thread);
    assert!(out.status.success(), "{:?}: {}", out.status, stderr(&out));
    assert!(rendered_again(&stderr(&out)).is_some(), "{}", stderr(&out));
}

/// With the output removed (`rm -rf public`), nothing can be restored
/// even if only a page changed: the build reads every page, and not the
/// page cache it could not use.
#[test]
fn a_build_after_the_output_was_removed_does_not_read_the_page_cache() {
    let site = Fixture::new();
    timed_build(&site);
    site.edit("content/guide/demos.md", "Show the", "Show then the");
    assert!(timed_build(&site).contains("timing: read pages"));
    fs::remove_dir_all(site.path("public")).unwrap();
    site.edit("content/guide/demos.md", "Show then the", "Show them the");
    let printed = timed_build(&site);
    assert!(!printed.contains("timing: read pages"), "{printed}");
    assert_eq!(restored(&printed), Some(0), "{printed}");
    assert!(site
        .read("public/guide/demos/index.html")
        .contains("Show them the"));
}

#[test]
fn a_text_edit_restores_the_unchanged_pages_from_the_page_cache() {
    let site = Fixture::new();
    site.write(
        "content/guide/more.md",
        "+++\ntitle = \"More\"\nowner = \"ana\"\nreview_by = 2020-01-01\ntags = [\"x\", \"y\"]\n+++\n\n\
         A [link](checkin.md#risks) and {{ feature(id=\"offline-sync\") }} inline.\n\n## Part\n",
    );
    let first = timed_build(&site);
    assert_eq!(
        restored(&first),
        Some(0),
        "nothing to restore from: {first}"
    );
    assert!(site.path(".public.tandem-pages").is_file());
    assert!(!site.path("public/.public.tandem-pages").exists());
    site.edit("content/guide/demos.md", "Show the", "Always show the");
    let printed = timed_build(&site);
    // Every page but the edited one and the intro (intros are always read).
    assert_eq!(restored(&printed), Some(2), "{printed}");
    assert!(rendered_again(&printed).is_some(), "{printed}");
    // The restored page's warning is repeated, and the output is what a
    // clean build makes.
    assert!(
        printed.contains("page was due for review on 2020-01-01"),
        "{printed}"
    );
    site.edit("content/guide/demos.md", "Always", "Do");
    let printed = rebuild_matches_a_clean_build(&site, "after a restoring rebuild");
    assert!(rendered_again(&printed).is_some(), "{printed}");
}

#[test]
fn an_unreadable_page_cache_means_reading_every_page() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    site.write(".public.tandem-pages", "not a page cache");
    site.edit("content/guide/demos.md", "Show the", "Always show the");
    let printed = timed_build(&site);
    assert_eq!(restored(&printed), Some(0), "{printed}");
    assert!(rendered_again(&printed).is_some(), "{printed}");
    // The build replaced it with a good one.
    site.edit("content/guide/demos.md", "Always", "Do");
    assert_eq!(restored(&timed_build(&site)), Some(1));
}

/// An edit of a page's shape (its order, here) is seen when the page is
/// read, before anything is restored: every page is read, once.
#[test]
fn an_order_edit_reads_every_page_once() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    site.edit("content/guide/checkin.md", "weight = 20", "weight = 5");
    let printed = timed_build(&site);
    assert_eq!(restored(&printed), Some(0), "{printed}");
    assert_eq!(rendered_again(&printed), None, "{printed}");
    assert_eq!(printed.matches("timing: load ").count(), 1, "{printed}");
    site.edit("content/guide/demos.md", "Show", "Always show");
    rebuild_matches_a_clean_build(&site, "after the order edit");
}

/// A page's last-updated date is known only after loading: when it moved,
/// the rebuild that restored pages reads them all again (not the data)
/// and renders them whole.
#[test]
fn a_new_last_updated_date_after_restoring_pages_renders_them_whole() {
    let site = Fixture::new();
    let demos = site.path("content/guide/demos.md");
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_577_836_800);
    set_modified(&demos, long_ago);
    assert!(site.build().status.success());
    site.edit("content/guide/demos.md", "Show the", "Always show the");
    let printed = timed_build(&site);
    assert_eq!(restored(&printed), Some(1), "{printed}");
    assert_eq!(rendered_again(&printed), None, "{printed}");
    assert_eq!(printed.matches("timing: data ").count(), 1, "{printed}");
    assert_eq!(printed.matches("timing: load ").count(), 2, "{printed}");
    assert!(site
        .read("public/guide/checkin/index.html")
        .contains("Thirty minutes, before anything is committed."));
    set_modified(&demos, long_ago);
    rebuild_matches_a_clean_build(&site, "after the date moved");
}

/// A restored page's links to other pages were checked when it was read;
/// what they point at changing makes them wrong, and the error points
/// into that page all the same.
#[test]
fn a_page_edit_that_breaks_a_restored_pages_link_is_an_error_on_that_page() {
    let site = Fixture::new();
    site.edit(
        "content/guide/demos.md",
        "Show the",
        "## Why it matters\n\nShow the",
    );
    site.edit(
        "content/guide/checkin.md",
        "(demos.md)",
        "(demos.md#why-it-matters)",
    );
    assert!(site.build().status.success());
    let before = snapshot(&site.path("public"));
    let check = |what: &str, expected: &str| {
        let out = site.build();
        let printed = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{what}: {printed}");
        assert!(
            printed.contains("content/guide/checkin.md:21:"),
            "{what}: {printed}"
        );
        assert!(printed.contains(expected), "{what}: {printed}");
        assert_eq!(snapshot(&site.path("public")), before, "{what}");
    };
    site.edit("content/guide/demos.md", "## Why it matters", "## Why");
    check("a heading renamed", "which has no heading with that id");
    site.edit("content/guide/demos.md", "## Why\n", "## Why it matters\n");
    site.edit(
        "content/guide/demos.md",
        "# Demos",
        "+++\ndraft = true\n+++\n# Demos",
    );
    check(
        "the page made a draft",
        "a draft, which this build leaves out",
    );
}

/// The pages a partial rebuild renders are those whose source differs
/// from the stamp's record; only the cache of the same build restores
/// exactly the others.
#[test]
fn a_page_cache_left_by_another_build_is_not_used() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    let demos = site.path("content/guide/demos.md");
    let modified = fs::metadata(&demos).unwrap().modified().unwrap();
    let older = fs::read(site.path(".public.tandem-pages")).unwrap();
    site.edit("content/guide/demos.md", "Show the", "Always show the");
    assert!(site.build().status.success());
    // The page as that cache knew it, to the nanosecond.
    site.edit("content/guide/demos.md", "Always show the", "Show the");
    set_modified(&demos, modified);
    fs::write(site.path(".public.tandem-pages"), older).unwrap();
    let printed = timed_build(&site);
    assert_eq!(restored(&printed), Some(0), "{printed}");
    assert!(rendered_again(&printed).is_some(), "{printed}");
    site.edit("content/guide/checkin.md", "Thirty", "Forty");
    rebuild_matches_a_clean_build(&site, "after the old cache");
}

/// A rebuild that restored pages and then finds an error in an edited
/// page reports what `tandem check` reports, and changes nothing.
#[test]
fn an_error_in_an_edited_page_is_reported_as_check_reports_it() {
    let site = Fixture::new();
    assert!(site.build().status.success());
    let before = snapshot(&site.path("public"));
    site.edit(
        "content/guide/demos.md",
        "Show the",
        "See [gone](gone.md). Show the",
    );
    let out = site.tandem_with_env(&["build"], &[("TANDEM_TIMINGS", "1")]);
    assert_eq!(out.status.code(), Some(1));
    let printed = stderr(&out);
    // Loaded restoring the other page, then again from every file.
    assert_eq!(printed.matches("timing: load ").count(), 2, "{printed}");
    let check = stderr(&site.tandem(&["check"]));
    let errors = |text: &str| -> Vec<String> {
        let lines = text.lines().filter(|l| !l.starts_with("timing: "));
        lines
            .filter(|l| l.contains("error"))
            .map(String::from)
            .collect()
    };
    assert!(
        errors(&check).iter().any(|l| l.contains("gone.md")),
        "{check}"
    );
    assert_eq!(errors(&printed), errors(&check));
    assert_eq!(snapshot(&site.path("public")), before);
}

#[test]
fn a_rebuild_the_next_day_rewrites_only_the_pages_about_what_is_due_now() {
    let site = Fixture::new();
    // In git, last-updated dates come from history, not from the clock.
    site.commit_everything("2026-10-01T12:00:00Z");
    assert!(site.build().status.success());
    let old = age_output(&site);
    let next_day = site.tandem_with_env(&["build"], &[("SOURCE_DATE_EPOCH", "1795651200")]);
    assert!(next_day.status.success(), "{}", stderr(&next_day));
    // No page counts days: a check-in waiting to be held shows the date
    // it is due by. Only the pages about what is due now say which day
    // their figures are for, and the data export has the day.
    let mut rewritten: Vec<String> = walkdir::WalkDir::new(site.path("public"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.metadata().unwrap().modified().unwrap() != old)
        .map(|e| {
            e.path()
                .strip_prefix(site.path("public"))
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    rewritten.sort();
    assert_eq!(
        rewritten,
        [
            "dashboards/checkins/index.html",
            "data.json",
            "this-week/index.html"
        ]
    );
    assert!(site
        .read("public/features/offline-sync/index.html")
        .contains(r#"it was due by <time datetime="2026-10-16">2026-10-16</time>"#));
    assert!(site
        .read("public/dashboards/checkins/index.html")
        .contains(r#"Figures as of <time datetime="2026-11-26">26 Nov 2026</time>"#));
}

#[cfg(unix)]
#[test]
fn a_rebuild_in_git_reads_the_history_again_only_after_head_moved() {
    let site = Fixture::new();
    site.commit_everything("2026-10-01T12:00:00Z");
    let bin = tempfile::tempdir().unwrap();
    let log = bin.path().join("calls");
    let path = common::logging_git(bin.path(), &log);
    let build = || {
        let _ = fs::remove_file(&log);
        let out = site.tandem_with_env(&["build"], &[("PATH", path.as_str())]);
        assert!(out.status.success(), "{}", stderr(&out));
        let calls = fs::read_to_string(&log).unwrap_or_default();
        (
            stderr(&out),
            calls.contains("log ") && calls.contains("--name-only"),
        )
    };
    let (_, read_history) = build();
    assert!(read_history, "a first build reads the history");
    site.edit(
        "content/guide/demos.md",
        "Show the *why*.",
        "Show the *why*, again.",
    );
    let (printed, read_history) = build();
    assert!(rendered_again(&printed).is_some(), "{printed}");
    assert!(
        !read_history,
        "HEAD did not move: the stamp has git's dates"
    );
    // The commit moves HEAD: the history is read again, and the page
    // shows the commit's date.
    common::git(
        site.root(),
        &["commit", "-qam", "edit"],
        "2026-11-20T12:00:00Z",
    );
    let (_, read_history) = build();
    assert!(read_history, "HEAD moved: git's dates are read again");
    assert!(site
        .read("public/guide/demos/index.html")
        .contains(r#"datetime="2026-11-20""#));
}

#[test]
fn a_repository_at_the_top_of_the_output_is_left_alone() {
    // Publishing from a checkout of a `gh-pages` branch: its `.git` lives in
    // the output folder, and no build may take it for a stale file.
    let site = Fixture::new();
    site.write("public/.git/HEAD", "ref: refs/heads/gh-pages\n");
    site.write("public/.git/objects/ab/cdef", "object");
    site.write("content/guide/extra.md", "# Extra\n\nTemporary page.\n");
    assert!(
        site.build().status.success(),
        "a folder holding only .git is an output"
    );
    assert!(site.path("public/guide/extra/index.html").exists());
    fs::remove_file(site.path("content/guide/extra.md")).unwrap();
    let rebuild = site.build();
    assert!(rebuild.status.success(), "{}", stderr(&rebuild));
    assert!(!site.path("public/guide/extra/index.html").exists());
    assert_eq!(site.read("public/.git/HEAD"), "ref: refs/heads/gh-pages\n");
    assert_eq!(site.read("public/.git/objects/ab/cdef"), "object");
    // Nor does a `.git` among the static files (a submodule's) reach it:
    // no repository is ever published.
    site.write("static/.git", "gitdir: ../.git/modules/static\n");
    site.write("static/vendor/.git/HEAD", "ref: refs/heads/main\n");
    let with_submodule = site.build();
    assert!(
        with_submodule.status.success(),
        "{}",
        stderr(&with_submodule)
    );
    assert_eq!(site.read("public/.git/HEAD"), "ref: refs/heads/gh-pages\n");
    assert!(!site.path("public/vendor/.git").exists());
}

#[test]
fn a_link_left_in_the_output_is_removed_and_what_it_leads_to_is_not() {
    let site = Fixture::new();
    site.write("content/guide/extra.md", "# Extra\n");
    assert!(site.build().status.success());
    let elsewhere = tempfile::tempdir().unwrap();
    fs::write(elsewhere.path().join("keep.txt"), "not the site's").unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), site.path("public/shared")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), site.path("public/guide/shared")).unwrap();
    // A page removed: the rebuild looks for files that no longer belong.
    fs::remove_file(site.path("content/guide/extra.md")).unwrap();
    let rebuild = site.build();
    assert!(rebuild.status.success(), "{}", stderr(&rebuild));
    for link in ["public/shared", "public/guide/shared"] {
        assert!(
            fs::symlink_metadata(site.path(link)).is_err(),
            "{link} stayed"
        );
    }
    assert_eq!(
        fs::read_to_string(elsewhere.path().join("keep.txt")).unwrap(),
        "not the site's"
    );
}

#[test]
fn a_first_build_into_a_checkout_killed_inside_its_commit_is_finished_by_the_next() {
    // A first build into a `gh-pages` checkout (a folder holding only
    // `.git`) was killed past its commit point: one file moved in, the
    // rest, `data.json` among them, still staged. The next build finishes
    // that commit before it judges whose files the folder holds.
    let site = Fixture::new();
    site.write("public/.git/HEAD", "ref: refs/heads/gh-pages\n");
    site.write("public/a.html", "moved in\n");
    let commit = site.path(".public.tandem-commit-99999");
    fs::create_dir_all(&commit).unwrap();
    fs::write(commit.join("1"), "{}").unwrap();
    fs::write(
        commit.join("journal.json"),
        r#"{"files":["a.html","data.json"],"names":[0,1],"stale":[]}"#,
    )
    .unwrap();
    let build = site.build();
    assert!(build.status.success(), "{}", stderr(&build));
    assert!(site.path("public/index.html").exists());
    assert!(
        !site.path("public/a.html").exists(),
        "the old site's file is stale: {}",
        stderr(&build)
    );
    assert_eq!(site.read("public/.git/HEAD"), "ref: refs/heads/gh-pages\n");
}
