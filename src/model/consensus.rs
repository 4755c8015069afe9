//! Consensus, spread and disagreement of a candidate's scores.

use serde::Serialize;

use crate::config::MatrixConfig;

/// A position on the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    pub impact: f64,
    pub effort: f64,
}

/// The median of `values`; the mean of the two middle values for an even
/// count. `None` for no values.
pub fn median(values: &[u32]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
    }
}

/// Median impact and median effort of a set of (impact, effort) scores.
pub fn median_point(scores: &[(u32, u32)]) -> Option<Point> {
    let impacts: Vec<u32> = scores.iter().map(|s| s.0).collect();
    let efforts: Vec<u32> = scores.iter().map(|s| s.1).collect();
    Some(Point {
        impact: median(&impacts)?,
        effort: median(&efforts)?,
    })
}

/// Max minus min per axis across scorers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Spread {
    pub impact: u32,
    pub effort: u32,
}

pub fn spread(scores: &[(u32, u32)]) -> Option<Spread> {
    let range = |values: &mut dyn Iterator<Item = u32>| {
        let (mut lo, mut hi) = (u32::MAX, 0);
        for v in values {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        hi.saturating_sub(lo)
    };
    if scores.is_empty() {
        return None;
    }
    Some(Spread {
        impact: range(&mut scores.iter().map(|s| s.0)),
        effort: range(&mut scores.iter().map(|s| s.1)),
    })
}

/// Product's and engineering's medians differing by this much on either axis
/// flag a candidate even when the overall spread is below the threshold.
pub const ROLE_GAP: f64 = 3.0;

/// Why a candidate is flagged for refinement; empty when it is not.
pub fn disagreement_reasons(
    spread: Option<Spread>,
    product: Option<Point>,
    engineering: Option<Point>,
    matrix: &MatrixConfig,
) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some(s) = spread {
        if s.impact >= matrix.disagreement {
            reasons.push(format!("impact scores spread by {}", s.impact));
        }
        if s.effort >= matrix.disagreement {
            reasons.push(format!("effort scores spread by {}", s.effort));
        }
    }
    if let (Some(p), Some(e)) = (product, engineering) {
        let impact_gap = (p.impact - e.impact).abs();
        let effort_gap = (p.effort - e.effort).abs();
        if impact_gap >= ROLE_GAP {
            reasons.push(format!(
                "product and engineering impact medians differ by {impact_gap}"
            ));
        }
        if effort_gap >= ROLE_GAP {
            reasons.push(format!(
                "product and engineering effort medians differ by {effort_gap}"
            ));
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_count_is_mean_of_middle_two() {
        assert_eq!(median(&[7, 2, 9, 4]), Some(5.5));
        assert_eq!(median(&[3, 1, 2]), Some(2.0));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn spread_is_max_minus_min_per_axis() {
        assert_eq!(
            spread(&[(2, 9), (8, 3), (5, 5)]),
            Some(Spread {
                impact: 6,
                effort: 6
            })
        );
        assert_eq!(
            spread(&[(4, 4)]),
            Some(Spread {
                impact: 0,
                effort: 0
            })
        );
    }

    #[test]
    fn disagreement_starts_exactly_at_the_threshold() {
        let matrix = MatrixConfig {
            impact_max: 10,
            effort_max: 10,
            impact_split: 5.5,
            effort_split: 5.5,
            disagreement: 4,
        };
        let at = Some(Spread {
            impact: 4,
            effort: 0,
        });
        let below = Some(Spread {
            impact: 3,
            effort: 3,
        });
        assert_eq!(disagreement_reasons(at, None, None, &matrix).len(), 1);
        assert!(disagreement_reasons(below, None, None, &matrix).is_empty());
    }

    #[test]
    fn role_medians_three_apart_are_a_disagreement() {
        let matrix = MatrixConfig {
            impact_max: 10,
            effort_max: 10,
            impact_split: 5.5,
            effort_split: 5.5,
            disagreement: 9,
        };
        let product = Some(Point {
            impact: 7.0,
            effort: 3.0,
        });
        let close = Some(Point {
            impact: 7.0,
            effort: 5.5,
        });
        let far = Some(Point {
            impact: 7.0,
            effort: 6.0,
        });
        assert!(disagreement_reasons(None, product, close, &matrix).is_empty());
        assert_eq!(disagreement_reasons(None, product, far, &matrix).len(), 1);
    }
}
