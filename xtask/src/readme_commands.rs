//! The install and link commands of the README ("Using sockit from C": Install, pkg-config,
//! CMake, Plain compiler lines), read from README.md itself, so that `cargo xtask
//! check-install` types them as a reader does and the README cannot drift from what works.
//!
//! What is read, section by section:
//! - Install: the one command of its ```sh block;
//! - pkg-config: the lines of its ```sh block (`export` lines set up the ones after them;
//!   every other line builds `app`, and its comment says `shared` or `static`);
//! - CMake: the ```cmake block (a whole CMakeLists.txt) and the ```sh block that builds it
//!   (the configure line's comment names the option that makes the link static);
//! - Plain compiler lines: the static and shared commands of the table's Linux row, and the
//!   size the text states for a stripped static program (`stripped ... about <N> KB`).
//!
//! The commands name the install folder `<prefix>`.

/// How the README names the folder given to `cargo xtask install --prefix`.
pub const PREFIX: &str = "<prefix>";

/// The option the CMake configure line's comment names for a static link.
pub const CMAKE_STATIC_OPTION: &str = "-DSOCKIT_USE_STATIC_LIBS=ON";

/// A line of a ```sh block: what the shell runs and the comment after it.
#[derive(Debug, PartialEq, Eq)]
pub struct ShellLine {
    /// The line as printed, comment included (the shell ignores the comment).
    pub line: String,
    pub command: String,
    pub comment: String,
}

impl ShellLine {
    fn parse(line: &str) -> ShellLine {
        let (command, comment) = match line.find(" #") {
            Some(at) => (&line[..at], line[at + 2..].trim()),
            None => (line, ""),
        };
        ShellLine {
            line: line.to_string(),
            command: command.trim().to_string(),
            comment: comment.to_string(),
        }
    }

    /// `export NAME=value`: sets up the lines after it.
    pub fn is_setup(&self) -> bool {
        self.command.starts_with("export ")
    }
}

/// Whether a link makes the program need the shared library or copies in the static one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linkage {
    Shared,
    Static,
}

/// The README's install and link commands, `<prefix>` still in them.
#[derive(Debug)]
pub struct LinkCommands {
    pub install: ShellLine,
    pub pkg_config: Vec<ShellLine>,
    pub cmake_lists: String,
    pub cmake_commands: Vec<ShellLine>,
    /// The Linux row of the plain compiler lines: static, then shared.
    pub plain_linux: [(Linkage, String); 2],
    /// What the README says a stripped static quickstart weighs, in kB (1000 bytes).
    pub stripped_static_kb: u64,
}

impl LinkCommands {
    pub fn parse(readme: &str) -> Result<LinkCommands, String> {
        let install_section = section(readme, "Install")?;
        let install = match &shell_block(install_section, "Install")?[..] {
            [line] => ShellLine::parse(line),
            lines => {
                return Err(format!(
                    "README, Install: expected one command in its ```sh block, found {lines:?}"
                ));
            }
        };
        if !install.command.starts_with("cargo xtask install ") || !install.command.contains(PREFIX)
        {
            return Err(format!(
                "README, Install: {:?} is not `cargo xtask install --prefix {PREFIX}`",
                install.command
            ));
        }

        let pkg_config_section = section(readme, "pkg-config")?;
        let pkg_config: Vec<ShellLine> = shell_block(pkg_config_section, "pkg-config")?
            .iter()
            .map(|line| ShellLine::parse(line))
            .collect();
        for line in pkg_config.iter().filter(|line| !line.is_setup()) {
            pkg_config_linkage(line)?;
            builds_app(&line.command, "pkg-config")?;
        }

        let cmake_section = section(readme, "CMake")?;
        let cmake_lists = block(cmake_section, "cmake")
            .ok_or("README, CMake: no ```cmake block")?
            .to_string();
        if !cmake_lists.contains("add_executable(app app.c)") {
            return Err("README, CMake: the ```cmake block does not build app from app.c".into());
        }
        let cmake_commands: Vec<ShellLine> = shell_block(cmake_section, "CMake")?
            .iter()
            .map(|line| ShellLine::parse(line))
            .collect();
        if !cmake_commands.iter().any(|line| {
            line.command.starts_with("cmake -S ") && line.comment.contains(CMAKE_STATIC_OPTION)
        }) {
            return Err(format!(
                "README, CMake: no `cmake -S ...` line whose comment names {CMAKE_STATIC_OPTION}"
            ));
        }

        let plain = section(readme, "Plain compiler lines")?;
        let row = plain
            .lines()
            .find(|line| line.starts_with("| Linux |"))
            .ok_or("README, Plain compiler lines: no `| Linux |` row")?;
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let code = |cell: Option<&&str>, what: &str| -> Result<String, String> {
            let command = cell.and_then(|cell| first_code_span(cell)).ok_or_else(|| {
                format!("README, Plain compiler lines: the Linux row has no {what} command")
            })?;
            builds_app(command, "Plain compiler lines")?;
            Ok(command.to_string())
        };
        // "| Linux | `static` | `shared` |" splits into "", "Linux", static, shared, "".
        let plain_linux = [
            (Linkage::Static, code(cells.get(2), "static")?),
            (Linkage::Shared, code(cells.get(3), "shared")?),
        ];
        let stripped_static_kb = stripped_size_claim(plain).ok_or(
            "README, Plain compiler lines: no \"stripped ... about <N> KB\" for a static program",
        )?;

        Ok(LinkCommands {
            install,
            pkg_config,
            cmake_lists,
            cmake_commands,
            plain_linux,
            stripped_static_kb,
        })
    }
}

