//! Server-only pieces of the app (`ssr` feature): the context every server function starts from
//! ([`context`]), and what server functions and the server's middleware share about HTTP
//! ([`http`]).

pub mod context;
pub mod http;

pub use context::{ChannelClient, ServerContext};
