use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = tackroom::cli::Cli::parse();
    tackroom::cli::run(cli)
}
