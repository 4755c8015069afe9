//! The Impact-vs-Effort matrix as a reader gets it: the built HTML of
//! `/dashboards/matrix/` (and its filtered pages), with the chart parsed as
//! XML. Every expected number below is worked out by hand from the fixture.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{snapshot, stderr, Fixture, EPOCH};
use roxmltree::{Document, Node};

const PEOPLE: &str = r#"
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

/// Consensus by hand (default 1..10 scale, splits at 5.5):
/// - alpha-quick: impacts 6,7,9 -> 7; efforts 2,3,4 -> 3 (quick win, ratio 2.33)
/// - beta-split: impacts 5,6 -> 5.5; efforts 5,6 -> 5.5, exactly on both
///   splits, so a major project
/// - gamma-pit: one score 2/9 (money pit)
/// - delta-even: impacts 2,4,7,9 -> 5.5; efforts 1,2,3,4 -> 2.5 (quick win,
///   ratio 2.2; impact spread 7, so ringed for disagreement)
/// - eps-estimate: no scores, first estimate 3/2 (fill-in)
/// - zeta-unplaced: neither scores nor an estimate: listed, not plotted
/// - eta-shipped, theta-dropped: scored but closed: not on the main matrix
///
/// Priority (the bubble numbers): alpha 1, delta 2, beta 3, eps 4, gamma 5.
const FEATURES: &str = r#"
[[feature]]
id = "alpha-quick"
title = "Alpha quick win"
kind = "feature"
status = "refinement"
discovery_done = 2026-11-20
tags = ["mobile"]

[[feature]]
id = "beta-split"
title = "Beta on both splits"
kind = "tech-debt"
status = "planned"
tags = ["platform"]

[[feature]]
id = "gamma-pit"
title = "Gamma money pit"
kind = "refactor"
status = "in-progress"
tags = ["mobile", "platform"]

[[feature]]
id = "delta-even"
title = "Delta even count"
kind = "scalability"
status = "discovery"

[[feature]]
id = "eps-estimate"
title = "Eps first estimate"
kind = "bug"
status = "refinement"
impact = 3
effort = 2

[[feature]]
id = "zeta-unplaced"
title = "Zeta not placed"
kind = "feature"
status = "discovery"

[[feature]]
id = "eta-shipped"
title = "Eta shipped"
kind = "feature"
status = "shipped"
tags = ["mobile"]

[[feature]]
id = "theta-dropped"
title = "Theta dropped"
kind = "feature"
status = "dropped"
tags = ["platform"]
"#;

const SCORES: &str = r#"
[[score]]
feature = "alpha-quick"
by = "ana"
impact = 6
effort = 2

[[score]]
feature = "alpha-quick"
by = "raj"
impact = 7
effort = 3

[[score]]
feature = "alpha-quick"
by = "lee"
impact = 9
effort = 4

[[score]]
feature = "beta-split"
by = "dee"
impact = 5
effort = 5

[[score]]
feature = "beta-split"
by = "ola"
impact = 6
effort = 6

[[score]]
feature = "gamma-pit"
by = "raj"
impact = 2
effort = 9

[[score]]
feature = "delta-even"
by = "ana"
impact = 2
effort = 1

[[score]]
feature = "delta-even"
by = "raj"
impact = 4
effort = 2

[[score]]
feature = "delta-even"
by = "lee"
impact = 7
effort = 3

[[score]]
feature = "delta-even"
by = "dee"
impact = 9
effort = 4

[[score]]
feature = "eta-shipped"
by = "ana"
impact = 8
effort = 2

[[score]]
feature = "theta-dropped"
by = "raj"
impact = 4
effort = 6
"#;

/// What a bubble should be: id, priority number, impact, effort, kind class,
/// number of scores.
struct Expected {
    id: &'static str,
    number: usize,
    impact: f64,
    effort: f64,
    kind: &'static str,
    scores: usize,
}

