//! The server's CPU time, read from `/proc` at the start and at the end of the measured
//! window (`--server-pid`), so that a run reports what each unit of work cost the server and
//! not only how fast the load generator got its echoes: two servers waiting on the same
//! saturated load generator measure the same rate however much CPU each spends.
//!
//! The time of a process is `utime + stime` of `/proc/<pid>/stat`, which covers all of its
//! threads, plus `cutime + cstime`, its children that have ended and been waited for. A
//! server's time is its own and that of every process below it (a forking server's children
//! that are still running), so that each child counts whether it ends within the window or
//! not.

use std::io;
use std::time::Duration;

/// The CPU time of a process and of every process under it.
pub fn read(pid: u32) -> io::Result<Duration> {
    let processes = processes();
    let root = processes
        .iter()
        .find(|p| p.pid == pid)
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no process {pid}")))?;
    let mut ticks = root.ticks;
    let mut parents = vec![pid];
    while let Some(parent) = parents.pop() {
        for child in processes
            .iter()
            .filter(|p| p.ppid == parent && p.pid != pid)
        {
            ticks += child.ticks;
            parents.push(child.pid);
        }
    }
    Ok(Duration::from_secs_f64(ticks as f64 / ticks_per_second()))
}

struct Process {
    pid: u32,
    ppid: u32,
    /// utime + stime + cutime + cstime, in clock ticks.
    ticks: u64,
}

fn processes() -> Vec<Process> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let text = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            parse_stat(pid, &text)
        })
        .collect()
}

/// The fields of a `/proc/<pid>/stat` line that matter here. The command name, in
/// parentheses, may hold spaces and parentheses itself: the fields count from the last `)`.
fn parse_stat(pid: u32, text: &str) -> Option<Process> {
    let after_name = &text[text.rfind(')')? + 1..];
    // Field 3 (state) is the first after the name; ppid is 4, utime..cstime are 14..17.
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |n: usize| -> Option<u64> { fields.get(n - 3)?.parse().ok() };
    Some(Process {
        pid,
        ppid: u32::try_from(field(4)?).ok()?,
        ticks: field(14)? + field(15)? + field(16)? + field(17)?,
    })
}

fn ticks_per_second() -> f64 {
    // SAFETY: sysconf takes no pointers.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// This process's own CPU time (all threads), for the load generator's share beside the
/// server's.
fn own() -> io::Result<Duration> {
    // SAFETY: getrusage writes the one struct it is given, alive for the call.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) < 0 {
            return Err(io::Error::last_os_error());
        }
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(time(usage.ru_utime) + time(usage.ru_stime))
}

/// The server's CPU time over a window: read at its start and at its end; the load
/// generator's own too, to show which of the two was the bottleneck.
pub struct Window {
    pid: u32,
    start: Option<Duration>,
    own_start: Duration,
}

impl Window {
    /// No server to watch when `pid` is `None`: the window measures nothing.
    pub fn new(pid: Option<u32>) -> Window {
        Window {
            pid: pid.unwrap_or(0),
            start: None,
            own_start: Duration::ZERO,
        }
    }

    /// Starts the window (once; later calls do nothing).
    pub fn start(&mut self) -> io::Result<()> {
        if self.pid != 0 && self.start.is_none() {
            self.own_start = own()?;
            self.start = Some(read(self.pid)?);
        }
        Ok(())
    }

    /// The CPU time spent since `start`, when there is a server to watch.
    pub fn end(&self) -> io::Result<Option<Spent>> {
        match self.start {
            Some(start) => Ok(Some(Spent {
                server: read(self.pid)?.saturating_sub(start),
                load: own()?.saturating_sub(self.own_start),
            })),
            None => Ok(None),
        }
    }
}

/// CPU time spent over a window.
pub struct Spent {
    /// By the server, its threads and its children.
    pub server: Duration,
    /// By the load generator itself.
    pub load: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_count_from_the_end_of_the_name() {
        let line = "42 (a (b) c) S 7 42 42 0 -1 4194560 100 0 0 0 11 22 33 44 20 0 1 0 5 6 7";
        let p = parse_stat(42, line).unwrap();
        assert_eq!((p.pid, p.ppid, p.ticks), (42, 7, 11 + 22 + 33 + 44));
    }

    #[test]
    fn this_process_uses_cpu() {
        let before = read(std::process::id()).unwrap();
        let mut x = 0u64;
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_millis(100) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
        }
        let after = read(std::process::id()).unwrap();
        assert!(after > before, "{before:?} -> {after:?}");
    }
}
