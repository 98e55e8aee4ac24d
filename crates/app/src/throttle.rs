//! Throttles on what strangers can try: failed logins (per account and
//! address, with growing locks an administrator can see and lift), failed
//! public look-ups and online submissions (per address), and the client
//! address itself, read from `X-Forwarded-For` only when the connection
//! comes from a configured reverse proxy.
//!
//! The counts are kept in the database (`throttle_counts`), so several
//! servers behind one load balancer count together and a restart forgets
//! nothing (issue 26 ¶3).

use chrono::Utc;
use std::net::IpAddr;
use std::time::Duration;
use xinfang_store::{Store, StoreError};

type Checked = Result<Result<(), u64>, StoreError>;

fn now_us() -> i64 {
    Utc::now().timestamp_micros()
}

fn micros(d: Duration) -> i64 {
    d.as_micros() as i64
}

/// Seconds left until `until_us`, at least one.
fn wait_secs(until_us: i64, now: i64) -> u64 {
    (((until_us - now) as u64).div_ceil(1_000_000)).max(1)
}

/// Counts failures per key (an address) in a window that starts at the
/// first; past `limit` the key is refused until the window has passed.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    kind: &'static str,
    limit: u32,
    window: Duration,
}

impl Throttle {
    /// The throttle `kind` (its name in the table).
    pub const fn new(kind: &'static str, limit: u32, window: Duration) -> Self {
        Throttle { kind, limit, window }
    }

    /// `Ok(Err(seconds to wait))` if the key is over its limit.
    pub async fn check(&self, store: &Store, key: &str) -> Checked {
        let now = now_us();
        Ok(match store.throttle_count(self.kind, "", key).await? {
            Some(c) if c.n >= i64::from(self.limit) && c.since_us + micros(self.window) > now => {
                Err(wait_secs(c.since_us + micros(self.window), now))
            }
            _ => Ok(()),
        })
    }

    pub async fn fail(&self, store: &Store, key: &str) -> Result<(), StoreError> {
        let now = now_us();
        store.throttle_fail(self.kind, "", key, now, now - micros(self.window)).await.map(|_| ())
    }

    pub async fn clear(&self, store: &Store, key: &str) -> Result<(), StoreError> {
        store.throttle_clear(self.kind, "", Some(key)).await.map(|_| ())
    }
}

/// Failed attempts allowed from one address on one account before it locks.
pub const LOGIN_FREE_FAILURES: u32 = 5;
/// The first lock; each further failure doubles it, up to [`LOGIN_MAX_LOCK`].
pub const LOGIN_FIRST_LOCK: Duration = Duration::from_secs(60);
pub const LOGIN_MAX_LOCK: Duration = Duration::from_secs(60 * 60);
/// Failures from one address across all accounts (password spraying)
/// before the address itself waits.
pub const ADDRESS_FAILURES: u32 = 30;
/// Failures are counted afresh a day after the first.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A lock on logging in to an account from an address, as the
/// administration page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginLock {
    pub username: String,
    pub address: String,
    pub failures: u32,
    /// Seconds until it lifts by itself.
    pub remaining_secs: u64,
}

/// Failed logins per (account, address). After [`LOGIN_FREE_FAILURES`] the
/// pair is locked for a minute, then two, four … up to an hour, each
/// further failure doubling it; a success clears the pair. Another address
/// is not affected, so five wrong passwords from anywhere no longer lock
/// `admin` at their desk. One address failing on many accounts waits too.
#[derive(Debug, Clone, Copy)]
pub struct LoginGuard {
    addresses: Throttle,
}

impl Default for LoginGuard {
    fn default() -> Self {
        LoginGuard { addresses: Throttle::new("login_address", ADDRESS_FAILURES, Duration::from_secs(15 * 60)) }
    }
}

const LOGIN: &str = "login";

impl LoginGuard {
    /// `Ok(Err(seconds to wait))` if the account is locked for this address.
    pub async fn check(&self, store: &Store, username: &str, address: &str) -> Checked {
        if let Err(wait) = self.addresses.check(store, address).await? {
            return Ok(Err(wait));
        }
        let now = now_us();
        Ok(match store.throttle_count(LOGIN, username, address).await?.and_then(|c| c.until_us) {
            Some(until) if until > now => Err(wait_secs(until, now)),
            _ => Ok(()),
        })
    }

    pub async fn fail(&self, store: &Store, username: &str, address: &str) -> Result<(), StoreError> {
        self.addresses.fail(store, address).await?;
        let now = now_us();
        let c = store.throttle_fail(LOGIN, username, address, now, now - micros(FORGET_AFTER)).await?;
        let count = u32::try_from(c.n).unwrap_or(u32::MAX);
        if count >= LOGIN_FREE_FAILURES {
            store.throttle_lock(LOGIN, username, address, now + micros(lock_for(count))).await?;
        }
        Ok(())
    }

