//! The four quadrants of the Impact-vs-Effort matrix and the priority order.

use std::cmp::Ordering;

use serde::Serialize;

use super::consensus::Point;
use crate::config::MatrixConfig;

/// Declared in priority order: quick wins first, money pits last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quadrant {
    QuickWin,
    MajorProject,
    FillIn,
    MoneyPit,
}

impl Quadrant {
    pub const ALL: [Quadrant; 4] = [
        Quadrant::QuickWin,
        Quadrant::MajorProject,
        Quadrant::FillIn,
        Quadrant::MoneyPit,
    ];

    /// A value exactly on a split counts as high: a candidate scored at the
    /// boundary is treated as the bigger of the two, which is the cautious
    /// reading for effort and the generous one for impact.
    pub fn of(point: Point, matrix: &MatrixConfig) -> Quadrant {
        let high_impact = point.impact >= matrix.impact_split;
        let high_effort = point.effort >= matrix.effort_split;
        match (high_impact, high_effort) {
            (true, false) => Quadrant::QuickWin,
            (true, true) => Quadrant::MajorProject,
            (false, false) => Quadrant::FillIn,
            (false, true) => Quadrant::MoneyPit,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Quadrant::QuickWin => "quick-win",
            Quadrant::MajorProject => "major-project",
            Quadrant::FillIn => "fill-in",
            Quadrant::MoneyPit => "money-pit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Quadrant::QuickWin => "Quick win",
            Quadrant::MajorProject => "Major project",
            Quadrant::FillIn => "Fill-in",
            Quadrant::MoneyPit => "Money pit",
        }
    }

    pub fn advice(self) -> &'static str {
        match self {
            Quadrant::QuickWin => "High impact, low effort: do these first.",
            Quadrant::MajorProject => "High impact, high effort: plan and staff them deliberately.",
            Quadrant::FillIn => "Low impact, low effort: pick up between larger pieces.",
            Quadrant::MoneyPit => "Low impact, high effort: question them before committing.",
        }
    }
}

impl Serialize for Quadrant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Quadrant", 3)?;
        st.serialize_field("id", self.id())?;
        st.serialize_field("label", self.label())?;
        st.serialize_field("advice", self.advice())?;
        st.end()
    }
}

/// Priority order: quadrant, then impact/effort ratio (higher first), then
/// id, so that ties always fall the same way.
pub fn priority_cmp(a: (Quadrant, Point, &str), b: (Quadrant, Point, &str)) -> Ordering {
    let ratio = |p: Point| p.impact / p.effort;
    a.0.cmp(&b.0)
        .then_with(|| ratio(b.1).total_cmp(&ratio(a.1)))
        .then_with(|| a.2.cmp(b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix() -> MatrixConfig {
        MatrixConfig {
            impact_max: 10,
            effort_max: 10,
            impact_split: 5.5,
            effort_split: 5.5,
            disagreement: 4,
        }
    }

    #[test]
    fn a_point_exactly_on_a_split_counts_as_high() {
        let m = matrix();
        assert_eq!(
            Quadrant::of(
                Point {
                    impact: 5.5,
                    effort: 5.0
                },
                &m
            ),
            Quadrant::QuickWin
        );
        assert_eq!(
            Quadrant::of(
                Point {
                    impact: 5.0,
                    effort: 5.5
                },
                &m
            ),
            Quadrant::MoneyPit
        );
        assert_eq!(
            Quadrant::of(
                Point {
                    impact: 5.5,
                    effort: 5.5
                },
                &m
            ),
            Quadrant::MajorProject
        );
        assert_eq!(
            Quadrant::of(
                Point {
                    impact: 5.0,
                    effort: 5.0
                },
                &m
            ),
            Quadrant::FillIn
        );
    }

    #[test]
    fn ties_in_quadrant_and_ratio_fall_back_to_id() {
        let p = Point {
            impact: 8.0,
            effort: 4.0,
        };
        let same_ratio = Point {
            impact: 6.0,
            effort: 3.0,
        };
        assert_eq!(
            priority_cmp(
                (Quadrant::QuickWin, p, "b"),
                (Quadrant::QuickWin, same_ratio, "a")
            ),
            Ordering::Greater
        );
        let better = Point {
            impact: 9.0,
            effort: 2.0,
        };
        assert_eq!(
            priority_cmp(
                (Quadrant::QuickWin, p, "a"),
                (Quadrant::QuickWin, better, "z")
            ),
            Ordering::Greater
        );
        assert_eq!(
            priority_cmp(
                (Quadrant::MajorProject, better, "a"),
                (Quadrant::QuickWin, p, "z")
            ),
            Ordering::Greater
        );
    }
}
