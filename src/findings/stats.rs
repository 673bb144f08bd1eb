//! Robust statistics for baselines: medians and the median absolute
//! deviation (MAD), which the attack minutes themselves do not inflate while
//! they are a minority.

pub fn median(v: &[u64]) -> f64 {
    select_median(&mut v.to_vec())
}

/// Median and the MAD-based spread of a series.
pub fn baseline(v: &[u64]) -> (f64, f64) {
    // One buffer, reused for the deviations: a series can hold a hundred
    // thousand clients' rates, and fresh memory is not free.
    let mut w = v.to_vec();
    let m = select_median(&mut w);
    for x in &mut w {
        *x = (*x as f64 - m).abs().round() as u64;
    }
    (m, 1.4826 * select_median(&mut w))
}

/// [`baseline`] of a multiset given as (value, times) pairs: a long run of
/// equal values (empty minutes) costs one pair.
pub fn weighted_baseline(mut v: Vec<(u64, u64)>) -> (f64, f64) {
    let m = weighted_median(&mut v);
    let mut dev: Vec<(u64, u64)> = v
        .iter()
        .map(|&(x, w)| ((x as f64 - m).abs().round() as u64, w))
        .collect();
    (m, 1.4826 * weighted_median(&mut dev))
}

/// The median of `v` (reordered), found by selection: a hundred thousand
/// values cost a millisecond, where sorting them cost ten.
fn select_median(v: &mut [u64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    let (below, &mut hi, _) = v.select_nth_unstable(n / 2);
    if n % 2 == 1 {
        hi as f64
    } else {
        let lo = below.iter().copied().max().unwrap_or(hi);
        (lo + hi) as f64 / 2.0
    }
}

/// The median of a multiset given as (value, times) pairs.
fn weighted_median(v: &mut [(u64, u64)]) -> f64 {
    let n: u64 = v.iter().map(|p| p.1).sum();
    v.sort_unstable();
    // The value at 0-based rank `r`.
    let at = |r: u64| {
        let mut seen = 0;
        for &(x, w) in v.iter() {
            seen += w;
            if r < seen {
                return x;
            }
        }
        0
    };
    match n {
        0 => 0.0,
        n if n % 2 == 1 => at(n / 2) as f64,
        n => (at(n / 2 - 1) + at(n / 2)) as f64 / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selected_median_equals_the_sorted_one() {
        let sorted = |v: &[u64]| {
            let mut s = v.to_vec();
            s.sort_unstable();
            let n = s.len();
            match n {
                0 => 0.0,
                n if n % 2 == 1 => s[n / 2] as f64,
                n => (s[n / 2 - 1] + s[n / 2]) as f64 / 2.0,
            }
        };
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for n in 0..200 {
            let v: Vec<u64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x % 17
                })
                .collect();
            assert_eq!(median(&v), sorted(&v), "{v:?}");
            let unit: Vec<(u64, u64)> = v.iter().map(|&x| (x, 1)).collect();
            assert_eq!(baseline(&v), weighted_baseline(unit), "{v:?}");
            // Weights: the same answer as the values written out.
            let mut w: Vec<(u64, u64)> = v.iter().map(|&x| (x, 1)).collect();
            w.push((0, 2));
            w.push((u64::from(n as u8 % 17), 2));
            let mut flat = v.clone();
            flat.extend([0, 0, w[w.len() - 1].0, w[w.len() - 1].0]);
            assert_eq!(weighted_median(&mut w), sorted(&flat));
        }
    }
}