    pub async fn succeed(&self, store: &Store, username: &str, address: &str) -> Result<(), StoreError> {
        store.throttle_clear(LOGIN, username, Some(address)).await.map(|_| ())
    }

    /// The locks in force now, longest first.
    pub async fn locks(&self, store: &Store) -> Result<Vec<LoginLock>, StoreError> {
        let now = now_us();
        Ok(store
            .throttle_locks(LOGIN, now)
            .await?
            .into_iter()
            .map(|l| LoginLock {
                username: l.who,
                address: l.address,
                failures: u32::try_from(l.n).unwrap_or(u32::MAX),
                remaining_secs: wait_secs(l.until_us, now),
            })
            .collect())
    }

    /// Lifts every lock on `username` (an administrator's act); how many.
    pub async fn lift(&self, store: &Store, username: &str) -> Result<usize, StoreError> {
        Ok(store.throttle_clear(LOGIN, username, None).await? as usize)
    }
}

/// How long the `count`th failure locks: a minute at the fifth, doubling.
fn lock_for(count: u32) -> Duration {
    let doublings = count.saturating_sub(LOGIN_FREE_FAILURES).min(6);
    (LOGIN_FIRST_LOCK * 2u32.pow(doublings)).min(LOGIN_MAX_LOCK)
}

/// An address or network (`10.0.0.5`, `10.0.0.0/8`, `::1`) whose
/// `X-Forwarded-For` is believed: the reverse proxies in front of us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet {
    addr: IpAddr,
    prefix: u8,
}

impl ProxyNet {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (a, p) = s.trim().split_once('/').map_or((s.trim(), None), |(a, p)| (a, Some(p)));
        let addr: IpAddr = a.parse().map_err(|_| format!("不是有效的 IP 地址：{a}"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) => {
                p.parse::<u8>().ok().filter(|n| *n <= max).ok_or_else(|| format!("网络前缀长度应为 0–{max}：{s}"))?
            }
        };
        Ok(ProxyNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let bits = |ip: IpAddr| -> Option<u128> {
            match (self.addr, ip) {
                (IpAddr::V4(_), IpAddr::V4(v)) => Some(u128::from(u32::from(v)) << 96),
                (IpAddr::V6(_), IpAddr::V6(v)) => Some(u128::from(v)),
                (IpAddr::V6(_), IpAddr::V4(v)) => Some(u128::from(v.to_ipv6_mapped())),
                (IpAddr::V4(_), IpAddr::V6(v)) => v.to_ipv4_mapped().map(|v| u128::from(u32::from(v)) << 96),
            }
        };
        let (Some(net), Some(ip)) = (bits(self.addr), bits(ip)) else { return false };
        // An IPv4 network sits in the top 32 bits, so its prefix counts from there too.
        let prefix = u32::from(self.prefix);
        let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
        net & mask == ip & mask
    }
}

/// The client's address: the connecting `peer`, or — when the peer is a
/// trusted proxy — the nearest address in `X-Forwarded-For` (read from the
/// right) that is not itself a trusted proxy. A client cannot choose its
/// address by sending the header to us directly, nor through the proxy
/// (which appends the real one after anything the client wrote).
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[ProxyNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.iter().flat_map(|h| h.split(',')).rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_lock_grows_to_an_hour() {
        assert_eq!(lock_for(LOGIN_FREE_FAILURES), LOGIN_FIRST_LOCK);
        assert_eq!(lock_for(LOGIN_FREE_FAILURES + 1), LOGIN_FIRST_LOCK * 2);
        assert_eq!(lock_for(50), LOGIN_MAX_LOCK);
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let trusted = [ProxyNet::parse("10.0.0.0/8").unwrap(), ProxyNet::parse("::1").unwrap()];
        // Straight from the internet: the header is the client's own words.
        assert_eq!(client_address(ip("203.0.113.9"), &["1.2.3.4"], &trusted), ip("203.0.113.9"));
        // Through the proxy: the right-most untrusted hop, not what the client prepended.
        assert_eq!(client_address(ip("10.0.0.2"), &["1.2.3.4, 198.51.100.7"], &trusted), ip("198.51.100.7"));
        assert_eq!(
            client_address(ip("10.0.0.2"), &["1.2.3.4", "198.51.100.7, 10.0.0.9"], &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(client_address(ip("::1"), &["2001:db8::5"], &trusted), ip("2001:db8::5"));
        // A proxy with no header, or garbage in it: the proxy's own address.
        assert_eq!(client_address(ip("10.0.0.2"), &[], &trusted), ip("10.0.0.2"));
        assert_eq!(client_address(ip("10.0.0.2"), &["nonsense"], &trusted), ip("10.0.0.2"));
        assert_eq!(client_address(ip("10.0.0.2"), &["1.2.3.4"], &[]), ip("10.0.0.2"));
        assert!(ProxyNet::parse("10.0.0.0/33").is_err() && ProxyNet::parse("proxy").is_err());
        assert!(ProxyNet::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
    }
}
