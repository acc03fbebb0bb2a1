//! Start-up's connections: the store the settings name, the REST client for their GitLab, the
//! bot's identity (patient with a GitLab that fails transiently), the store's birth time and
//! the process-wide metrics recorder.

use std::sync::Arc;
use std::time::Duration;

use super::StartupError;
use crate::config::{GitLabSettings, Settings};
use crate::gitlab::{CallContext, ClientConfig, GitLab, RestGitLab};
use crate::store::{self, Store, StoreOptions};
use steward_core::clock::Clock;
use steward_core::model::UserRef;

/// Opens (and migrates) the settings' database; the settings replace `base`'s pool size,
/// schema, lease and attempts.
pub(super) async fn open_store(
    settings: &Settings,
    base: StoreOptions,
) -> Result<Arc<dyn Store>, StartupError> {
    let opts = StoreOptions {
        max_connections: settings.database_max_connections,
        lease: settings.worker.lease,
        max_attempts: settings.worker.max_attempts,
        postgres_schema: settings.database_schema.clone(),
        ..base
    };
    store::open(&settings.database_url, &opts)
        .await
        .map_err(StartupError::Database)
}

/// The REST client `gitlab` describes.
pub(super) fn rest_client(gitlab: &GitLabSettings) -> Result<Arc<dyn GitLab>, StartupError> {
    let base = reqwest::Url::parse(&gitlab.url).map_err(|e| StartupError::GitLabUrl {
        url: gitlab.url.clone(),
        message: e.to_string(),
    })?;
    let mut client = ClientConfig::new(base, gitlab.token.clone());
    client.timeout = gitlab.timeout;
    client.requests_per_minute = nonzero(gitlab.requests_per_minute);
    client.notes_per_minute = nonzero(gitlab.notes_per_minute);
    let client = RestGitLab::new(client).map_err(StartupError::GitLabClient)?;
    Ok(Arc::new(client))
}

fn nonzero(n: u32) -> std::num::NonZeroU32 {
    std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN)
}

/// When the store was first used; stamped with `clock`'s now on first use.
pub(super) async fn store_born(
    store: &dyn Store,
    clock: &dyn Clock,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, StartupError> {
    Ok(store.stamp_initialised_at(clock.now()).await?)
}

/// How long start-up keeps asking GitLab who the bot is while GitLab fails transiently: a
/// restart during a burst of 429s or a GitLab hiccup must not leave Steward down.
const STARTUP_PATIENCE: Duration = Duration::from_secs(60);

/// `GET /user`, retried with backoff (honouring `Retry-After`) while GitLab fails transiently,
/// for at most [`STARTUP_PATIENCE`]; a refusal (401, 403…) fails at once.
pub(super) async fn whoami(gitlab: &dyn GitLab) -> Result<UserRef, StartupError> {
    let started = std::time::Instant::now();
    let mut backoff = Duration::from_millis(500);
    loop {
        match gitlab.current_user(&CallContext::none()).await {
            Ok(user) => return Ok(user),
            Err(e) if !e.is_transient() => return Err(StartupError::GitLab(e)),
            Err(e) => {
                let pause = e.retry_after().unwrap_or(backoff);
                if started.elapsed() + pause > STARTUP_PATIENCE {
                    return Err(StartupError::GitLabUnavailable {
                        error: e,
                        waited_secs: started.elapsed().as_secs(),
                    });
                }
                tracing::warn!(error = %e, retry_in_ms = pause.as_millis() as u64,
                    "GitLab is not answering GET /user yet; retrying");
                tokio::time::sleep(pause).await;
                backoff = (backoff * 2).min(Duration::from_secs(8));
            }
        }
    }
}

/// Installs the process-wide Prometheus recorder once; later calls return the same handle.
pub fn install_metrics() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .map_err(|e| tracing::warn!(error = %e, "metrics are disabled"))
                .ok()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn client(server: &MockServer) -> RestGitLab {
        let cfg = ClientConfig::new(
            server.uri().parse().unwrap(),
            secrecy::SecretString::from("glpat-startup"),
        );
        RestGitLab::new(cfg).unwrap()
    }

    #[tokio::test]
    async fn start_up_waits_out_a_failing_gitlab_but_not_a_refused_token() {
        let server = MockServer::start().await;
        // More failures in a row than one call's in-place retries absorb.
        Mock::given(method("GET"))
            .and(path("/api/v4/user"))
            .respond_with(ResponseTemplate::new(502))
            .up_to_n_times(5)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v4/user"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"id": 5, "username": "steward-bot"})),
            )
            .mount(&server)
            .await;
        let bot = whoami(&client(&server)).await.unwrap();
        assert_eq!(bot.username.as_str(), "steward-bot");
        assert_eq!(server.received_requests().await.unwrap().len(), 6);

        let refused = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v4/user"))
            .respond_with(
                ResponseTemplate::new(401)
                    .set_body_json(serde_json::json!({"message": "401 Unauthorized"})),
            )
            .mount(&refused)
            .await;
        let err = whoami(&client(&refused)).await.unwrap_err();
        assert!(matches!(err, StartupError::GitLab(_)), "{err}");
        assert!(
            err.to_string().contains("check gitlab.url and the token"),
            "{err}"
        );
        assert_eq!(
            refused.received_requests().await.unwrap().len(),
            1,
            "no retry"
        );
    }
}
