//! Staff accounts and branches: users with argon2id passwords, their roles and
//! branches, server-side sessions, login throttling and API tokens, and the
//! [`kefu_core::Actor`] a request acts as.

pub mod branches;
pub mod password;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use kefu_store::Failure;

pub type Result<T, E = Failure> = std::result::Result<T, E>;

/// A random secret for cookies and tokens, as lowercase hex.
pub(crate) fn random_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Secrets are kept only as their SHA-256, so a copy of the database does
/// not hand out live sessions.
pub(crate) fn secret_hash(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}