/// What a pkg-config line's comment says it builds.
pub fn pkg_config_linkage(line: &ShellLine) -> Result<Linkage, String> {
    let shared = line.comment.contains("shared");
    let static_ = line.comment.contains("static");
    match (shared, static_) {
        (true, false) => Ok(Linkage::Shared),
        (false, true) => Ok(Linkage::Static),
        _ => Err(format!(
            "README, pkg-config: the comment of {:?} should say `shared` or `static`",
            line.line
        )),
    }
}

/// `text` with `<prefix>` replaced by `prefix`.
pub fn with_prefix(text: &str, prefix: &str) -> String {
    text.replace(PREFIX, prefix)
}

fn builds_app(command: &str, section: &str) -> Result<(), String> {
    if command
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| w == ["-o", "app"])
    {
        Ok(())
    } else {
        Err(format!(
            "README, {section}: {command:?} does not build `-o app`"
        ))
    }
}

/// The text under `### {heading}`, up to the next heading of level 3 or above (lines in
/// fenced blocks are not headings).
fn section<'a>(readme: &'a str, heading: &str) -> Result<&'a str, String> {
    let title = format!("### {heading}");
    let mut start = None;
    let mut in_fence = false;
    let mut offset = 0;
    for line in readme.split_inclusive('\n') {
        let text = line.trim_end();
        if text.starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence {
            if let Some(from) = start {
                if text.starts_with("## ") || text.starts_with("### ") || text.starts_with("# ") {
                    return Ok(&readme[from..offset]);
                }
            } else if text == title {
                start = Some(offset + line.len());
            }
        }
        offset += line.len();
    }
    start
        .map(|from| &readme[from..])
        .ok_or_else(|| format!("README.md has no \"{title}\" section"))
}

/// The body of the first ```{language} block in `text`.
fn block<'a>(text: &'a str, language: &str) -> Option<&'a str> {
    let opening = format!("```{language}\n");
    let start = text.find(&opening)? + opening.len();
    let end = start + text[start..].find("```")?;
    Some(&text[start..end])
}

/// The non-empty lines of the section's first ```sh block.
fn shell_block<'a>(text: &'a str, section: &str) -> Result<Vec<&'a str>, String> {
    let body = block(text, "sh").ok_or_else(|| format!("README, {section}: no ```sh block"))?;
    Ok(body
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect())
}

/// The first `code span` of a table cell.
fn first_code_span(cell: &str) -> Option<&str> {
    let start = cell.find('`')? + 1;
    let end = start + cell[start..].find('`')?;
    Some(&cell[start..end])
}

