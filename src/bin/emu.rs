//! The `emu` command-line tool.

fn main() {
    eprintln!("emu: no subcommands yet");
    std::process::exit(2);
}
