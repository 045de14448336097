//! Who is acting, for provenance records (labels, reviews, audit entries).

/// The login name from the environment, or `unknown`.
pub fn current_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".into())
}
