//! When something was seen: how often, first, last, and first answered 2xx.

/// How often something was seen, when first and last, and when first with a 2xx.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    pub count: u64,
    /// Epoch seconds; `i64::MAX` / `i64::MIN` while unknown.
    pub first: i64,
    pub last: i64,
    pub first_success: i64,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            count: 0,
            first: i64::MAX,
            last: i64::MIN,
            first_success: i64::MAX,
        }
    }
}

impl Seen {
    pub fn hit(&mut self, ts: Option<i64>, success: bool) {
        self.count += 1;
        if let Some(t) = ts {
            self.first = self.first.min(t);
            self.last = self.last.max(t);
            if success {
                self.first_success = self.first_success.min(t);
            }
        }
    }

    pub fn merge(&mut self, o: &Seen) {
        self.count += o.count;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.first_success = self.first_success.min(o.first_success);
    }
}
