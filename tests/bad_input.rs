//! Each class of bad input fails the build with exit code 1, names the file
//! and line, explains what was expected, and leaves the previous output
//! exactly as it was.

mod common;

use common::{snapshot, stderr, Fixture};

/// Builds a good site, breaks it with `breakage`, rebuilds and returns the
/// error text after checking the exit code and the untouched output.
fn fails_keeping_output(breakage: impl FnOnce(&Fixture)) -> String {
    let site = Fixture::new();
    let first = site.build();
    assert!(
        first.status.success(),
        "fixture must build: {}",
        stderr(&first)
    );
    let before = snapshot(&site.path("public"));
    assert!(!before.is_empty());
    breakage(&site);
    let second = site.build();
    let text = stderr(&second);
    assert_eq!(
        second.status.code(),
        Some(1),
        "expected exit 1, got {:?}: {text}",
        second.status
    );
    assert!(
        snapshot(&site.path("public")) == before,
        "previous output changed after a failed build"
    );
    assert!(!text.contains("panicked"), "{text}");
    text
}

#[test]
fn toml_syntax_error_names_file_line_and_column() {
    let text = fails_keeping_output(|s| s.edit("data/features.toml", "impact = 8", "impact = = 8"));
    assert!(text.contains("data/features.toml:11:"), "{text}");
    assert!(text.contains("invalid TOML"), "{text}");
    // References into the unreadable file are not reported as dangling.
    assert!(text.contains("1 error found"), "{text}");
}

#[test]
fn wrong_type_says_what_was_found_and_expected() {
    let text =
        fails_keeping_output(|s| s.edit("data/features.toml", "impact = 8", "impact = \"high\""));
    assert!(text.contains("data/features.toml:11:10"), "{text}");
    assert!(
        text.contains(
            "`impact` in [[feature]] is the string \"high\", expected a whole number from 1 to 10"
        ),
        "{text}"
    );
}

#[test]
fn out_of_range_value_names_the_allowed_range() {
    let text = fails_keeping_output(|s| s.edit("data/activity.toml", "impact = 9", "impact = 12"));
    assert!(text.contains("data/activity.toml:5:10"), "{text}");
    assert!(
        text.contains("is 12, expected a whole number from 1 to 10"),
        "{text}"
    );
}

#[test]
fn bad_enumeration_lists_choices_and_suggests_the_nearest() {
    let text = fails_keeping_output(|s| {
        s.edit(
            "data/features.toml",
            "status = \"refinement\"",
            "status = \"refinment\"",
        )
    });
    assert!(text.contains("data/features.toml:6:10"), "{text}");
    assert!(
        text.contains(
            "expected one of: discovery, refinement, planned, in-progress, shipped, dropped"
        ),
        "{text}"
    );
    assert!(text.contains("did you mean \"refinement\"?"), "{text}");
}

#[test]
fn unknown_key_is_rejected_with_the_nearest_known_key() {
    let text = fails_keeping_output(|s| s.edit("data/features.toml", "problem =", "problme ="));
    assert!(text.contains("data/features.toml:7:1"), "{text}");
    assert!(
        text.contains("unknown key `problme` in [[feature]]"),
        "{text}"
    );
    assert!(text.contains("did you mean `problem`?"), "{text}");
}

#[test]
fn duplicate_id_points_at_both_definitions() {
    let text = fails_keeping_output(|s| s.edit("data/people.toml", "id = \"lee\"", "id = \"ana\""));
    assert!(text.contains("duplicate person id \"ana\""), "{text}");
    assert!(text.contains("data/people.toml:13:6"), "{text}");
    assert!(
        text.contains("first defined at data/people.toml:3"),
        "{text}"
    );
}

#[test]
fn dangling_reference_suggests_an_existing_id() {
    let text =
        fails_keeping_output(|s| s.edit("data/activity.toml", "by = \"lee\"", "by = \"leo\""));
    assert!(text.contains("data/activity.toml:11:6"), "{text}");
    assert!(
        text.contains("`by` is \"leo\", but no person has that id"),
        "{text}"
    );
    assert!(text.contains("did you mean \"lee\"?"), "{text}");
}

#[test]
fn bad_front_matter_is_reported_at_its_line_in_the_page() {
    let text = fails_keeping_output(|s| {
        s.edit(
            "content/guide/checkin.md",
            "weight = 20",
            "weight = \"first\"",
        )
    });
    assert!(text.contains("content/guide/checkin.md:3:10"), "{text}");
    assert!(
        text.contains("`weight` in the front matter is the string \"first\""),
        "{text}"
    );
}

