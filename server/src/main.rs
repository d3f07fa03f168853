use std::process::ExitCode;

use clap::Parser;
use server::cli::{self, Cli, Command};
use server::config::Config;

// The webhook path allocates many small, short-lived objects across threads; mimalloc spends
// less time on them than glibc's allocator (measured in docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Before the logger exists, and for the operator at the shell: errors go to standard error.
#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let args = Cli::parse();
    let config = match Config::load(args.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    server::telemetry::init(config.log_format, &config.log_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Rendering the editors' deep view trees on the server needs more than the default
        // 2 MiB of stack in a debug build (`make run`); 8 MiB leaves room in every build.
        .thread_stack_size(8 * 1024 * 1024)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match args.command.unwrap_or(Command::Serve) {
            Command::Serve => server::serve::run(config).await,
            Command::Migrate { action } => cli::migrate(&config, action).await,
            Command::Admin { action } => cli::admin(&config, action).await,
            Command::Channel { action } => cli::channel(&config, action).await,
            Command::Audit { action } => cli::audit(&config, action).await,
            Command::Friends { action } => cli::friends(&config, action).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
