//! Project tasks that are not `cargo build` or `cargo test`, run as `cargo xtask <task>`:
//!
//! - `install`: installs sockit the way a C library is installed (headers, static and shared
//!   libraries with their SONAME or install name, pkg-config files, a CMake package).
//! - `check-install`: runs the README's install and link commands as printed, with a
//!   temporary prefix, and the programs they build; then builds an out-of-tree C program
//!   against the same install with pkg-config and with CMake, statically and dynamically.
//! - `bench`: the performance suite against C and libuv baselines (`--quick`: CI's guard).
//! - `reliability`: the fault suite at full scale, sanitizers, valgrind and fuzzing.
//! - `man`: the manual pages, generated from the header's doc comments; `check-man` checks
//!   them (coverage, `mandoc -T lint`, `man`, prototypes, examples).
//! - `deb`: Debian packages (libsockit0, libsockit-dev); `check-deb` installs, uses and
//!   removes them.
//! - `mutants`: mutation testing of the library with cargo-mutants, one area at a time.
//! - `link-programs`: links the C programs for tests that run under an emulator (Wine),
//!   which cannot start the build machine's compiler itself.

mod apt;
mod args;
mod bench;
mod check_install;
mod cmake_package;
mod deb;
mod echo_server;
mod install;
mod library_build;
mod link_programs;
mod man;
mod mutants;
mod package;
mod pkg_config;
mod readme;
mod readme_commands;
mod reliability;
mod target;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task> [options] [-- <cargo options>]

tasks:
  install [--prefix DIR] [--libdir DIR] [--includedir DIR] [--bindir DIR] [--mandir DIR]
          [--destdir DIR] [--target TRIPLE] [--profile NAME]
      Builds sockit in release mode and installs it under the prefix (default /usr/local):
      <includedir>/sockit.h, the static and shared libraries in <libdir> (DLLs in <bindir>),
      <libdir>/pkgconfig/sockit.pc and sockit-static.pc, <libdir>/cmake/sockit/, and the
      manual in <mandir>/man3 and man7. --libdir, --includedir, --bindir and --mandir are
      relative to the prefix (default lib, include, bin, share/man). --destdir stages the files under DIR while they name the prefix (packaging).
      Options after `--` go to cargo (for example -Zbuild-std for a cross build).
  check-install [-- <cargo options>]
      Runs the README's commands of Using sockit from C as printed, with a temporary
      folder for <prefix>: the install, then the pkg-config, CMake and plain compiler
      (Linux) lines, each building c_examples/quickstart.c; runs each program against a
      loopback echo server and checks that a stripped static one weighs what the README
      says. Then builds tests/consumer/echo_check.c against the same install with
      pkg-config (sockit and sockit-static) and with CMake (shared and static) and runs
      each build. Needs pkg-config, cmake and binutils: installs them if missing.
  man [--out DIR]
      Generates the manual from include/sockit.h's doc comments into DIR/man3 and
      DIR/man7 (default target/man), in mdoc: a page per function and per type,
      sockit(3) (the index) and sockit(7) (conventions, error codes, the API by section).
      `cargo xtask install` installs them under <prefix>/share/man.
  check-man [-- <cargo options>]
      Checks the pages: every function the header declares and the shared library
      exports has its page and no page documents anything else; `mandoc -T lint` reports
      nothing above style level; `man -l` renders each page without warnings and `man`
      finds it by name; each SYNOPSIS is the header's prototype; every example compiles
      and links (-std=c99 -pedantic -Wall -Wextra -Werror). Installs mandoc, man-db and
      gcc if missing.
  deb [--out DIR] [-- <cargo options>]
      Builds the Debian packages libsockit0 (the shared library) and libsockit-dev
      (header, static library, libsockit.so link, pkg-config files, CMake package, man
      pages) into DIR (default target/debian) with dpkg-deb, from what `install --prefix
      /usr --libdir lib/<multiarch>` installs: Depends from dpkg-shlibdeps, a symbols file
      checked by dpkg-gensymbols against the library, copyright and changelog. Fails if
      lintian reports an error. Installs dpkg-dev, lintian and mandoc if missing.
  check-deb [--out DIR] [-- <cargo options>]
      Builds the packages as `deb` does, installs both with apt-get, builds
      c_examples/quickstart.c with `cc app.c $(pkg-config --cflags --libs sockit)` and runs
      it against a loopback echo server, finds man 3 sockit_tcp_connect, then purges the
      packages and checks that no file, ldconfig entry or other package change is left.
      Refuses to run while either package is installed.
  link-programs --out-dir DIR
      Links the C programs that build.rs compiled (DIR is its OUT_DIR, holding
      c_programs.txt) into <target>/<triple>/c_examples, for test runs under Wine with
      SOCKIT_PRELINKED=1 (see .ci/windows).
  bench [--quick] [--runs N] [--seconds S] [--only WORKLOAD]...
      The performance suite (Linux): sockit's echo, chat and proxy servers against C
      (tutorial, epoll, recvmmsg), libuv and HAProxy, each server pinned to core 0 and
      sockit-load to core 1. Prints medians with min-max, ratios and server memory; writes
      benches/results/results.json and chart.svg and rewrites the README's results
      section. Installs libuv1-dev and haproxy if missing. --quick is .ci/run's regression guard: C epoll against sockit's event loop,
      failing below 0.7x C epoll in the same run; it writes nothing.
  reliability [--quick]
      The long reliability checks (Linux): the fault suite at full scale, the C programs
      under clang's ASan+UBSan and under valgrind through the tests that run them, and cargo
      fuzz on each target (when `cargo +nightly fuzz` is there); rewrites the README's
      Reliability table. Installs clang and valgrind if missing. --quick (.ci/run) runs the
      sanitizers and valgrind over the quicker test files and writes nothing.
  mutants [--area boundary|framing|net|server|all] [--re REGEX] [--tests A,B] [--jobs N]
          [-- <options>]
      Mutation testing with cargo-mutants (.cargo/mutants.toml; installed if missing): each
      mutant of the area (src/ffi/boundary.rs, src/framing, src/net, src/server; default
      all) is built and tested with the tests that cover the area, with a time limit per
      mutant. Prints the score and every missed mutant; the report is in
      target/mutants/<area>/mutants.out. --re narrows one area to the mutants whose
      file:line:col: change text matches, --tests to these test files (a quicker, partial
      run); options after `--` go to cargo-mutants (--iterate reruns only what was missed
      last time). Long: not part of .ci/run.
  help
      Prints this.
";

fn main() -> ExitCode {
    let mut arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.is_empty() {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    }
    let task = arguments.remove(0);
    let result = match task.as_str() {
        "install" => install::run(arguments),
        "check-install" => check_install::run(arguments),
        "link-programs" => link_programs::run(arguments),
        "man" => man::run(arguments),
        "check-man" => man::run_check(arguments),
        "deb" => deb::run(arguments),
        "check-deb" => deb::run_check(arguments),
        "bench" => bench::run(arguments),
        "reliability" => reliability::run(arguments),
        "mutants" => mutants::run(arguments),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown task {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask {task}: {message}");
            ExitCode::FAILURE
        }
    }
}