#[test]
fn unclosed_front_matter_is_an_error() {
    let text =
        fails_keeping_output(|s| s.write("content/guide/demos.md", "+++\ntitle = \"x\"\n\nBody\n"));
    assert!(text.contains("content/guide/demos.md:1:1"), "{text}");
    assert!(text.contains("never closed"), "{text}");
}

#[test]
fn non_utf8_file_names_the_position_of_the_bad_byte() {
    let text = fails_keeping_output(|s| {
        s.write_bytes("content/guide/demos.md", b"# Demos\n\nCaf\xe9 talk\n")
    });
    assert!(text.contains("content/guide/demos.md:3:4"), "{text}");
    assert!(text.contains("not valid UTF-8"), "{text}");
}

#[test]
fn template_error_names_the_template_and_line() {
    let text = fails_keeping_output(|s| {
        s.write(
            "templates/people.html",
            "<p>\n{{ model.people | nosuchfilter }}\n<b>^</b> {{ 1 | otherbad }}</p>\n",
        )
    });
    // Both, each underlined in full (the `^` in the line is no caret).
    assert!(
        text.contains(
            "error: template error: Unknown filter `otherbad`\n  --> templates/people.html:3:17\n"
        ),
        "{text}"
    );
    assert!(text.contains("\n  |                 ^^^^^^^^\n"), "{text}");
    assert!(text.contains("2 errors found"), "{text}");
    assert!(text.contains("error: template error: Unknown filter `nosuchfilter`\n  --> templates/people.html:2:19\n"), "{text}");
    assert_eq!(text.matches(":2:").count(), 1, "the place once: {text}");
    assert!(
        text.contains("{{ model.people | nosuchfilter }}\n"),
        "{text}"
    );
}

#[test]
fn a_template_error_while_rendering_points_into_the_included_partial() {
    let text = fails_keeping_output(|s| {
        s.write(
            "templates/partials/owner.html",
            "<b>\n{{ c.title | round }}</b>\n",
        );
        s.write(
            "templates/people.html",
            "{% set c = model.candidates | first %}{% include \"partials/owner.html\" %}\n",
        )
    });
    assert!(
        text.contains("error: template error: Invalid type for the value, expected `f64` but got `string`\n  --> templates/partials/owner.html:2:4\n"),
        "{text}"
    );
    assert_eq!(
        text.matches("owner.html").count(),
        1,
        "the place once: {text}"
    );
}

#[test]
fn broken_page_link_and_anchor_are_errors_with_line() {
    let text = fails_keeping_output(|s| {
        s.edit("content/guide/checkin.md", "(demos.md)", "(demo.md)");
        s.edit("content/_index.md", "#the-agenda", "#the-agneda");
    });
    assert!(text.contains("content/guide/checkin.md:21:5"), "{text}");
    assert!(
        text.contains("link to `demo.md`, but there is no such page"),
        "{text}"
    );
    assert!(text.contains("content/_index.md:5:15"), "{text}");
    assert!(text.contains("did you mean `#the-agenda`?"), "{text}");
}

#[test]
fn unknown_page_owner_is_an_error() {
    let text = fails_keeping_output(|s| {
        s.edit(
            "content/guide/checkin.md",
            "owner = \"raj\"",
            "owner = \"rav\"",
        )
    });
    assert!(text.contains("content/guide/checkin.md:4:9"), "{text}");
    assert!(text.contains("did you mean \"raj\"?"), "{text}");
}

#[test]
fn all_errors_of_a_build_are_reported_together() {
    let text = fails_keeping_output(|s| {
        s.edit(
            "data/features.toml",
            "kind = \"feature\"",
            "kind = \"epic\"",
        );
        s.edit("data/activity.toml", "effort = 8", "effort = 0");
        s.edit("content/guide/checkin.md", "weight = 20", "wieght = 20");
    });
    assert!(text.contains("data/features.toml:5:"), "{text}");
    assert!(text.contains("data/activity.toml:13:"), "{text}");
    assert!(text.contains("content/guide/checkin.md:3:1"), "{text}");
    assert!(text.contains("3 errors found"), "{text}");
}

