//! Server-only pieces of the app (`ssr` feature): what server functions and the server's
//! middleware share about HTTP.

pub mod http;
