//! A process's in-memory cache of a table (the matching index of fact-checks, the claim index
//! for duplicates): a cache of PostgreSQL, not a second source of truth. Rows carry the
//! transaction that last wrote them (`change_xid`); before each use the cache applies the rows
//! written from its last look on. Every transaction older than the snapshot's xmin has
//! finished, so the next look starts there and nothing committed is ever missed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Rows read per statement while loading, so a first load of 100,000 never holds them all.
pub const LOAD_PAGE: i64 = 4096;

#[derive(Default)]
pub struct TableCache<T> {
    /// Held while refreshing (refreshes must apply in order): the xmin to look from next.
    look_from: tokio::sync::Mutex<u64>,
    data: RwLock<T>,
}

impl<T> TableCache<T> {
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        // A panic while writing leaves at worst a stale entry; the next refresh rewrites it.
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.data.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts applying the rows written from the last look on; `xmin` is the snapshot's, taken
    /// before loading. The caller loads pages in id order from [`Refresh::look_from`] and
    /// [`Refresh::after`] and hands each to [`Refresh::apply`] until it says stop, then calls
    /// [`Refresh::finish`]. Refreshes apply one at a time, in order.
    pub async fn refresh(&self, xmin: u64) -> Refresh<'_, T> {
        Refresh {
            cache: self,
            look_from: self.look_from.lock().await,
            after: 0,
            xmin,
        }
    }
}

/// One refresh of a [`TableCache`] under way. Dropped unfinished (an error while loading), it
/// leaves the next look where this one started: rows applied twice are applied alike.
pub struct Refresh<'a, T> {
    cache: &'a TableCache<T>,
    look_from: tokio::sync::MutexGuard<'a, u64>,
    after: i64,
    xmin: u64,
}

impl<T> Refresh<'_, T> {
    /// Rows written by transactions from this one on are to be loaded.
    pub fn look_from(&self) -> u64 {
        *self.look_from
    }

    /// The next page starts after this id.
    pub fn after(&self) -> i64 {
        self.after
    }

    /// Puts one page of rows in the cache (`id_of` tells a row's id); whether another page
    /// may follow (this one was full).
    pub fn apply<R>(
        &mut self,
        rows: Vec<R>,
        id_of: impl Fn(&R) -> i64,
        mut apply: impl FnMut(&mut T, R),
    ) -> bool {
        let Some(last) = rows.last() else {
            return false;
        };
        self.after = id_of(last);
        let full = rows.len() as i64 == LOAD_PAGE;
        let mut data = self.cache.write();
        for row in rows {
            apply(&mut data, row);
        }
        full
    }

    /// Every row up to the snapshot is in: the next look starts at its xmin.
    pub fn finish(mut self) {
        *self.look_from = (*self.look_from).max(self.xmin);
    }
}

/// One cache per database (tests run many databases in one process).
pub type PerDatabase<T> = Mutex<HashMap<String, Arc<TableCache<T>>>>;

/// The cache of `database` in `caches`, made empty on first use.
pub fn of_database<T: Default>(caches: &PerDatabase<T>, database: &str) -> Arc<TableCache<T>> {
    let mut caches = caches.lock().unwrap_or_else(|e| e.into_inner());
    Arc::clone(caches.entry(database.to_owned()).or_default())
}
