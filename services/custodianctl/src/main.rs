//! `custodianctl`: see the library for the commands.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    let code = custodianctl::run(std::env::args_os(), &mut out, &mut err).await;
    std::process::ExitCode::from(code as u8)
}
