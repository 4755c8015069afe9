fn main() -> std::process::ExitCode {
    tandem::cmd::run()
}
