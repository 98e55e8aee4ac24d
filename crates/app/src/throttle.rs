//! Throttles on what strangers can try: failed logins (per account and
//! address, with growing locks an administrator can see and lift), failed
//! public look-ups and online submissions (per address), and the client
//! address itself, read from `X-Forwarded-For` only when the connection
//! comes from a configured reverse proxy.
//!
//! Each server keeps its own counts in memory: several servers behind one
//! load balancer each allow the limit, and a restart forgets them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts failures per key (an address) in a sliding window; past `limit`
/// the key is refused until the window has passed.
#[derive(Debug)]
pub struct Throttle {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    pub fn new(limit: u32, window: Duration) -> Self {
        Throttle { limit, window, seen: Mutex::new(HashMap::new()) }
    }

    /// `Err(seconds to wait)` if the key is over its limit.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        match seen.get(key) {
            Some((n, since)) if *n >= self.limit && now.duration_since(*since) < self.window => {
                Err((self.window - now.duration_since(*since)).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    pub fn fail(&self, key: &str) {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 100_000 {
            let window = self.window;
            seen.retain(|_, (_, since)| now.duration_since(*since) < window);
        }
        let entry = seen.entry(key.to_string()).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn clear(&self, key: &str) {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
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
/// A failure is forgotten this long after the last one.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    until: Option<Instant>,
}

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
#[derive(Debug)]
pub struct LoginGuard {
    pairs: Mutex<HashMap<(String, String), Failures>>,
    addresses: Throttle,
}

impl Default for LoginGuard {
    fn default() -> Self {
        LoginGuard {
            pairs: Mutex::new(HashMap::new()),
            addresses: Throttle::new(ADDRESS_FAILURES, Duration::from_secs(15 * 60)),
        }
    }
}

impl LoginGuard {
    /// `Err(seconds to wait)` if the account is locked for this address.
    pub fn check(&self, username: &str, address: &str) -> Result<(), u64> {
        self.addresses.check(address)?;
        let now = Instant::now();
        let pairs = self.pairs.lock().unwrap_or_else(|p| p.into_inner());
        match pairs.get(&(username.to_string(), address.to_string())).and_then(|f| f.until) {
            Some(until) if until > now => Err((until - now).as_secs().max(1)),
            _ => Ok(()),
        }
    }

    pub fn fail(&self, username: &str, address: &str) {
        self.addresses.fail(address);
        let now = Instant::now();
        let mut pairs = self.pairs.lock().unwrap_or_else(|p| p.into_inner());
        if pairs.len() > 100_000 {
            pairs.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
        }
        let f = pairs.entry((username.to_string(), address.to_string())).or_insert(Failures {
            count: 0,
            last: now,
            until: None,
        });
        if now.duration_since(f.last) >= FORGET_AFTER {
            *f = Failures { count: 0, last: now, until: None };
        }
        f.count += 1;
        f.last = now;
        if f.count >= LOGIN_FREE_FAILURES {
            f.until = Some(now + lock_for(f.count));
        }
    }

    pub fn succeed(&self, username: &str, address: &str) {
        self.pairs.lock().unwrap_or_else(|p| p.into_inner()).remove(&(username.to_string(), address.to_string()));
    }

    /// The locks in force now, longest first.
    pub fn locks(&self) -> Vec<LoginLock> {
        let now = Instant::now();
        let pairs = self.pairs.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<LoginLock> = pairs
            .iter()
            .filter_map(|((u, a), f)| {
                let until = f.until.filter(|t| *t > now)?;
                Some(LoginLock {
                    username: u.clone(),
                    address: a.clone(),
                    failures: f.count,
                    remaining_secs: (until - now).as_secs().max(1),
                })
            })
            .collect();
        out.sort_by(|a, b| b.remaining_secs.cmp(&a.remaining_secs).then(a.username.cmp(&b.username)));
        out
    }

    /// Lifts every lock on `username` (an administrator's act); how many.
    pub fn lift(&self, username: &str) -> usize {
        let mut pairs = self.pairs.lock().unwrap_or_else(|p| p.into_inner());
        let before = pairs.len();
        pairs.retain(|(u, _), _| u != username);
        before - pairs.len()
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
    fn throttle_locks_after_the_limit_and_clears() {
        let t = Throttle::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(t.check("u").is_ok());
            t.fail("u");
        }
        assert!(t.check("u").is_err());
        assert!(t.check("other").is_ok());
        t.clear("u");
        assert!(t.check("u").is_ok());
    }

    #[test]
    fn a_login_lock_holds_one_address_and_grows() {
        let g = LoginGuard::default();
        for _ in 0..LOGIN_FREE_FAILURES {
            assert!(g.check("admin", "203.0.113.9").is_ok());
            g.fail("admin", "203.0.113.9");
        }
        let first = g.check("admin", "203.0.113.9").unwrap_err();
        assert!((55..=60).contains(&first), "{first}");
        // The clerk at their desk is not locked out by the stranger.
        assert!(g.check("admin", "10.1.2.3").is_ok());
        g.fail("admin", "203.0.113.9");
        assert!(g.check("admin", "203.0.113.9").unwrap_err() > 100, "the lock grows");
        assert_eq!(g.locks().len(), 1);
        assert_eq!(g.locks()[0].failures, LOGIN_FREE_FAILURES + 1);
        assert_eq!(g.lift("admin"), 1);
        assert!(g.check("admin", "203.0.113.9").is_ok());
        assert_eq!(lock_for(50), LOGIN_MAX_LOCK);
    }

    #[test]
    fn one_address_failing_on_many_accounts_waits() {
        let g = LoginGuard::default();
        for i in 0..ADDRESS_FAILURES {
            g.fail(&format!("user{i}"), "198.51.100.7");
        }
        assert!(g.check("someone-else", "198.51.100.7").is_err());
        assert!(g.check("someone-else", "198.51.100.8").is_ok());
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
