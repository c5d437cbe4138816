//! Who may log in to the built-in server: anonymous users (`anonymous` or `ftp`, any
//! password) when no `--user` is set, else exactly that user with the password given at
//! start (compared in constant time; a refusal costs half a second, to slow guessing).

use std::net::SocketAddr;

use async_trait::async_trait;
use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, Principal};

use super::Log;

#[derive(Debug)]
pub struct Login {
    /// `None`: anonymous.
    pub user: Option<(String, String)>,
    pub peer: SocketAddr,
    pub log: Log,
}

/// Equal bytes, in a time that depends on the lengths only.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[async_trait]
impl Authenticator for Login {
    async fn authenticate(
        &self,
        username: &str,
        creds: &Credentials,
    ) -> Result<Principal, AuthenticationError> {
        let result = match &self.user {
            None if username == "anonymous" || username == "ftp" => Ok(()),
            None => Err(AuthenticationError::BadUser),
            Some((user, password)) => {
                let given = creds.password.as_deref().unwrap_or("");
                let pass_ok = same(given.as_bytes(), password.as_bytes());
                if !same(username.as_bytes(), user.as_bytes()) {
                    Err(AuthenticationError::BadUser)
                } else if !pass_ok {
                    Err(AuthenticationError::BadPassword)
                } else {
                    Ok(())
                }
            }
        };
        match result {
            Ok(()) => Ok(Principal {
                username: username.to_string(),
            }),
            Err(e) => {
                self.log.line(&format!(
                    "{}: login refused for {username} ({e})",
                    self.peer
                ));
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_compares_whole_strings() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secret2"));
        assert!(!same(b"", b"x"));
        assert!(same(b"", b""));
    }
}