/// `<N>` in "stripped ... about <N> KB" (the first "about" after the first "stripped").
fn stripped_size_claim(text: &str) -> Option<u64> {
    let after = &text[text.find("stripped")?..];
    let number = &after[after.find("about ")? + "about ".len()..];
    let digits: String = number.chars().take_while(char::is_ascii_digit).collect();
    if !number[digits.len()..].starts_with(" KB") {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "\
# sockit

## Using sockit from C

### Install

```sh
cargo xtask install --prefix <prefix>   # for example /usr/local
```

### pkg-config

```sh
export PKG_CONFIG_PATH=<prefix>/lib/pkgconfig   # a prefix pkg-config does not search
cc app.c $(pkg-config --cflags --libs sockit) -o app   # shared
cc app.c $(pkg-config --cflags --libs sockit-static) -o app   # static, always
```

### CMake

```cmake
project(app C)
# a comment, not a heading
add_executable(app app.c)
```

```sh
cmake -S . -B build -DCMAKE_PREFIX_PATH=<prefix>   # static: add -DSOCKIT_USE_STATIC_LIBS=ON
cmake --build build
```

### Plain compiler lines

| system | static | shared |
|---|---|---|
| Linux | `cc app.c <prefix>/lib/libsockit.a -o app` | `cc app.c -L<prefix>/lib -lsockit -o app` (note) |

It is 2 MB; stripped (`strip app`) it is about 330 KB.

## The API
";

    #[test]
    fn reads_every_command_of_the_four_sections() {
        let commands = LinkCommands::parse(README).unwrap();
        assert_eq!(
            commands.install.command,
            "cargo xtask install --prefix <prefix>"
        );
        assert_eq!(commands.pkg_config.len(), 3);
        assert!(commands.pkg_config[0].is_setup());
        assert_eq!(
            pkg_config_linkage(&commands.pkg_config[1]),
            Ok(Linkage::Shared)
        );
        assert_eq!(
            pkg_config_linkage(&commands.pkg_config[2]),
            Ok(Linkage::Static)
        );
        assert_eq!(
            commands.cmake_lists,
            "project(app C)\n# a comment, not a heading\nadd_executable(app app.c)\n"
        );
        assert_eq!(
            commands.cmake_commands[0].command,
            "cmake -S . -B build -DCMAKE_PREFIX_PATH=<prefix>"
        );
        assert_eq!(commands.cmake_commands[1].comment, "");
        assert_eq!(
            commands.plain_linux,
            [
                (
                    Linkage::Static,
                    "cc app.c <prefix>/lib/libsockit.a -o app".to_string()
                ),
                (
                    Linkage::Shared,
                    "cc app.c -L<prefix>/lib -lsockit -o app".to_string()
                ),
            ]
        );
        assert_eq!(commands.stripped_static_kb, 330);
    }

    #[test]
    fn a_changed_readme_is_refused_rather_than_half_checked() {
        let no_comment = README.replace("-o app   # shared", "-o app");
        assert!(
            LinkCommands::parse(&no_comment)
                .unwrap_err()
                .contains("shared")
        );
        let no_output = README.replace("sockit-static) -o app", "sockit-static)");
        assert!(
            LinkCommands::parse(&no_output)
                .unwrap_err()
                .contains("-o app")
        );
        let no_row = README.replace("| Linux |", "| Linux, glibc |");
        assert!(LinkCommands::parse(&no_row).unwrap_err().contains("Linux"));
        let two_installs = README.replace(
            "--prefix <prefix>   # for example /usr/local\n",
            "--prefix <prefix>\nldconfig\n",
        );
        assert!(LinkCommands::parse(&two_installs).is_err());
        let no_claim = README.replace("about 330 KB", "small");
        assert!(
            LinkCommands::parse(&no_claim)
                .unwrap_err()
                .contains("stripped")
        );
        let no_static_option = README.replace("static: add -DSOCKIT_USE_STATIC_LIBS=ON", "");
        assert!(
            LinkCommands::parse(&no_static_option)
                .unwrap_err()
                .contains(CMAKE_STATIC_OPTION)
        );
    }

    #[test]
    fn a_section_ends_at_the_next_heading_outside_code() {
        let text = section(README, "CMake").unwrap();
        assert!(text.contains("# a comment, not a heading"));
        assert!(text.contains("cmake --build build"));
        assert!(!text.contains("Plain compiler lines"));
        assert!(
            section(README, "Plain compiler lines")
                .unwrap()
                .ends_with("330 KB.\n\n")
        );
        assert!(section(README, "Nowhere").is_err());
    }

    #[test]
    fn shell_comments_are_split_off() {
        let line = ShellLine::parse("cmake --build build   # builds build/app");
        assert_eq!(line.command, "cmake --build build");
        assert_eq!(line.comment, "builds build/app");
        assert_eq!(ShellLine::parse("cc -o app").comment, "");
        assert_eq!(
            with_prefix("-I<prefix>/include <prefix>/lib", "/tmp/p"),
            "-I/tmp/p/include /tmp/p/lib"
        );
    }

    #[test]
    fn the_real_readme_has_all_it_takes() {
        let path = crate::package::root().join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let commands = LinkCommands::parse(&readme).unwrap_or_else(|e| panic!("{e}"));
        assert!(commands.stripped_static_kb > 0);
    }
}
