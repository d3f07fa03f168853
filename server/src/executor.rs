//! The executor Leptos uses for the tasks of server-side rendering (resources that call server
//! functions while a page renders). Leptos' default spawns them bare on tokio, so their log lines
//! would lose the request's span and with it the request id; this one carries the span along.

use any_spawner::{CustomExecutor, Executor, PinnedFuture, PinnedLocalFuture};
use tracing::Instrument;

struct SpanPreservingTokio;

impl CustomExecutor for SpanPreservingTokio {
    fn spawn(&self, fut: PinnedFuture<()>) {
        tokio::spawn(fut.in_current_span());
    }

    fn spawn_local(&self, fut: PinnedLocalFuture<()>) {
        tokio::task::spawn_local(fut.in_current_span());
    }

    fn poll_local(&self) {}
}

/// Installs the executor once per process; later calls (and Leptos' own attempt to install
/// plain tokio, which comes after) are no-ops.
pub fn init() {
    let _ = Executor::init_custom_executor(SpanPreservingTokio);
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing::Subscriber;
    use tracing_subscriber::layer::{Context, SubscriberExt};
    use tracing_subscriber::registry::LookupSpan;

    use super::*;

    /// Records, for each event, the name of the span it happened in.
    struct SpanOfEvents(Arc<Mutex<Vec<String>>>);

    impl<S: Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for SpanOfEvents {
        fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
            let span = ctx
                .event_span(event)
                .map(|s| s.name().to_owned())
                .unwrap_or_default();
            self.0.lock().unwrap().push(span);
        }
    }

    #[tokio::test]
    async fn spawned_rendering_tasks_log_inside_the_request_span() {
        init();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(SpanOfEvents(seen.clone()));
        let _guard = tracing::subscriber::set_default(subscriber);
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        tracing::info_span!("request").in_scope(|| {
            Executor::spawn(async move {
                tracing::info!("inside a spawned task");
                let _ = done_tx.send(());
            });
        });
        done_rx.await.unwrap();
        assert_eq!(*seen.lock().unwrap(), vec!["request".to_owned()]);
    }
}
