//! `claimdesk serve` as a real process of the built binary, with its log in a file.

use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A server process, killed on drop.
pub struct ServerProcess {
    pub child: Child,
    pub base: String,
    pub log: std::path::PathBuf,
}

impl ServerProcess {
    pub async fn start(database_url: &str, name: &str) -> ServerProcess {
        Self::start_with(database_url, name, &[]).await
    }

    /// Starts `claimdesk serve` with extra arguments and waits until it answers.
    pub async fn start_with(database_url: &str, name: &str, args: &[&str]) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let log = std::env::temp_dir().join(format!("claimdesk-{name}-{port}.log"));
        let bind = format!("127.0.0.1:{port}");
        #[allow(clippy::zombie_processes)] // Drop kills and waits for it
        let child = Command::new(env!("CARGO_BIN_EXE_claimdesk"))
            .args(["serve", "--bind", &bind])
            .args(args)
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "debug")
            .env("CLAIMDESK_WORKERS", "1")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn claimdesk");
        let base = format!("http://{bind}");
        for _ in 0..100 {
            if reqwest::get(format!("{base}/healthz"))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return ServerProcess { child, base, log };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("claimdesk did not start; see {}", log.display());
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends a signal (`TERM`, `INT`) to the process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -s {name}");
    }

    /// Waits for the process to exit, at most `limit`.
    pub async fn exit_status(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
