//! `steward sim` from the command line: an operator's standalone GitLab, ready for
//! `steward serve` (every label the shipped rules declare, a printed `steward.yaml`), and a
//! clear refusal when its port is taken.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use steward_core::rules::labels::LabelCatalog;

fn spawn_sim(listen: std::net::SocketAddr) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("steward"))
        .args([
            "sim",
            "--listen",
            &listen.to_string(),
            "--token",
            "glpat-op-test",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The `steward.yaml` the simulator prints, read up to its last line (`projects:`).
fn printed_yaml(child: &mut Child) -> String {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut yaml = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        yaml.push_str(&line);
        yaml.push('\n');
        if line.starts_with("projects:") {
            break;
        }
    }
    yaml
}

#[tokio::test]
async fn sim_seeds_every_declared_label_and_prints_a_steward_yaml_serve_accepts() {
    let listen = steward_testkit::process::free_port().unwrap();
    let mut child = spawn_sim(listen);
    let yaml = printed_yaml(&mut child);
    assert!(
        yaml.contains(&format!("url: \"http://{listen}\"")),
        "{yaml}"
    );
    assert!(yaml.contains("token: \"glpat-op-test\""), "{yaml}");

    // The file is a configuration `steward serve` loads as it is.
    let path = std::env::temp_dir().join(format!("steward-sim-{}.yaml", listen.port()));
    std::fs::write(&path, &yaml).unwrap();
    let settings = steward::config::Settings::load_with_env(Some(&path), &HashMap::new());
    std::fs::remove_file(&path).ok();
    let settings = settings.unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    assert_eq!(settings.projects.len(), 1);
    let project = settings.projects[0];

    let catalog =
        LabelCatalog::from_yaml("rules/labels.yaml", include_str!("../../rules/labels.yaml"))
            .unwrap();
    let url = format!("http://{listen}/api/v4/projects/{project}/labels?per_page=100");
    let mut names: Vec<String> = Vec::new();
    let mut next = Some(url);
    while let Some(u) = next.take() {
        let r = reqwest::Client::new()
            .get(&u)
            .header("PRIVATE-TOKEN", "glpat-op-test")
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        let np = r
            .headers()
            .get("x-next-page")
            .map(|v| v.to_str().unwrap().to_owned());
        let page: Vec<Value> = r.json().await.unwrap();
        names.extend(page.iter().map(|l| l["name"].as_str().unwrap().to_owned()));
        if let Some(n) = np.filter(|n| !n.is_empty()) {
            next = Some(format!(
                "http://{listen}/api/v4/projects/{project}/labels?per_page=100&page={n}"
            ));
        }
    }
    let missing: Vec<&str> = catalog
        .names()
        .filter(|n| !names.iter().any(|m| m == n))
        .collect();
    assert!(
        missing.is_empty(),
        "labels the rules declare but the simulator lacks: {missing:?}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn sim_on_a_taken_port_fails_clearly_without_announcing_itself() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = holder.local_addr().unwrap();
    let mut child = spawn_sim(taken);
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "steward sim kept running"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!status.success());
    assert!(out.is_empty(), "printed a configuration anyway: {out}");
    assert!(!err.contains("GitLab simulator on"), "{err}");
    assert!(err.contains(&format!("cannot listen on {taken}")), "{err}");
    assert!(err.contains("--listen"), "{err}");
    drop(holder);
}