const MAIN: &[Expected] = &[
    Expected {
        id: "alpha-quick",
        number: 1,
        impact: 7.0,
        effort: 3.0,
        kind: "feature",
        scores: 3,
    },
    Expected {
        id: "delta-even",
        number: 2,
        impact: 5.5,
        effort: 2.5,
        kind: "scalability",
        scores: 4,
    },
    Expected {
        id: "beta-split",
        number: 3,
        impact: 5.5,
        effort: 5.5,
        kind: "tech-debt",
        scores: 2,
    },
    Expected {
        id: "eps-estimate",
        number: 4,
        impact: 3.0,
        effort: 2.0,
        kind: "bug",
        scores: 0,
    },
    Expected {
        id: "gamma-pit",
        number: 5,
        impact: 2.0,
        effort: 9.0,
        kind: "refactor",
        scores: 1,
    },
];

/// A site with the candidates above, built with the binary into public/.
fn matrix_site() -> Fixture {
    let site = Fixture::new();
    site.write("data/people.toml", PEOPLE);
    site.write("data/features.toml", FEATURES);
    site.write("data/activity.toml", SCORES);
    let out = site.build();
    assert!(out.status.success(), "build failed: {}", stderr(&out));
    site
}

/// The block holding chart `id` (its figure and its data table), cut out of
/// the page. The theme writes it as well-formed markup, so it parses as XML.
fn figure(html: &str, id: &str) -> String {
    let open = format!("<div class=\"chart-block\" id=\"{id}\">");
    let start = html
        .find(&open)
        .unwrap_or_else(|| panic!("no chart block {id:?} in page"));
    // Find the matching </div> by counting nested divs.
    let mut depth = 0usize;
    let mut at = start;
    loop {
        let next_open = html[at..].find("<div").map(|i| i + at);
        let next_close = html[at..]
            .find("</div>")
            .map(|i| i + at)
            .expect("chart block is closed");
        match next_open {
            Some(o) if o < next_close => {
                depth += 1;
                at = o + 4;
            }
            _ => {
                depth -= 1;
                at = next_close + "</div>".len();
                if depth == 0 {
                    return html[start..at].to_string();
                }
            }
        }
    }
}

/// The first chart `<svg>` of a page, as its own XML document text.
fn chart_svg(html: &str) -> String {
    let start = html
        .find("<svg xmlns=\"http://www.w3.org/2000/svg\"")
        .expect("the page has a chart svg");
    let end = html[start..].find("</svg>").expect("svg is closed") + start;
    html[start..end + "</svg>".len()].to_string()
}

fn has_class(node: Node, class: &str) -> bool {
    node.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|t| t == class))
}

fn num_attr(node: Node, name: &str) -> f64 {
    node.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name}", node.tag_name().name()))
        .parse()
        .unwrap_or_else(|e| panic!("{name} is not a number: {e}"))
}

fn text_of(node: Node) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<String>()
        .trim()
        .to_string()
}

/// Pixel calibration of the plot: x of effort 1 and effort max, y of impact 1
/// and impact max, from `<g class="bubbles">`.
struct Calibration {
    x1: f64,
    xmax: f64,
    y1: f64,
    ymax: f64,
}

impl Calibration {
    fn of(doc: &Document) -> Calibration {
        let g = doc
            .descendants()
            .find(|n| n.has_tag_name("g") && has_class(*n, "bubbles"))
            .expect("<g class=\"bubbles\"> with the calibration");
        Calibration {
            x1: num_attr(g, "data-effort-1"),
            xmax: num_attr(g, "data-effort-max"),
            y1: num_attr(g, "data-impact-1"),
            ymax: num_attr(g, "data-impact-max"),
        }
    }

    fn x(&self, effort: f64, effort_max: f64) -> f64 {
        self.x1 + (effort - 1.0) * (self.xmax - self.x1) / (effort_max - 1.0)
    }

    fn y(&self, impact: f64, impact_max: f64) -> f64 {
        self.y1 + (impact - 1.0) * (self.ymax - self.y1) / (impact_max - 1.0)
    }
}

/// One bubble as drawn: its circle, the `<a>` around it.
struct Bubble<'a, 'input> {
    circle: Node<'a, 'input>,
    link: Node<'a, 'input>,
}

