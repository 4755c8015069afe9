//! What the build derives, on fixtures with answers worked out by hand:
//! medians, spread, disagreement, quadrants, priority order, check-in and
//! demo coverage, dissent rate. "Today" is 2026-11-25 throughout: through
//! `BuildOptions.today` for the library and `SOURCE_DATE_EPOCH` for the
//! binary.

mod common;

use common::{stderr, Fixture, EPOCH};
use serde_json::Value;
use tandem::calendar::Date;
use tandem::model::{Candidate, ConsensusSource, Model, Point, Quadrant, Spread};
use tandem::site::{BuildOptions, Site};

/// Two people per role, so role medians can be even counts too.
const PEOPLE: &str = r#"
[[person]]
id = "ana"
name = "Ana Ruiz"
role = "product"

[[person]]
id = "pia"
name = "Pia Sand"
role = "product"

[[person]]
id = "raj"
name = "Raj Patel"
role = "engineering"

[[person]]
id = "lee"
name = "Lee Chen"
role = "engineering"

[[person]]
id = "dee"
name = "Dee Park"
role = "design"

[[person]]
id = "ola"
name = "Ola Berg"
role = "leadership"
"#;

fn today() -> Date {
    Date::from_ymd(2026, 11, 25).unwrap()
}

fn feature(id: &str, status: &str, extra: &str) -> String {
    format!(
        "[[feature]]\nid = \"{id}\"\ntitle = \"Title of {id}\"\nkind = \"feature\"\nstatus = \"{status}\"\n{extra}\n\n"
    )
}

fn score(feature: &str, by: &str, impact: u32, effort: u32) -> String {
    format!(
        "[[score]]\nfeature = \"{feature}\"\nby = \"{by}\"\nimpact = {impact}\neffort = {effort}\n\n"
    )
}

fn checkin(feature: &str, date: &str, kind: &str, dissent: &[&str]) -> String {
    let mut out = format!(
        "[[checkin]]\ndate = {date}\nfeature = \"{feature}\"\nkind = \"{kind}\"\nattendees = [\"ana\", \"raj\"]\n"
    );
    for opinion in dissent {
        out.push_str(&format!(
            "[[checkin.dissent]]\nby = \"raj\"\nopinion = \"{opinion}\"\n"
        ));
    }
    out.push('\n');
    out
}

/// A site whose data is exactly `features` and `activity` (the fixture's
/// handbook pages stay: they only need person `raj`).
fn site(features: &[String], activity: &[String]) -> Fixture {
    let site = Fixture::new();
    site.write("data/people.toml", PEOPLE);
    site.write("data/features.toml", &features.concat());
    site.write("data/activity.toml", &activity.concat());
    site
}

fn model(site: &Fixture) -> Model {
    let options = BuildOptions {
        root: site.root().to_path_buf(),
        base_url: None,
        drafts: false,
        today: Some(today()),
        ..Default::default()
    };
    match Site::load(&options) {
        Ok((site, _warnings)) => site.model,
        Err(errors) => panic!("fixture must load:\n{errors}"),
    }
}

fn get<'m>(model: &'m Model, id: &str) -> &'m Candidate {
    model
        .candidate(id)
        .unwrap_or_else(|| panic!("no candidate {id}"))
}

