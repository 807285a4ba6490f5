//! The sorting the list state needs, small: the standard library's sorts with a custom
//! comparator cost kilobytes of WebAssembly.

/// Each distinct id with the position of its last occurrence, ascending by id (ids
/// already strictly ascending, as load pages come, are taken as they are).
pub(super) fn last_of_each(ids: impl Iterator<Item = i64>) -> Vec<(i64, usize)> {
    let mut at: Vec<(i64, usize)> = ids.zip(0..).collect();
    if !at.windows(2).all(|w| w[0].0 < w[1].0) {
        heap_sort_by(&mut at, |a, b| a < b);
        at.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                *earlier = *later;
            }
            same
        });
    }
    at
}

/// An in-place heapsort by `less`: O(n log n), and a few hundred bytes of WebAssembly
/// where the standard sorts with a custom comparator cost kilobytes.
pub(super) fn heap_sort_by<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    let mut sift_down = |v: &mut [T], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less(&v[child], &v[child + 1]) {
            child += 1;
        }
        if !less(&v[root], &v[child]) {
            return;
        }
        v.swap(root, child);
        root = child;
    };
    let n = v.len();
    for start in (0..n / 2).rev() {
        sift_down(v, start, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_sort_sorts_by_any_order() {
        let mut rng = crate::sync::SplitMix64::new(3);
        for n in [0, 1, 2, 3, 10, 257] {
            let mut v: Vec<i64> = (0..n).map(|_| (rng.next_u64() % 50) as i64).collect();
            let mut expected = v.clone();
            expected.sort_unstable_by(|a, b| b.cmp(a));
            heap_sort_by(&mut v, |a, b| a > b);
            assert_eq!(v, expected);
        }
    }

    #[test]
    fn the_last_copy_of_each_id_counts() {
        assert_eq!(
            last_of_each([1, 3, 5].into_iter()),
            [(1, 0), (3, 1), (5, 2)]
        );
        assert_eq!(
            last_of_each([4, 2, 4, 2, 9].into_iter()),
            [(2, 3), (4, 2), (9, 4)]
        );
        assert!(last_of_each(std::iter::empty()).is_empty());
    }
}