fn bubbles<'a, 'input>(doc: &'a Document<'input>) -> BTreeMap<String, Bubble<'a, 'input>> {
    let mut out = BTreeMap::new();
    for circle in doc
        .descendants()
        .filter(|n| n.has_tag_name("circle") && has_class(*n, "bubble"))
    {
        let id = circle
            .attribute("data-id")
            .expect("bubble has data-id")
            .to_string();
        let link = circle.parent_element().expect("bubble has a parent");
        let previous = out.insert(id.clone(), Bubble { circle, link });
        assert!(previous.is_none(), "two bubbles for {id}");
    }
    out
}

fn bubble_ids(html: &str) -> BTreeSet<String> {
    let svg = chart_svg(html);
    let doc = Document::parse(&svg).expect("matrix svg is well-formed XML");
    bubbles(&doc).into_keys().collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn matrix_has_one_bubble_per_placed_open_candidate_at_its_consensus() {
    let site = matrix_site();
    let html = site.read("public/dashboards/matrix/index.html");
    let svg = chart_svg(&html);
    let doc = Document::parse(&svg).expect("matrix svg is well-formed XML");
    let cal = Calibration::of(&doc);
    let found = bubbles(&doc);

    let expected_ids: BTreeSet<String> = MAIN.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(
        found.keys().cloned().collect::<BTreeSet<_>>(),
        expected_ids,
        "exactly one bubble per open candidate with scores or an estimate; \
         none for the unplaced, shipped or dropped ones"
    );

    for e in MAIN {
        let b = &found[e.id];
        let (cx, cy) = (num_attr(b.circle, "cx"), num_attr(b.circle, "cy"));
        let (want_x, want_y) = (cal.x(e.effort, 10.0), cal.y(e.impact, 10.0));
        // plotters snaps both the calibration points and the centres to
        // whole pixels (flooring), so they can disagree by just under 1 px;
        // see `bubble_centres_are_within_0_6_px_of_the_calibrated_position`.
        assert!(
            (cx - want_x).abs() < 1.0 && (cy - want_y).abs() < 1.0,
            "{}: bubble at ({cx}, {cy}), expected ({want_x:.2}, {want_y:.2}) for effort {} impact {}",
            e.id,
            e.effort,
            e.impact
        );
        assert_eq!(num_attr(b.circle, "data-impact"), e.impact, "{}", e.id);
        assert_eq!(num_attr(b.circle, "data-effort"), e.effort, "{}", e.id);
        assert!(
            has_class(b.circle, &format!("f-kind-{}", e.kind)),
            "{}: coloured by kind {}: {:?}",
            e.id,
            e.kind,
            b.circle.attribute("class")
        );

        // The bubble is a link to the feature page, with a tooltip.
        assert!(b.link.has_tag_name("a"), "{}: bubble not inside <a>", e.id);
        assert_eq!(
            b.link.attribute("href"),
            Some(format!("/features/{}/", e.id).as_str()),
            "{}: link to the feature page",
            e.id
        );
        let tooltip = b
            .link
            .children()
            .find(|n| n.has_tag_name("title"))
            .map(text_of)
            .unwrap_or_else(|| panic!("{}: bubble has no <title> tooltip", e.id));
        let impact = common_num(e.impact);
        let effort = common_num(e.effort);
        assert!(
            tooltip.starts_with(&format!("#{} ", e.number))
                && tooltip.contains(&format!("impact {impact}, effort {effort}")),
            "{}: tooltip {tooltip:?}",
            e.id
        );
        // The short label is the priority number, drawn on the bubble.
        let label = b
            .link
            .children()
            .find(|n| n.has_tag_name("text") && has_class(*n, "bubble-label"))
            .map(text_of);
        assert_eq!(label, Some(e.number.to_string()), "{}: label", e.id);
    }
}

/// `5.5` or `7`, as the chart prints numbers.
fn common_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

#[test]
fn bubble_centres_are_within_0_6_px_of_the_calibrated_position() {
    let site = matrix_site();
    let svg = chart_svg(&site.read("public/dashboards/matrix/index.html"));
    let doc = Document::parse(&svg).unwrap();
    let cal = Calibration::of(&doc);
    let found = bubbles(&doc);
    let off: Vec<String> = MAIN
        .iter()
        .filter_map(|e| {
            let c = found[e.id].circle;
            let dx = num_attr(c, "cx") - cal.x(e.effort, 10.0);
            let dy = num_attr(c, "cy") - cal.y(e.impact, 10.0);
            (dx.abs() > 0.6 || dy.abs() > 0.6)
                .then(|| format!("{}: off by ({dx:.2}, {dy:.2})", e.id))
        })
        .collect();
    assert!(off.is_empty(), "{off:?}");
}

#[test]
fn bubble_size_grows_with_the_number_of_scores() {
    let site = matrix_site();
    let svg = chart_svg(&site.read("public/dashboards/matrix/index.html"));
    let doc = Document::parse(&svg).unwrap();
    let found = bubbles(&doc);
    let mut by_scores: Vec<(usize, f64, &str)> = MAIN
        .iter()
        .map(|e| (e.scores, num_attr(found[e.id].circle, "r"), e.id))
        .collect();
    by_scores.sort_by_key(|b| b.0);
    for pair in by_scores.windows(2) {
        assert!(
            pair[1].1 > pair[0].1,
            "{} ({} scores, r={}) should be larger than {} ({} scores, r={})",
            pair[1].2,
            pair[1].0,
            pair[1].1,
            pair[0].2,
            pair[0].0,
            pair[0].1
        );
    }
}

#[test]
fn only_candidates_flagged_for_disagreement_are_ringed() {
    let site = matrix_site();
    let svg = chart_svg(&site.read("public/dashboards/matrix/index.html"));
    let doc = Document::parse(&svg).unwrap();
    for (id, b) in bubbles(&doc) {
        let rings: Vec<Node> = b
            .link
            .children()
            .filter(|n| n.has_tag_name("circle") && has_class(*n, "ring"))
            .collect();
        // delta-even: impacts 2..9 spread by 7 >= 4. No other one reaches the
        // threshold or a product/engineering gap of 3.
        let want = usize::from(id == "delta-even");
        assert_eq!(rings.len(), want, "{id}: rings");
        for ring in rings {
            assert_eq!(ring.attribute("cx"), b.circle.attribute("cx"));
            assert_eq!(ring.attribute("cy"), b.circle.attribute("cy"));
            assert!(num_attr(ring, "r") > num_attr(b.circle, "r"));
        }
    }
}

#[test]
fn matrix_names_its_quadrants_and_is_labelled_for_screen_readers() {
    let site = matrix_site();
    let svg = chart_svg(&site.read("public/dashboards/matrix/index.html"));
    let doc = Document::parse(&svg).unwrap();
    let root = doc.root_element();
    assert!(root.has_tag_name("svg"));
    // Its dots are links to the candidates: an `img` would hide them from
    // assistive technology, a `group` keeps them (named by the same title
    // and description).
    assert_eq!(root.attribute("role"), Some("group"));
    assert!(doc.descendants().any(|n| n.has_tag_name("a")));
    assert_eq!(
        root.attribute("aria-labelledby"),
        Some("matrix-title matrix-desc")
    );

    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(text_of)
        .collect();
    for label in ["Quick wins", "Major projects", "Fill-ins", "Money pits"] {
        assert_eq!(
            texts.iter().filter(|t| *t == label).count(),
            1,
            "quadrant label {label:?} drawn once as <text>; texts: {texts:?}"
        );
    }

    let labelledby: Vec<&str> = root
        .attribute("aria-labelledby")
        .expect("svg has aria-labelledby")
        .split_whitespace()
        .collect();
    assert_eq!(labelledby.len(), 2, "title and desc: {labelledby:?}");
    let by_id = |id: &str| {
        root.children()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap_or_else(|| panic!("aria-labelledby names {id:?}, not a child of the svg"))
    };
    let title = by_id(labelledby[0]);
    let desc = by_id(labelledby[1]);
    assert!(title.has_tag_name("title"), "first label is the <title>");
    assert!(desc.has_tag_name("desc"), "second label is the <desc>");
    assert_eq!(text_of(title), "Impact vs effort");
    // The description counts what is drawn: 5 candidates, 2 quick wins, 1 of
    // each other quadrant, 1 flagged.
    let desc = text_of(desc);
    assert!(desc.contains("5 candidates"), "{desc}");
    assert!(desc.contains("2 quick win"), "{desc}");
    assert!(desc.contains("1 flagged"), "{desc}");
}

#[test]
fn matrix_description_pluralises_quadrant_counts() {
    let site = matrix_site();
    let svg = chart_svg(&site.read("public/dashboards/matrix/index.html"));
    let doc = Document::parse(&svg).unwrap();
    let desc = doc
        .descendants()
        .find(|n| n.has_tag_name("desc"))
        .map(text_of)
        .unwrap();
    assert!(
        desc.contains("2 quick wins, 1 major project, 1 fill-in, 1 money pit"),
        "{desc}"
    );
}

#[test]
fn matrix_has_a_data_table_beside_it_with_one_row_per_bubble() {
    let site = matrix_site();
    let html = site.read("public/dashboards/matrix/index.html");
    let figure = figure(&html, "matrix");
    let doc = Document::parse(&figure).expect("chart figure is well-formed markup");
    let svg = doc
        .descendants()
        .find(|n| n.has_tag_name("svg"))
        .expect("svg in the figure");
    let drawn = bubbles(&doc);
    assert!(svg.descendants().any(|n| has_class(n, "bubble")));

    let table = doc
        .descendants()
        .find(|n| n.has_tag_name("table"))
        .expect("a data table in the same figure as the chart");
    let rows: Vec<Node> = table
        .descendants()
        .filter(|n| n.has_tag_name("tbody"))
        .flat_map(|b| b.children().filter(|n| n.has_tag_name("tr")))
        .collect();
    assert_eq!(rows.len(), drawn.len(), "one table row per bubble");
    assert_eq!(rows.len(), MAIN.len());

    let header: Vec<String> = table
        .descendants()
        .filter(|n| n.has_tag_name("thead"))
        .flat_map(|h| h.descendants().filter(|n| n.has_tag_name("th")))
        .map(text_of)
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name:?} in {header:?}"))
    };
    let (c_num, c_name, c_impact, c_effort) = (
        column("#"),
        column("Candidate"),
        column("Impact"),
        column("Effort"),
    );
    for (row, e) in rows.iter().zip(MAIN) {
        let cells: Vec<Node> = row
            .children()
            .filter(|n| n.has_tag_name("td") || n.has_tag_name("th"))
            .collect();
        assert_eq!(text_of(cells[c_num]), e.number.to_string());
        let link = cells[c_name]
            .descendants()
            .find(|n| n.has_tag_name("a"))
            .expect("candidate cell links to the feature");
        assert_eq!(
            link.attribute("href"),
            drawn[e.id].link.attribute("href"),
            "row {} links where its bubble does",
            e.number
        );
        assert_eq!(text_of(cells[c_impact]), common_num(e.impact), "{}", e.id);
        assert_eq!(text_of(cells[c_effort]), common_num(e.effort), "{}", e.id);
    }
}