#[test]
fn a_record_missing_a_required_key_still_has_its_references_checked() {
    let text = fails_keeping_output(|s| {
        // The candidate lacks its status and names an owner nobody is.
        s.edit("data/features.toml", "status = \"refinement\"\n", "");
        s.edit(
            "data/features.toml",
            "eng_owner = \"raj\"",
            "eng_owner = \"rja\"",
        );
        // The check-in lacks its date; an attendee and a dissenter are
        // misspelt, and so is the candidate it is about.
        s.edit("data/activity.toml", "date = 2026-10-03\n", "");
        s.edit(
            "data/activity.toml",
            "feature = \"xss-title\"",
            "feature = \"xss-titel\"",
        );
        s.edit(
            "data/activity.toml",
            "attendees = [\"ana\", \"raj\", \"lee\"]",
            "attendees = [\"ana\", \"raj\", \"leee\"]",
        );
        s.edit(
            "data/activity.toml",
            "by = \"lee\"\nopinion",
            "by = \"nobody\"\nopinion",
        );
    });
    assert!(text.contains("[[feature]] is missing `status`"), "{text}");
    assert!(text.contains("[[checkin]] is missing `date`"), "{text}");
    for (reference, kind) in [
        ("`eng_owner` is \"rja\"", "person"),
        ("`feature` is \"xss-titel\"", "feature"),
        ("`attendees` is \"leee\"", "person"),
        ("`by` is \"nobody\"", "person"),
    ] {
        let expected = format!("{reference}, but no {kind} has that id");
        assert!(text.contains(&expected), "{expected} missing from: {text}");
    }
    assert!(text.contains("did you mean \"raj\"?"), "{text}");
    assert!(text.contains("6 errors found"), "{text}");
}

#[test]
fn a_broken_link_does_not_hide_a_shortcode_error_on_another_page() {
    let text = fails_keeping_output(|s| {
        s.edit("content/_index.md", "guide/checkin.md#", "guide/chekin.md#");
        s.edit(
            "content/guide/checkin.md",
            "Duplicate heading on purpose.",
            "Duplicate heading on purpose.\n\n{{ matrix(tag=\"mobil\") }}",
        );
    });
    assert!(text.contains("content/_index.md:5:"), "{text}");
    assert!(text.contains("content/guide/checkin.md:19:1"), "{text}");
    assert!(
        text.contains("no candidate has the tag \"mobil\""),
        "{text}"
    );
    assert!(text.contains("2 errors found"), "{text}");
}

#[test]
fn a_long_bad_value_is_cut_in_the_message_and_the_snippet() {
    let long = "x".repeat(3000);
    let text = fails_keeping_output(|s| {
        s.edit(
            "data/features.toml",
            "status = \"refinement\"",
            &format!("status = \"{long}\""),
        )
    });
    assert!(
        text.contains(&format!(
            "`status` in [[feature]] is \"{}…\" (3000 characters), expected one of:",
            &long[..50]
        )),
        "{text}"
    );
    assert!(text.len() < 1500, "{} bytes: {text}", text.len());
}

#[test]
fn a_failing_check_still_lists_pages_due_for_review() {
    let site = Fixture::new();
    site.edit("data/features.toml", "impact = 8", "impact = 80");
    let out = site.tandem(&["check"]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("data/features.toml:11:10"), "{text}");
    assert!(
        text.contains("warning: page was due for review on 2026-01-01"),
        "{text}"
    );
    assert!(text.contains("1 error found (and 1 warning)"), "{text}");
}

#[test]
fn invalid_settings_fail_the_build() {
    let text =
        fails_keeping_output(|s| s.write("tandem.toml", "[matrix]\nimpact_split = \"middle\"\n"));
    assert!(text.contains("tandem.toml:2:16"), "{text}");
}

#[test]
fn check_reports_errors_without_writing() {
    let site = Fixture::new();
    site.edit("data/features.toml", "impact = 8", "impact = 80");
    let out = site.tandem(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("data/features.toml:11:10"));
    assert!(!site.path("public").exists());
}