fn point(impact: f64, effort: f64) -> Option<Point> {
    Some(Point { impact, effort })
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn medians_of_even_counts_are_the_mean_of_the_middle_two() {
    let s = site(
        &[
            feature("even", "planned", ""),
            feature("odd", "planned", ""),
            feature("pair", "planned", ""),
        ],
        &[
            // Impacts 2,9,4,7 -> sorted 2,4,7,9 -> (4+7)/2 = 5.5.
            // Efforts 3,4,5,6 -> (4+5)/2 = 4.5. Written out of order.
            score("even", "ana", 2, 3),
            score("even", "raj", 9, 4),
            score("even", "dee", 4, 5),
            score("even", "ola", 7, 6),
            // Impacts 3,1,2 -> 2; efforts 8,2,5 -> 5.
            score("odd", "ana", 3, 8),
            score("odd", "raj", 1, 2),
            score("odd", "dee", 2, 5),
            // Two scores: impacts 6,9 -> 7.5; efforts 1,2 -> 1.5.
            score("pair", "dee", 6, 1),
            score("pair", "ola", 9, 2),
        ],
    );
    let m = model(&s);
    assert_eq!(get(&m, "even").consensus, point(5.5, 4.5));
    assert_eq!(get(&m, "odd").consensus, point(2.0, 5.0));
    assert_eq!(get(&m, "pair").consensus, point(7.5, 1.5));
    assert_eq!(
        get(&m, "even").consensus_source,
        Some(ConsensusSource::Scores)
    );
    assert_eq!(get(&m, "even").scores.len(), 4);
    // Role medians are medians of that role's scores only: even's product
    // score is ana's alone, engineering's raj's alone (design and leadership
    // count for the consensus, not for either side).
    assert_eq!(get(&m, "even").product_median, point(2.0, 3.0));
    assert_eq!(get(&m, "even").engineering_median, point(9.0, 4.0));
    assert_eq!(get(&m, "pair").product_median, None);
    assert_eq!(get(&m, "pair").engineering_median, None);
}

#[test]
fn spread_is_max_minus_min_per_axis_across_scorers() {
    let s = site(
        &[
            feature("wide", "planned", ""),
            feature("same", "planned", ""),
        ],
        &[
            score("wide", "ana", 2, 3),
            score("wide", "raj", 9, 4),
            score("wide", "dee", 4, 6),
            score("same", "dee", 4, 4),
            score("same", "ola", 4, 4),
        ],
    );
    let m = model(&s);
    assert_eq!(
        get(&m, "wide").spread,
        Some(Spread {
            impact: 7,
            effort: 3
        })
    );
    assert_eq!(
        get(&m, "same").spread,
        Some(Spread {
            impact: 0,
            effort: 0
        })
    );
}

#[test]
fn disagreement_starts_exactly_at_the_spread_threshold() {
    // Only design and leadership score here, so no product/engineering gap
    // can contribute; the default threshold is 4.
    let s = site(
        &[
            feature("impact-4", "planned", ""),
            feature("impact-3", "planned", ""),
            feature("effort-4", "planned", ""),
        ],
        &[
            score("impact-4", "dee", 5, 5),
            score("impact-4", "ola", 9, 8),
            score("impact-3", "dee", 5, 5),
            score("impact-3", "ola", 8, 8),
            score("effort-4", "dee", 5, 2),
            score("effort-4", "ola", 5, 6),
        ],
    );
    let m = model(&s);
    let at = get(&m, "impact-4");
    assert_eq!(
        at.spread,
        Some(Spread {
            impact: 4,
            effort: 3
        })
    );
    assert!(at.disagreement, "spread 4 reaches the threshold 4");
    assert_eq!(at.disagreement_reasons, ids(&["impact scores spread by 4"]));

    let below = get(&m, "impact-3");
    assert!(!below.disagreement, "spread 3 is below the threshold 4");
    assert!(below.disagreement_reasons.is_empty());

    let effort = get(&m, "effort-4");
    assert!(effort.disagreement);
    assert_eq!(
        effort.disagreement_reasons,
        ids(&["effort scores spread by 4"])
    );
    // Listed in priority order: impact-4 (7/6.5, major project) before
    // effort-4 (5/4, fill-in).
    assert_eq!(m.disagreements, ids(&["impact-4", "effort-4"]));
}

#[test]
fn the_spread_threshold_comes_from_tandem_toml() {
    let s = site(
        &[
            feature("spread-4", "planned", ""),
            feature("spread-5", "planned", ""),
        ],
        &[
            score("spread-4", "dee", 5, 5),
            score("spread-4", "ola", 9, 5),
            score("spread-5", "dee", 4, 5),
            score("spread-5", "ola", 9, 5),
        ],
    );
    s.write("tandem.toml", "title = \"T\"\n[matrix]\ndisagreement = 5\n");
    let m = model(&s);
    assert!(!get(&m, "spread-4").disagreement);
    assert!(get(&m, "spread-5").disagreement);
}

#[test]
fn product_and_engineering_medians_three_apart_are_a_disagreement() {
    let s = site(
        &[
            feature("gap-3", "planned", ""),
            feature("gap-2-5", "planned", ""),
            feature("effort-gap-3", "planned", ""),
        ],
        &[
            // Product 8 vs engineering 5 on impact: gap 3; spread only 3.
            score("gap-3", "ana", 8, 4),
            score("gap-3", "raj", 5, 4),
            // Product median (6+7)/2 = 6.5 vs engineering 4: gap 2.5;
            // impact spread 7-4 = 3.
            score("gap-2-5", "ana", 6, 3),
            score("gap-2-5", "pia", 7, 3),
            score("gap-2-5", "raj", 4, 3),
            score("gap-2-5", "lee", 4, 3),
            // Effort 2 vs 5: gap 3 on effort; spread 3.
            score("effort-gap-3", "ana", 5, 2),
            score("effort-gap-3", "raj", 5, 5),
        ],
    );
    let m = model(&s);
    let gap3 = get(&m, "gap-3");
    assert_eq!(gap3.product_median, point(8.0, 4.0));
    assert_eq!(gap3.engineering_median, point(5.0, 4.0));
    assert!(gap3.disagreement);
    assert_eq!(
        gap3.disagreement_reasons,
        ids(&["product and engineering impact medians differ by 3"])
    );

    let gap25 = get(&m, "gap-2-5");
    assert_eq!(gap25.product_median, point(6.5, 3.0));
    assert_eq!(gap25.engineering_median, point(4.0, 3.0));
    assert!(
        !gap25.disagreement,
        "a 2.5 gap with spread 3 is not a disagreement: {:?}",
        gap25.disagreement_reasons
    );

    let effort = get(&m, "effort-gap-3");
    assert!(effort.disagreement);
    assert_eq!(
        effort.disagreement_reasons,
        ids(&["product and engineering effort medians differ by 3"])
    );
}

#[test]
fn a_consensus_exactly_on_a_split_counts_as_high() {
    // Default scale 1..10: both splits at 5.5.
    let s = site(
        &[
            feature("on-both", "planned", ""),
            feature("on-impact", "planned", ""),
            feature("on-effort", "planned", ""),
            feature("below-both", "planned", ""),
        ],
        &[
            score("on-both", "dee", 5, 5),
            score("on-both", "ola", 6, 6),
            score("on-impact", "dee", 5, 5),
            score("on-impact", "ola", 6, 5),
            score("on-effort", "dee", 5, 5),
            score("on-effort", "ola", 5, 6),
            score("below-both", "dee", 5, 5),
        ],
    );
    let m = model(&s);
    let q = |id: &str| (get(&m, id).consensus, get(&m, id).quadrant);
    assert_eq!(
        q("on-both"),
        (point(5.5, 5.5), Some(Quadrant::MajorProject))
    );
    assert_eq!(q("on-impact"), (point(5.5, 5.0), Some(Quadrant::QuickWin)));
    assert_eq!(q("on-effort"), (point(5.0, 5.5), Some(Quadrant::MoneyPit)));
    assert_eq!(q("below-both"), (point(5.0, 5.0), Some(Quadrant::FillIn)));
}

#[test]
fn configured_splits_are_boundaries_too() {
    let s = site(
        &[
            feature("at-splits", "planned", "impact = 7\neffort = 3"),
            feature("under-splits", "planned", "impact = 6\neffort = 2"),
        ],
        &[],
    );
    s.write(
        "tandem.toml",
        "title = \"T\"\n[matrix]\nimpact_split = 7\neffort_split = 3\n",
    );
    let m = model(&s);
    assert_eq!(get(&m, "at-splits").quadrant, Some(Quadrant::MajorProject));
    assert_eq!(get(&m, "under-splits").quadrant, Some(Quadrant::FillIn));
}

#[test]
fn priority_is_quadrant_then_ratio_then_id_for_open_placed_candidates() {
    // Declared in a scrambled order so that file order cannot pass for id
    // order. Single scores, so each consensus is its score.
    let s = site(
        &[
            feature("q-money", "planned", ""),
            feature("tie-b", "planned", ""),
            feature("q-fill", "planned", ""),
            feature("q-major", "refinement", ""),
            feature("tie-a", "in-progress", ""),
            feature("q-major-better", "discovery", ""),
            feature("q-quick-best", "planned", ""),
            feature("q-shipped", "shipped", ""),
            feature("q-dropped", "dropped", ""),
            feature("q-unplaced", "planned", ""),
        ],
        &[
            score("q-money", "dee", 3, 8),        // money pit, 0.375
            score("tie-b", "dee", 8, 4),          // quick win, 2
            score("q-fill", "dee", 4, 2),         // fill-in, 2
            score("q-major", "dee", 9, 9),        // major project, 1
            score("tie-a", "dee", 6, 3),          // quick win, 2
            score("q-major-better", "dee", 8, 6), // major project, 1.33
            score("q-quick-best", "dee", 9, 2),   // quick win, 4.5
            score("q-shipped", "dee", 10, 1),     // closed
            score("q-dropped", "dee", 10, 1),     // closed
        ],
    );
    let m = model(&s);
    let expected = ids(&[
        "q-quick-best",
        "tie-a",
        "tie-b",
        "q-major-better",
        "q-major",
        "q-fill",
        "q-money",
    ]);
    assert_eq!(m.priority, expected);
    for (rank, id) in expected.iter().enumerate() {
        assert_eq!(get(&m, id).priority, Some(rank + 1), "{id}");
    }
    for id in ["q-shipped", "q-dropped", "q-unplaced"] {
        assert_eq!(get(&m, id).priority, None, "{id} is not ranked");
    }
    assert_eq!(get(&m, "tie-a").ratio, Some(2.0));
    assert_eq!(get(&m, "tie-b").ratio, Some(2.0));
}

#[test]
fn unscored_candidates_fall_back_to_their_estimate_and_unplaced_are_listed() {
    let s = site(
        &[
            feature("estimate-only", "planned", "impact = 4\neffort = 7"),
            feature("scored", "planned", "impact = 9\neffort = 1"),
            feature("impact-only", "planned", "impact = 5"),
            feature("nothing", "discovery", ""),
        ],
        &[score("scored", "dee", 3, 3)],
    );
    let m = model(&s);
    let estimate = get(&m, "estimate-only");
    assert_eq!(estimate.consensus, point(4.0, 7.0));
    assert_eq!(estimate.consensus_source, Some(ConsensusSource::Estimate));
    assert_eq!(estimate.quadrant, Some(Quadrant::MoneyPit));
    assert_eq!(estimate.spread, None);
    assert!(!estimate.disagreement);

    let scored = get(&m, "scored");
    assert_eq!(
        scored.consensus,
        point(3.0, 3.0),
        "scores win over estimates"
    );
    assert_eq!(scored.consensus_source, Some(ConsensusSource::Scores));
    assert_eq!(scored.estimate, point(9.0, 1.0));

    for id in ["impact-only", "nothing"] {
        assert_eq!(get(&m, id).consensus, None, "{id}");
        assert_eq!(get(&m, id).quadrant, None, "{id}");
    }
    assert_eq!(m.unplaced, ids(&["impact-only", "nothing"]));
    assert_eq!(m.priority, ids(&["scored", "estimate-only"]));

    // Rendered: on the matrix the estimate is drawn, the unplaced listed.
    let (files, _) = tandem::build::render(&BuildOptions {
        root: s.root().to_path_buf(),
        base_url: None,
        drafts: false,
        today: Some(today()),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let matrix = files
        .iter()
        .find(|f| f.path == "dashboards/matrix/index.html")
        .expect("matrix page");
    let html = String::from_utf8_lossy(&matrix.bytes);
    assert!(html.contains("data-id=\"estimate-only\""));
    assert!(!html.contains("data-id=\"nothing\""));
    assert!(!html.contains("data-id=\"impact-only\""));
    let listed = &html[html.find("Not on the matrix yet").expect("unplaced list")..];
    assert!(listed.contains("/features/nothing/") && listed.contains("/features/impact-only/"));
}

/// Discovery ended `days` before 2026-11-25.
fn ended(days: i64) -> String {
    format!("discovery_done = {}", today().add_days(-days))
}

#[test]
fn checkins_are_overdue_only_after_more_than_due_within_days() {
    let s = site(
        &[
            feature("day-14", "refinement", &ended(14)),
            feature("day-15", "planned", &ended(15)),
            feature("discovery-ended", "discovery", &ended(24)),
            feature("discovery-future", "discovery", &ended(-6)),
            feature("checked", "planned", &ended(55)),
            feature("refined-only", "in-progress", &ended(55)),
            feature("shipped-old", "shipped", &ended(55)),
            feature("dropped-old", "dropped", &ended(55)),
        ],
        &[
            checkin("checked", "2026-10-05", "feasibility", &[]),
            checkin("refined-only", "2026-10-05", "refinement", &[]),
        ],
    );
    let m = model(&s);
    let c = |id: &str| {
        let c = get(&m, id);
        (c.days_since_discovery, c.needs_checkin, c.checkin_overdue)
    };
    assert_eq!(
        c("day-14"),
        (Some(14), true, false),
        "day 14 is not overdue"
    );
    assert_eq!(c("day-15"), (Some(15), true, true), "day 15 is overdue");
    assert_eq!(c("discovery-ended"), (Some(24), true, true));
    assert_eq!(
        c("discovery-future"),
        (None, false, false),
        "discovery not over"
    );
    assert_eq!(c("checked"), (Some(55), false, false));
    assert_eq!(
        c("refined-only"),
        (Some(55), true, true),
        "only a feasibility check-in counts"
    );
    assert!(!get(&m, "shipped-old").needs_checkin);
    assert!(!get(&m, "dropped-old").needs_checkin);
    // Most overdue first.
    assert_eq!(
        m.coverage.needs_checkin,
        ids(&["refined-only", "discovery-ended", "day-15", "day-14"])
    );
    assert_eq!(
        m.coverage.overdue,
        ids(&["refined-only", "discovery-ended", "day-15"])
    );
}

#[test]
fn due_within_days_comes_from_tandem_toml() {
    let s = site(
        &[
            feature("day-3", "refinement", &ended(3)),
            feature("day-4", "refinement", &ended(4)),
        ],
        &[],
    );
    s.write(
        "tandem.toml",
        "title = \"T\"\n[checkins]\ndue_within_days = 3\n",
    );
    let m = model(&s);
    assert!(!get(&m, "day-3").checkin_overdue, "day 3 of 3 is on time");
    assert!(get(&m, "day-4").checkin_overdue, "day 4 of 3 is overdue");
    assert_eq!(m.coverage.overdue, ids(&["day-4"]));
}

#[test]
fn a_check_in_is_due_by_the_last_day_it_is_on_time() {
    let s = site(
        &[
            feature("day-14", "refinement", &ended(14)),
            feature("day-15", "planned", &ended(15)),
            feature("checked", "planned", &ended(20)),
            feature("discovery-future", "discovery", &ended(-6)),
            feature("no-date", "planned", ""),
        ],
        &[checkin("checked", "2026-10-05", "feasibility", &[])],
    );
    let m = model(&s);
    let due = |id: &str| get(&m, id).checkin_due.map(|d| d.to_string());
    // Ended 2026-11-11 with 14 days to go: due by today, and on time.
    assert_eq!(due("day-14").as_deref(), Some("2026-11-25"));
    assert!(!get(&m, "day-14").checkin_overdue);
    assert_eq!(due("day-15").as_deref(), Some("2026-11-24"));
    assert!(get(&m, "day-15").checkin_overdue);
    // Nothing is due without a need for a check-in, or without a date.
    assert_eq!(due("checked"), None);
    assert_eq!(due("discovery-future"), None);
    assert!(get(&m, "no-date").needs_checkin);
    assert_eq!(due("no-date"), None);
}

#[test]
fn a_check_in_dated_after_today_is_scheduled_and_counts_for_nothing_yet() {
    let s = site(
        &[
            feature("booked", "planned", &ended(20)),
            feature("held-today", "planned", &ended(20)),
            feature("held-and-booked", "planned", &ended(30)),
        ],
        &[
            // Tomorrow, twice (the sooner one is the one shown), with dissent
            // recorded by mistake.
            checkin("booked", "2026-12-09", "feasibility", &[]),
            checkin("booked", "2026-11-26", "feasibility", &["Too big."]),
            checkin("held-today", "2026-11-25", "feasibility", &[]),
            checkin("held-and-booked", "2026-11-01", "feasibility", &[]),
            checkin("held-and-booked", "2026-11-30", "refinement", &[]),
        ],
    );
    let m = model(&s);
    let booked = get(&m, "booked");
    assert!(!booked.has_feasibility_checkin);
    assert!(booked.needs_checkin && booked.checkin_overdue);
    assert_eq!(booked.checkin_scheduled, Some(today().add_days(1)));
    assert_eq!(booked.last_checkin, None, "nothing has been held");
    assert_eq!(booked.dissent_count, 0);
    assert_eq!(m.coverage.overdue, ids(&["booked"]));

    let today_one = get(&m, "held-today");
    assert!(
        today_one.has_feasibility_checkin,
        "today's check-in is held"
    );
    assert_eq!(today_one.checkin_scheduled, None);

    let both = get(&m, "held-and-booked");
    assert!(both.has_feasibility_checkin && !both.needs_checkin);
    assert_eq!(
        both.last_checkin.map(|d| d.to_string()).as_deref(),
        Some("2026-11-01")
    );
    assert_eq!(both.checkin_scheduled, None, "only feasibility check-ins");

    // The two held check-ins: neither with dissent.
    assert_eq!((m.dissent.checkins, m.dissent.with_dissent), (2, 0));
    assert_eq!(m.dissent.opinions, 0);
    let scheduled: Vec<bool> = m.checkins.iter().map(|c| c.scheduled).collect();
    assert_eq!(scheduled, [true, true, true, false, false], "newest first");
    let ana = m.people.iter().find(|p| p.id == "ana").unwrap();
    assert_eq!(
        ana.checkins, 2,
        "attended the two held before today and today"
    );
}

#[test]
fn a_scheduled_check_in_is_shown_as_scheduled_and_left_out_of_what_was_held() {
    let s = site(
        &[
            // Due by 2026-12-04, booked in time; the other's was due by
            // 2026-11-19 and is booked for weeks later.
            feature("booked", "planned", &ended(5)),
            feature("booked-late", "planned", &ended(20)),
            feature("unbooked", "planned", &ended(20)),
        ],
        &[
            checkin("booked", "2026-12-02", "feasibility", &[]),
            // Held in 2025 but typed as 2027: it records an outcome.
            "[[checkin]]\ndate = 2027-10-05\nfeature = \"unbooked\"\nkind = \"refinement\"\noutcome = \"go\"\ndecisions = [\"Ship it\"]\n\n".into(),
            checkin("booked-late", "2027-01-15", "feasibility", &[]),
        ],
    );
    let out = s.build();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("this check-in is dated 2027-10-05, after today (2026-11-25), but records an outcome and decisions"),
        "{err}"
    );
    assert!(err.contains("data/activity.toml:8:8"), "{err}");
    assert_eq!(
        err.matches("warning:").count(),
        2,
        "and the fixture's review: {err}"
    );

    let page = s.read("public/features/booked/index.html");
    assert!(
        page.contains("<span class=\"badge badge--muted\">Scheduled</span>"),
        "{page}"
    );
    assert!(
        page.contains("It is scheduled for <time datetime=\"2026-12-02\">2026-12-02</time>"),
        "{page}"
    );
    let week = s.read("public/this-week/index.html");
    let schedule = section_of(&week, "schedule-title");
    assert!(schedule.contains("Title of unbooked"), "{schedule}");
    assert!(!schedule.contains("Title of booked<"), "{schedule}");
    // Booked after it was due: still to schedule, earlier.
    assert!(
        schedule.contains("Title of booked-late</a> <span class=\"badge badge--alert badge--small\">Overdue</span>"),
        "{schedule}"
    );
    assert!(
        schedule.contains("due <time datetime=\"2026-11-19\">2026-11-19</time>, scheduled for <time datetime=\"2027-01-15\">"),
        "{schedule}"
    );
    assert!(
        week.contains("feasibility on <a href=\"/features/booked/\">"),
        "{week}"
    );
    let features = s.read("public/features/index.html");
    assert!(
        features.contains("scheduled for <time datetime=\"2026-12-02\">"),
        "{features}"
    );
    let feed = s.read("public/feed.xml");
    assert!(
        !feed.contains("2026-12-02"),
        "nothing booked is in the feed: {feed}"
    );
    assert!(!feed.contains("2027-10-05"), "{feed}");
}

#[test]
fn this_week_asks_for_the_outcomes_of_recent_check_ins_that_record_none() {
    let with_outcome = |feature: &str, date: &str| {
        checkin(feature, date, "feasibility", &[])
            .replace("attendees", "outcome = \"go\"\nattendees")
    };
    let s = site(
        &[
            feature("recent", "planned", ""),
            feature("older", "planned", ""),
            feature("decided", "planned", ""),
            feature("long-ago", "planned", ""),
            feature("today", "planned", ""),
            feature("booked", "planned", ""),
        ],
        &[
            // Today is 2026-11-25; the window is the 28 days before it.
            checkin("recent", "2026-11-22", "planning", &[]),
            checkin("older", "2026-10-28", "feasibility", &[]),
            with_outcome("decided", "2026-11-20"),
            checkin("long-ago", "2026-10-27", "feasibility", &[]),
            checkin("today", "2026-11-25", "refinement", &[]),
            checkin("booked", "2026-12-02", "feasibility", &[]),
        ],
    );
    let out = s.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let week = s.read("public/this-week/index.html");
    let section = section_of(&week, "record-title");
    let listed: Vec<&str> = section
        .match_indices("/features/")
        .map(|(at, _)| section[at + 10..].split('/').next().unwrap())
        .collect();
    assert_eq!(listed, ["older", "recent"], "oldest first: {section}");
    assert!(
        section.contains("<time datetime=\"2026-11-22\">22 Nov 2026</time>: planning on"),
        "{section}"
    );
    assert!(
        section.contains("(<code>go</code>, <code>go-with-risks</code>, <code>spike-needed</code> or <code>no-go</code>)"),
        "{section}"
    );

    // Once every one of them is written up, the section says so.
    let s = site(
        &[feature("decided", "planned", "")],
        &[with_outcome("decided", "2026-11-20")],
    );
    assert!(s.build().status.success());
    let week = s.read("public/this-week/index.html");
    let section = section_of(&week, "record-title");
    assert!(
        section.contains("Every check-in of the last four weeks has its outcome recorded.")
            && !section.contains("<ul"),
        "{section}"
    );
}

#[test]
fn dissent_rate_is_the_share_of_checkins_with_dissent() {
    let s = site(
        &[feature("a", "planned", ""), feature("b", "planned", "")],
        &[
            checkin(
                "a",
                "2026-10-01",
                "feasibility",
                &["Too big.", "Too early."],
            ),
            checkin("a", "2026-10-08", "refinement", &[]),
            checkin("b", "2026-10-09", "planning", &[]),
        ],
    );
    let m = model(&s);
    assert_eq!(m.dissent.checkins, 3);
    assert_eq!(m.dissent.with_dissent, 1, "two opinions, one check-in");
    assert_eq!(m.dissent.opinions, 2);
    let rate = m.dissent.rate.expect("a rate with check-ins");
    assert!((rate - 1.0 / 3.0).abs() < 1e-12, "rate {rate}");
    assert_eq!(get(&m, "a").dissent_count, 2);

    let none = site(&[feature("a", "planned", "")], &[]);
    assert_eq!(
        model(&none).dissent.rate,
        None,
        "no check-ins: no rate, not 0%"
    );
}

#[test]
fn a_demo_dated_after_today_is_scheduled_and_shows_nothing_yet() {
    let demo = |date: &str, feature: &str, extra: &str| {
        format!(
            "[[demo]]\ndate = {date}\ntitle = \"Demo on {date}\"\npresenter = \"ana\"\nfeatures = [\"{feature}\"]\n{extra}\n"
        )
    };
    let s = site(
        &[
            feature("booked", "shipped", ""),
            feature("given", "shipped", ""),
        ],
        &[
            demo("2026-11-25", "given", ""),
            // Given in 2025, typed as 2027: it has a recording already.
            demo(
                "2027-02-10",
                "booked",
                "recording = \"https://video.example/1\"",
            ),
        ],
    );
    let m = model(&s);
    let booked = get(&m, "booked");
    assert_eq!(booked.demos.len(), 1);
    assert!(booked.demos[0].scheduled && !booked.demoed);
    assert!(get(&m, "given").demoed, "a demo today has been given");
    assert_eq!(m.coverage.undemoed_shipped, ids(&["booked"]));
    let ana = m.people.iter().find(|p| p.id == "ana").unwrap();
    assert_eq!(ana.demos_presented, 1);

    let out = s.build();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(
            "this demo is dated 2027-02-10, after today (2026-11-25), but records a recording"
        ),
        "{err}"
    );
    assert!(err.contains("data/activity.toml:8:8"), "{err}");
    let timeline = s.read("public/dashboards/demos/index.html");
    assert!(
        timeline.contains("2027</time> <span class=\"badge badge--muted\">Scheduled</span>"),
        "{timeline}"
    );
    assert!(timeline.contains("1 demo in Nov 2026."), "{timeline}");
    let page = s.read("public/features/booked/index.html");
    assert!(
        page.contains("<span class=\"badge badge--muted\">Scheduled</span>"),
        "{page}"
    );
    let features = s.read("public/features/index.html");
    let attention = section_of(&features, "attention");
    assert!(attention.contains("Title of booked"), "{attention}");
    assert!(!attention.contains("Title of given"), "{attention}");
    assert!(!s.read("public/feed.xml").contains("2027-02-10"));
    let cards = s.read("public/dashboards/index.html");
    assert!(
        cards.contains("<p class=\"card__figure\">1</p>\n      <p>demo given; 1 shipped candidate never shown.</p>"),
        "{cards}"
    );
}

#[test]
fn an_id_listed_twice_counts_once_and_is_warned_about() {
    let demo = "[[demo]]\ndate = 2026-11-02\ntitle = \"Twice\"\npresenter = \"ana\"\nfeatures = [\"a\", \"b\", \"a\"]\nattendees = [\"lee\", \"lee\"]\n\n";
    let s = site(
        &[feature("a", "shipped", ""), feature("b", "shipped", "")],
        &[
            "[[checkin]]\ndate = 2026-10-03\nfeature = \"a\"\nkind = \"planning\"\nattendees = [\"ana\", \"raj\", \"ana\"]\n\n".into(),
            demo.into(),
            // Another demo of the same name on the same day is a demo too.
            demo.replace(", \"a\"]", "]").replace("\"lee\", \"lee\"", "\"lee\""),
        ],
    );
    let m = model(&s);
    let names = |people: &[tandem::model::PersonRef]| -> Vec<String> {
        people.iter().map(|p| p.id.clone()).collect()
    };
    assert_eq!(names(&m.checkins[0].attendees), ids(&["ana", "raj"]));
    let first = &m.demos[0];
    let shown: Vec<&str> = first.candidates.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(shown, ["a", "b"]);
    assert_eq!(names(&first.attendees), ids(&["lee"]));
    assert_eq!(get(&m, "a").demos.len(), 2, "two demos, each once");
    let ana = m.people.iter().find(|p| p.id == "ana").unwrap();
    assert_eq!(ana.checkins, 1);

    let out = s.build();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    for (at, message) in [
        (
            "data/activity.toml:5:28",
            "\"ana\" is already listed in `attendees`",
        ),
        (
            "data/activity.toml:11:23",
            "\"a\" is already listed in `features`",
        ),
        (
            "data/activity.toml:12:21",
            "\"lee\" is already listed in `attendees`",
        ),
    ] {
        assert!(
            err.contains(message) && err.contains(at),
            "{message} at {at}: {err}"
        );
    }
    assert_eq!(err.matches("already listed").count(), 3, "{err}");
}

#[test]
fn shipped_candidates_never_demoed_are_reported() {
    let demo = |features: &[&str]| {
        format!(
            "[[demo]]\ndate = 2026-11-02\ntitle = \"Demo of {}\"\npresenter = \"ana\"\nfeatures = [{}]\n\n",
            features.join(", "),
            features
                .iter()
                .map(|f| format!("\"{f}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let s = site(
        &[
            feature("shipped-demoed", "shipped", ""),
            feature("shipped-silent", "shipped", ""),
            feature("building-silent", "in-progress", ""),
            feature("dropped-silent", "dropped", ""),
        ],
        &[
            demo(&["shipped-demoed"]),
            demo(&["building-silent", "shipped-demoed"]),
        ],
    );
    let m = model(&s);
    assert_eq!(m.coverage.undemoed_shipped, ids(&["shipped-silent"]));
    assert_eq!(get(&m, "shipped-demoed").demos.len(), 2);
    assert_eq!(get(&m, "building-silent").demos.len(), 1);
    assert!(get(&m, "shipped-silent").demos.is_empty());
}

// --- Through the binary: SOURCE_DATE_EPOCH and /data.json ---------------

/// The part of `page` from the heading with id `heading` to the end of its
/// `<section>`.
fn section_of<'p>(page: &'p str, heading: &str) -> &'p str {
    page.split(&format!("id=\"{heading}\""))
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .unwrap_or_else(|| panic!("no section {heading} in {page}"))
}

fn build_json(site: &Fixture, epoch: &str) -> Value {
    let out = assert_cmd::Command::cargo_bin("tandem")
        .unwrap()
        .args(["build", "--root"])
        .arg(site.root())
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&site.read("public/data.json")).expect("data.json is JSON")
}

fn candidate<'v>(json: &'v Value, id: &str) -> &'v Value {
    json["model"]["candidates"]
        .as_array()
        .expect("candidates array")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in data.json"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn data_json_derives_overdue_and_dissent_from_source_date_epoch() {
    let s = site(
        &[
            feature("day-14", "refinement", &ended(14)),
            feature("day-15", "refinement", &ended(15)),
            feature("scored", "planned", ""),
        ],
        &[
            score("scored", "ana", 2, 3),
            score("scored", "pia", 4, 4),
            score("scored", "raj", 7, 5),
            score("scored", "lee", 9, 6),
            checkin("scored", "2026-10-01", "feasibility", &["No."]),
            checkin("scored", "2026-10-08", "refinement", &[]),
            checkin("scored", "2026-10-15", "planning", &[]),
        ],
    );
    let json = build_json(&s, EPOCH);
    assert_eq!(json["schema"], "tandem-data");
    assert_eq!(json["today"], "2026-11-25", "SOURCE_DATE_EPOCH is today");
    assert_eq!(json["checkins"]["due_within_days"], 14);
    let coverage = &json["model"]["coverage"];
    assert_eq!(
        strings(&coverage["needs_checkin"]),
        ids(&["day-15", "day-14"])
    );
    assert_eq!(strings(&coverage["overdue"]), ids(&["day-15"]));
    assert_eq!(candidate(&json, "day-14")["days_since_discovery"], 14);
    assert_eq!(candidate(&json, "day-14")["checkin_overdue"], false);
    assert_eq!(candidate(&json, "day-15")["checkin_overdue"], true);

    let dissent = &json["model"]["dissent"];
    assert_eq!(dissent["checkins"], 3);
    assert_eq!(dissent["with_dissent"], 1);
    let rate = dissent["rate"].as_f64().expect("rate is a number");
    assert!((rate - 1.0 / 3.0).abs() < 1e-9, "rate {rate}");

    // Every derived value of a candidate is exported.
    let c = candidate(&json, "scored");
    assert_eq!(c["consensus"]["impact"], 5.5);
    assert_eq!(c["consensus"]["effort"], 4.5);
    assert_eq!(c["consensus_source"], "scores");
    assert_eq!(c["spread"]["impact"], 7);
    assert_eq!(c["spread"]["effort"], 3);
    assert_eq!(c["product_median"]["impact"], 3.0);
    assert_eq!(c["engineering_median"]["impact"], 8.0);
    assert_eq!(c["disagreement"], true);
    assert_eq!(c["quadrant"]["id"], "quick-win");
    assert_eq!(c["priority"], 1);

    // The dissent dashboard states the same rate.
    let page = s.read("public/dashboards/dissent/index.html");
    assert!(page.contains("33.3% overall"), "dissent page shows 33.3%");

    // "This week" asks to schedule both, the overdue one first and flagged.
    let week = s.read("public/this-week/index.html");
    let section = section_of(&week, "schedule-title");
    let (p15, p14) = (
        section.find("/features/day-15/").expect("day-15 listed"),
        section.find("/features/day-14/").expect("day-14 listed"),
    );
    assert!(p15 < p14, "overdue first");
    assert_eq!(section.matches(">Overdue<").count(), 1, "{section}");

    // One day later, day 14 has become day 15: the build reads the epoch,
    // not the clock.
    let next_day = (EPOCH.parse::<i64>().unwrap() + 86_400).to_string();
    let json = build_json(&s, &next_day);
    assert_eq!(json["today"], "2026-11-26");
    assert_eq!(
        strings(&json["model"]["coverage"]["overdue"]),
        ids(&["day-15", "day-14"])
    );
    assert_eq!(candidate(&json, "day-14")["days_since_discovery"], 15);
}

#[test]
fn overview_card_states_the_dissent_rate_as_a_rounded_percentage() {
    let s = site(
        &[feature("a", "planned", "")],
        &[
            checkin("a", "2026-10-01", "feasibility", &["No."]),
            checkin("a", "2026-10-08", "refinement", &[]),
            checkin("a", "2026-10-15", "planning", &[]),
        ],
    );
    let (files, _) = tandem::build::render(&BuildOptions {
        root: s.root().to_path_buf(),
        base_url: None,
        drafts: false,
        today: Some(today()),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let page = files
        .iter()
        .find(|f| f.path == "dashboards/index.html")
        .expect("dashboards overview");
    let html = String::from_utf8_lossy(&page.bytes);
    let card = &html[html
        .find("<h2><a href=\"/dashboards/dissent/\">Dissent</a></h2>")
        .expect("dissent card")..];
    let figure = card
        .split("<p class=\"card__figure\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .expect("the card's figure");
    let value: f64 = figure
        .strip_suffix('%')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a percentage: {figure:?}"));
    assert!(
        (value - 100.0 / 3.0).abs() < 0.5 && figure.len() <= "33.3%".len(),
        "1 of 3 check-ins with dissent should read 33% (or 33.3%), got {figure:?}"
    );
}