#[test]
fn unplaced_candidates_are_listed_under_the_matrix_not_drawn() {
    let site = matrix_site();
    let html = site.read("public/dashboards/matrix/index.html");
    assert!(!bubble_ids(&html).contains("zeta-unplaced"));
    let section_start = html
        .find("Not on the matrix yet")
        .expect("a list of unplaced candidates");
    let section = &html[section_start..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(
        section.contains("href=\"/features/zeta-unplaced/\""),
        "{section}"
    );
    for e in MAIN {
        assert!(!section.contains(e.id), "{} is placed, not listed", e.id);
    }
}

#[test]
fn tag_and_status_pages_show_only_their_candidates() {
    let site = matrix_site();
    let page = |path: &str| {
        let file = format!("public/dashboards/matrix/{path}/index.html");
        assert!(site.path(&file).is_file(), "{file} missing");
        site.read(&file)
    };
    // Tag pages hold open candidates with the tag: eta-shipped and
    // theta-dropped carry tags too but are closed.
    assert_eq!(
        bubble_ids(&page("tags/mobile")),
        set(&["alpha-quick", "gamma-pit"])
    );
    assert_eq!(
        bubble_ids(&page("tags/platform")),
        set(&["beta-split", "gamma-pit"])
    );
    // Status groups: discovery+refinement, planned+in-progress, shipped,
    // dropped.
    assert_eq!(
        bubble_ids(&page("status/exploring")),
        set(&["alpha-quick", "delta-even", "eps-estimate"])
    );
    assert_eq!(
        bubble_ids(&page("status/committed")),
        set(&["beta-split", "gamma-pit"])
    );
    assert_eq!(bubble_ids(&page("status/shipped")), set(&["eta-shipped"]));
    assert_eq!(bubble_ids(&page("status/dropped")), set(&["theta-dropped"]));
    // The unplaced discovery candidate is listed on its status page.
    assert!(page("status/exploring").contains("href=\"/features/zeta-unplaced/\""));

    // The main matrix links to every filtered page.
    let main = site.read("public/dashboards/matrix/index.html");
    for path in [
        "tags/mobile",
        "tags/platform",
        "status/exploring",
        "status/committed",
        "status/shipped",
        "status/dropped",
    ] {
        assert!(
            main.contains(&format!("href=\"/dashboards/matrix/{path}/\"")),
            "main matrix links to {path}"
        );
    }
}

#[test]
fn filtered_page_bubbles_are_positioned_like_on_the_main_matrix() {
    let site = matrix_site();
    let svg = chart_svg(&site.read("public/dashboards/matrix/status/shipped/index.html"));
    let doc = Document::parse(&svg).unwrap();
    let cal = Calibration::of(&doc);
    let b = &bubbles(&doc)["eta-shipped"];
    // One score: impact 8, effort 2.
    assert!((num_attr(b.circle, "cx") - cal.x(2.0, 10.0)).abs() <= 0.6);
    assert!((num_attr(b.circle, "cy") - cal.y(8.0, 10.0)).abs() <= 0.6);
}

#[test]
fn custom_scale_and_splits_move_bubbles_and_boundary_lines() {
    let site = Fixture::new();
    site.write(
        "tandem.toml",
        "title = \"Scaled\"\n[matrix]\nimpact_max = 5\neffort_max = 20\nimpact_split = 2\neffort_split = 15\n",
    );
    site.write("data/people.toml", PEOPLE);
    site.write(
        "data/features.toml",
        r#"
[[feature]]
id = "wide"
title = "Wide"
kind = "feature"
status = "planned"

[[feature]]
id = "low"
title = "Low"
kind = "bug"
status = "planned"
impact = 1
effort = 20
"#,
    );
    // wide: impacts 4,5 -> 4.5, efforts 13,16 -> 14.5
    site.write(
        "data/activity.toml",
        r#"
[[score]]
feature = "wide"
by = "ana"
impact = 4
effort = 13

[[score]]
feature = "wide"
by = "raj"
impact = 5
effort = 16
"#,
    );
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = chart_svg(&site.read("public/dashboards/matrix/index.html"));
    let doc = Document::parse(&svg).unwrap();
    let cal = Calibration::of(&doc);
    let found = bubbles(&doc);
    for (id, impact, effort) in [("wide", 4.5, 14.5), ("low", 1.0, 20.0)] {
        let c = found[id].circle;
        let (cx, cy) = (num_attr(c, "cx"), num_attr(c, "cy"));
        let (x, y) = (cal.x(effort, 20.0), cal.y(impact, 5.0));
        assert!(
            (cx - x).abs() <= 0.6 && (cy - y).abs() <= 0.6,
            "{id}: ({cx}, {cy}) expected ({x:.2}, {y:.2})"
        );
    }
    // The boundary lines: one vertical at effort 15, one horizontal at
    // impact 2, drawn as 2px polylines.
    let lines: Vec<Vec<(f64, f64)>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke-width") == Some("2"))
        .map(|n| {
            n.attribute("points")
                .unwrap()
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect();
    let split_x = cal.x(15.0, 20.0);
    let split_y = cal.y(2.0, 5.0);
    assert!(
        lines
            .iter()
            .any(|l| l.len() == 2 && l.iter().all(|p| (p.0 - split_x).abs() <= 1.0)),
        "vertical boundary at x≈{split_x:.1}: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.len() == 2 && l.iter().all(|p| (p.1 - split_y).abs() <= 1.0)),
        "horizontal boundary at y≈{split_y:.1}: {lines:?}"
    );
}

#[test]
fn a_site_without_candidates_builds_and_shows_an_empty_state() {
    let site = Fixture::new();
    site.write("data/features.toml", "");
    site.write("data/activity.toml", "");
    let out = site.build();
    assert!(
        out.status.success(),
        "an empty data set must build: {}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));

    let html = site.read("public/dashboards/matrix/index.html");
    assert!(
        !html.contains("<svg xmlns") && !html.contains("class=\"chart\""),
        "no chart svg when there is nothing to draw"
    );
    let figure = figure(&html, "matrix");
    let doc = Document::parse(&figure).expect("empty-state figure is well-formed");
    let note = doc
        .descendants()
        .find(|n| has_class(*n, "chart-empty"))
        .expect("an empty-state note");
    assert_eq!(note.attribute("role"), Some("note"));
    let message = text_of(note);
    assert!(
        message.contains("nothing to place on the matrix"),
        "helpful message: {message:?}"
    );
    assert!(!doc.descendants().any(|n| n.has_tag_name("table")));

    // Every other dashboard renders too, without a drawn chart of no data.
    for page in [
        "dashboards",
        "dashboards/estimates",
        "dashboards/priorities",
        "dashboards/checkins",
        "dashboards/demos",
        "dashboards/dissent",
        "this-week",
    ] {
        let file = format!("public/{page}/index.html");
        assert!(site.path(&file).is_file(), "{file} missing");
    }
    let demos = site.read("public/dashboards/demos/index.html");
    assert!(
        demos.contains("chart-empty"),
        "demos chart shows its empty state"
    );
}

#[test]
fn hostile_titles_are_escaped_in_svg_and_table() {
    // The common fixture's xss-title: `<script>alert('x')</script> & "quotes"`,
    // planned with a first estimate, so it is on the matrix.
    let site = Fixture::new();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let html = site.read("public/dashboards/matrix/index.html");
    assert!(
        !html.contains("<script>alert") && !html.contains("<Script>"),
        "the hostile title and person name never appear as raw markup"
    );
    let title = "<script>alert('x')</script> & \"quotes\"";
    let figure = figure(&html, "matrix");
    let doc = Document::parse(&figure).expect("escaped markup still parses");
    assert!(!doc.descendants().any(|n| n.has_tag_name("script")));
    let drawn = bubbles(&doc);
    let bubble = &drawn["xss-title"];
    let tooltip = bubble
        .link
        .children()
        .find(|n| n.has_tag_name("title"))
        .map(text_of)
        .unwrap();
    assert!(
        tooltip.contains(title),
        "tooltip shows the title as text: {tooltip:?}"
    );
    let cell_link = doc
        .descendants()
        .filter(|n| n.has_tag_name("a"))
        .find(|n| n.attribute("href") == Some("/features/xss-title/") && text_of(*n) == title);
    assert!(
        cell_link.is_some(),
        "the table links the title, shown as text"
    );
}

fn build_into(root: &Path, out: &Path) {
    let result = assert_cmd::Command::cargo_bin("tandem")
        .unwrap()
        .args(["build", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap();
    assert!(result.status.success(), "{}", stderr(&result));
}

fn assert_identical_builds(root: &Path) {
    let outs = tempfile::tempdir().unwrap();
    let (a, b) = (outs.path().join("a"), outs.path().join("b"));
    build_into(root, &a);
    build_into(root, &b);
    let (first, second) = (snapshot(&a), snapshot(&b));
    assert!(first.len() > 10, "a real site was built");
    let names = |s: &[(std::path::PathBuf, Vec<u8>)]| -> Vec<_> {
        s.iter().map(|(p, _)| p.clone()).collect()
    };
    assert_eq!(names(&first), names(&second), "same files");
    for ((path, x), (_, y)) in first.iter().zip(&second) {
        assert!(x == y, "{} differs between two builds", path.display());
    }
}

#[test]
fn building_twice_gives_byte_identical_output() {
    let site = matrix_site();
    assert_identical_builds(site.root());
}

#[test]
fn the_example_site_builds_byte_identically_twice() {
    assert_identical_builds(Path::new(env!("CARGO_MANIFEST_DIR")));
}

/// Charts follow the light and dark theme: every colour plotters or the
/// overlay hard-codes is also named by a class that `charts.css` restyles,
/// on every chart of every dashboard of the example site.
#[test]
fn every_chart_colour_has_a_theme_class_for_dark_mode() {
    let css = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/static/charts.css"),
    )
    .unwrap();
    // Classes the stylesheet restyles: `.chart .f-ink { fill: ... }` and
    // `.chart polyline.s-muted { stroke: ... }`.
    let styled: BTreeSet<String> = css
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .filter_map(|token| {
            let class = token.rsplit('.').next()?;
            let styled =
                (class.starts_with("f-") || class.starts_with("s-")) && token.contains('.');
            styled.then(|| class.to_string())
        })
        .collect();
    assert!(styled.contains("f-kind-feature") && styled.contains("s-muted"));

    let (files, _) = tandem::build::render(&tandem::site::BuildOptions {
        root: Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf(),
        base_url: None,
        drafts: false,
        today: tandem::calendar::Date::from_ymd(2026, 11, 25),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let mut problems = BTreeSet::new();
    let (mut charts, mut coloured) = (0, 0);
    for file in files.iter().filter(|f| {
        f.path.ends_with(".html")
            && (f.path.starts_with("dashboards/") || f.path == "this-week/index.html")
    }) {
        let html = String::from_utf8_lossy(&file.bytes);
        let mut rest: &str = &html;
        while let Some(start) = rest.find("<svg xmlns=\"http://www.w3.org/2000/svg\"") {
            let end = rest[start..].find("</svg>").unwrap() + start + "</svg>".len();
            let svg = &rest[start..end];
            rest = &rest[end..];
            charts += 1;
            let doc = Document::parse(svg)
                .unwrap_or_else(|e| panic!("{}: chart is not well-formed: {e}", file.path));
            for node in doc.descendants().filter(|n| n.is_element()) {
                for (attr, prefix) in [("fill", "f-"), ("stroke", "s-")] {
                    let Some(colour) = node.attribute(attr) else {
                        continue;
                    };
                    if !colour.starts_with('#') {
                        continue;
                    }
                    coloured += 1;
                    let classes: Vec<&str> = node
                        .attribute("class")
                        .unwrap_or("")
                        .split_whitespace()
                        .collect();
                    let themed = classes
                        .iter()
                        .any(|c| c.starts_with(prefix) && styled.contains(*c));
                    // White numbers on a coloured bubble read in both
                    // schemes; the bubble outline is `.chart circle.bubble`.
                    let exempt = (classes.contains(&"bubble-label") && attr == "fill")
                        || (classes.contains(&"bubble") && attr == "stroke");
                    if !themed && !exempt {
                        problems.insert(format!(
                            "<{} class={:?}> has {attr}={colour} that dark mode cannot restyle",
                            node.tag_name().name(),
                            node.attribute("class").unwrap_or("")
                        ));
                    }
                }
            }
        }
    }
    assert!(charts >= 8, "only {charts} charts found");
    assert!(coloured > 100, "only {coloured} coloured elements checked");
    assert!(problems.is_empty(), "{problems:#?}");
}