#[test]
fn usage_errors_exit_with_two() {
    let site = Fixture::new();
    let out = site.tandem(&["build", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Pages do not keep their sources once rendered to HTML: checks that need
/// the data (owners, shortcodes' references) read the page again to point
/// at the line.
#[test]
fn unknown_page_owner_is_reported_at_its_line_in_the_page() {
    let text = fails_keeping_output(|s| {
        s.edit(
            "content/guide/checkin.md",
            "owner = \"raj\"",
            "owner = \"rja\"",
        )
    });
    assert!(text.contains("content/guide/checkin.md:4:9"), "{text}");
    assert!(
        text.contains("`owner` is \"rja\", but no person has that id"),
        "{text}"
    );
    assert!(text.contains("owner = \"rja\""), "{text}");
    assert!(text.contains("did you mean \"raj\"?"), "{text}");
}

#[test]
fn shortcode_naming_no_feature_is_reported_at_its_line_in_the_page() {
    let text = fails_keeping_output(|s| {
        s.edit(
            "content/guide/checkin.md",
            "Duplicate heading on purpose.",
            "Duplicate heading on purpose.\n\n{{ feature(id=\"no-such-feature\") }}",
        )
    });
    assert!(text.contains("content/guide/checkin.md:19:1"), "{text}");
    assert!(
        text.contains("no feature has the id \"no-such-feature\""),
        "{text}"
    );
    assert!(
        text.contains("{{ feature(id=\"no-such-feature\") }}"),
        "{text}"
    );
}

#[test]
fn an_output_folder_that_would_lose_the_sites_sources_or_someone_elses_files_is_refused() {
    let site = Fixture::new();
    site.write("docs/notes.txt", "mine");
    let sources = snapshot(site.root());
    for (output, expected) in [
        (".", "is the site folder itself"),
        ("content", "is inside `content/`"),
        ("themes/mine", "is inside `themes/`"),
        ("docs", "holds files that Tandem did not write"),
    ] {
        let build = site.tandem(&["build", "--output", output]);
        let text = stderr(&build);
        assert_eq!(build.status.code(), Some(1), "{output}: {text}");
        assert!(text.contains(expected), "{output}: {text}");
        assert!(text.contains("nothing was written"), "{output}: {text}");
        assert!(
            snapshot(site.root()) == sources,
            "{output} changed the site folder"
        );
    }
    // The site's own output folder, once built, is Tandem's to update.
    assert!(site.build().status.success());
    assert!(site.build().status.success());
}

#[test]
fn a_build_of_a_site_folder_that_does_not_exist_makes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("not/there");
    let build = assert_cmd::Command::cargo_bin("tandem")
        .unwrap()
        .args(["build", "--root"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(build.status.code(), Some(1));
    assert!(
        stderr(&build).contains("does not exist"),
        "{}",
        stderr(&build)
    );
    assert!(!dir.path().join("not").exists(), "made the missing folders");
}

#[test]
fn yaml_front_matter_is_reported_not_shown_as_text() {
    let text = fails_keeping_output(|s| {
        s.write(
            "content/guide/yaml.md",
            "---\ntitle: \"Yaml\"\n---\nText.\n",
        )
    });
    assert!(text.contains("content/guide/yaml.md:1:1"), "{text}");
    assert!(text.contains("opens like YAML front matter"), "{text}");
    assert!(
        text.contains("leave a blank line after the first `---`"),
        "{text}"
    );
}

#[test]
fn a_byte_order_mark_before_the_front_matter_is_not_part_of_the_page() {
    // Windows editors start UTF-8 files with one; an error in the front
    // matter behind it is still found, where it is.
    let text = fails_keeping_output(|s| {
        s.write(
            "content/guide/bom.md",
            "\u{feff}+++\ntitle = \"Bom\"\ntitel = \"x\"\n+++\nText.\n",
        )
    });
    assert!(text.contains("content/guide/bom.md:3:1"), "{text}");
    let site = Fixture::new();
    site.write(
        "content/guide/bom.md",
        "\u{feff}+++\ntitle = \"Bom\"\n+++\nText.\n",
    );
    assert!(site.build().status.success());
    let page = site.read("public/guide/bom/index.html");
    assert!(page.contains("<title>Bom"), "{page}");
    assert!(!page.contains("+++"), "{page}");
}

#[test]
fn a_second_score_by_one_person_of_one_candidate_is_an_error() {
    // A copied [[score]] whose `by` was not changed: counted twice, it
    // would move the median and make a disagreement out of nothing.
    let text = fails_keeping_output(|s| {
        s.write(
            "data/rescore.toml",
            "[[score]]\nfeature = \"offline-sync\"\nby = \"lee\"\nimpact = 1\neffort = 10\n",
        )
    });
    assert!(text.contains("data/rescore.toml:3:6"), "{text}");
    assert!(
        text.contains(
            "\"lee\" has already scored \"offline-sync\": one score per person and candidate"
        ),
        "{text}"
    );
    assert!(
        text.contains("the first is at data/activity.toml:"),
        "{text}"
    );
}

#[test]
fn a_file_that_cannot_be_parsed_does_not_hide_mistakes_within_the_others() {
    let text = fails_keeping_output(|s| {
        s.write("data/broken.toml", "[[person]\n");
        s.write(
            "data/rescore.toml",
            "[[score]]\nfeature = \"offline-sync\"\nby = \"lee\"\nimpact = 1\neffort = 10\n",
        );
        s.edit(
            "data/activity.toml",
            "[\"raj\", \"lee\"]",
            "[\"raj\", \"raj\"]",
        );
    });
    assert!(text.contains("data/broken.toml:1:"), "{text}");
    assert!(text.contains("\"lee\" has already scored"), "{text}");
    assert!(
        text.contains("\"raj\" is already listed in `attendees`"),
        "{text}"
    );
    // References are not judged: they may point into the broken file.
    assert!(!text.contains("no person has that id"), "{text}");
}

#[test]
fn a_base_url_that_is_no_url_is_an_error_in_the_settings_and_on_the_command_line() {
    let text = fails_keeping_output(|s| s.write("tandem.toml", "base_url = \"not a url\"\n"));
    assert!(text.contains("tandem.toml:1:12"), "{text}");
    assert!(
        text.contains("`base_url` is \"not a url\", which holds ' '"),
        "{text}"
    );
    let site = Fixture::new();
    let check = site.tandem(&["check", "--base-url", "ftp://x.example/sub"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr(&check).contains("--base-url is \"ftp://x.example/sub\", expected an http(s) URL"),
        "{}",
        stderr(&check)
    );
}

#[test]
fn warnings_are_reported_beside_errors_found_after_rendering() {
    // A broken image is found once pages rendered; the page past its
    // review date was found while loading, and is still reported.
    let site = Fixture::new();
    site.write("content/guide/img.md", "# Img\n\n![chart](missing.png)\n");
    let check = site.tandem(&["check"]);
    let text = stderr(&check);
    assert_eq!(check.status.code(), Some(1), "{text}");
    assert!(text.contains("content/guide/img.md:3:"), "{text}");
    assert!(text.contains("warning:"), "{text}");
    assert!(text.contains("1 error found (and 1 warning)"), "{text}");
    let strict = site.tandem(&["check", "--strict"]);
    assert!(
        stderr(&strict).contains("2 errors found"),
        "{}",
        stderr(&strict)
    );
    let build = site.build();
    assert!(stderr(&build).contains("warning:"), "{}", stderr(&build));
}

#[test]
fn a_person_with_a_bad_record_is_not_also_reported_missing() {
    // raj owns the check-in page; his role is wrong, and that is the error.
    let text = fails_keeping_output(|s| {
        s.edit(
            "data/people.toml",
            "role = \"engineering\"",
            "role = \"boss\"",
        )
    });
    assert!(text.contains("\"boss\""), "{text}");
    assert!(!text.contains("no person has that id"), "{text}");
    assert!(text.contains("1 error found"), "{text}");
}

#[test]
fn a_theme_that_does_not_exist_is_reported_at_its_setting() {
    let text = fails_keeping_output(|s| {
        s.write("tandem.toml", "title = \"Fixture\"\ntheme = \"nosuch\"\n")
    });
    assert!(text.contains("tandem.toml:2:9"), "{text}");
    assert!(text.contains("theme \"nosuch\" not found"), "{text}");
    assert!(text.contains("1 error found"), "{text}");
}

#[test]
fn a_bad_setting_leaves_the_other_settings_in_force_while_the_data_is_checked() {
    // Scores up to 20 are valid on this scale; with the settings thrown
    // away for the bad title, the default scale of 10 made them errors.
    let text = fails_keeping_output(|s| {
        s.write(
            "tandem.toml",
            "title = 3\n[matrix]\nimpact_max = 20\neffort_max = 20\n",
        );
        s.edit("data/activity.toml", "impact = 9", "impact = 19");
    });
    assert!(
        text.contains("`title` in tandem.toml is an integer"),
        "{text}"
    );
    assert!(text.contains("1 error found"), "{text}");
}

#[test]
fn a_link_to_a_draft_says_the_page_is_a_draft() {
    let text = fails_keeping_output(|s| {
        s.write(
            "content/guide/soon.md",
            "+++\ntitle = \"Soon\"\ndraft = true\n+++\nText.\n",
        );
        s.write(
            "content/guide/now.md",
            "# Now\n\nRead [soon](soon.md) and [gone](gone.md).\n",
        );
    });
    assert!(
        text.contains("link to `soon.md`, a draft, which this build leaves out"),
        "{text}"
    );
    assert!(
        text.contains("link to `gone.md`, but there is no such page"),
        "{text}"
    );
    // With --drafts the draft is built, and the link is fine.
    let site = Fixture::new();
    site.write(
        "content/guide/soon.md",
        "+++\ntitle = \"Soon\"\ndraft = true\n+++\nText.\n",
    );
    site.write("content/guide/now.md", "# Now\n\nRead [soon](soon.md).\n");
    let check = site.tandem(&["check", "--drafts"]);
    assert!(check.status.success(), "{}", stderr(&check));
}
