//! Password hashing (argon2id, PHC strings) and the password policy.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use kefu_core::{Invalid, Rule};

pub const MIN_LENGTH: usize = 10;

/// Hashes with argon2id and a random salt.
pub fn hash(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters hashes any input")
        .to_string()
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify(stored: &str, password: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of nothing anyone can type, checked against when the username is
/// unknown so a failed login takes as long either way.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("\u{0}no user\u{0}"))
}

/// The policy: at least ten characters, at least two kinds of character
/// (letters, digits, others), and not the username.
pub fn check_policy(username: &str, password: &str) -> Result<(), Invalid> {
    let field = "password";
    if password.chars().count() < MIN_LENGTH {
        return Err(Invalid::new(
            field,
            Rule::new(
                "password_too_short",
                format!("密码至少 {MIN_LENGTH} 个字符"),
                format!("must be at least {MIN_LENGTH} characters"),
            ),
        ));
    }
    let kinds = [
        password.chars().any(|c| c.is_alphabetic()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if kinds.iter().filter(|k| **k).count() < 2 {
        return Err(Invalid::new(
            field,
            Rule::new(
                "password_too_simple",
                "密码须包含字母、数字、符号中的至少两类",
                "must mix at least two of letters, digits and symbols",
            ),
        ));
    }
    if password.to_lowercase().contains(&username.to_lowercase()) && !username.is_empty() {
        return Err(Invalid::new(
            field,
            Rule::new("password_contains_username", "密码不能包含用户名", "must not contain the username"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse 42");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "correct horse 42"));
        assert!(!verify(&h, "correct horse 43"));
        assert!(!verify("not a hash", "correct horse 42"));
        assert_ne!(hash("same"), hash("same"), "salts differ");
    }

    #[test]
    fn policy_names_the_rule() {
        assert_eq!(check_policy("wang", "short1").unwrap_err().rule.code, "password_too_short");
        assert_eq!(check_policy("wang", "onlyletterslong").unwrap_err().rule.code, "password_too_simple");
        assert_eq!(check_policy("wang", "Wang12345678").unwrap_err().rule.code, "password_contains_username");
        assert!(check_policy("wang", "服务第一-2026年").is_ok());
    }
}
