//! Who is looking at the status page: with a token configured, a request must carry it
//! (`Authorization: Bearer TOKEN`, or basic auth with the token as password, any user name)
//! and is then authenticated; without one (a loopback-only page), every viewer is anonymous.
//! Tokens are compared in constant time.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// Who is viewing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Presented the configured token: sees confidential issues' titles.
    Authenticated,
    /// No token is configured: sees counts and references, never a confidential title.
    Anonymous,
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

fn same(given: &[u8], token: &SecretString) -> bool {
    given.ct_eq(token.expose_secret().as_bytes()).into()
}

/// Decides who the request comes from, or refuses it.
pub fn viewer(headers: &HeaderMap, token: Option<&SecretString>) -> Result<Viewer, Refused> {
    let Some(token) = token else {
        return Ok(Viewer::Anonymous);
    };
    let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(Refused);
    };
    let (scheme, rest) = value.trim().split_once(' ').ok_or(Refused)?;
    let ok = if scheme.eq_ignore_ascii_case("bearer") {
        same(rest.trim().as_bytes(), token)
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD.decode(rest.trim()).map_err(|_| Refused)?;
        let password = decoded
            .iter()
            .position(|b| *b == b':')
            .map(|i| &decoded[i + 1..])
            .ok_or(Refused)?;
        same(password, token)
    } else {
        false
    };
    if ok {
        Ok(Viewer::Authenticated)
    } else {
        Err(Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "3f9c2a7e1b5d4c8a9e0f6b2d";

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(AUTHORIZATION, a.parse().unwrap());
        }
        h
    }

    #[test]
    fn without_a_token_every_viewer_is_anonymous() {
        assert_eq!(viewer(&headers(None), None), Ok(Viewer::Anonymous));
        assert_eq!(
            viewer(&headers(Some("Bearer anything")), None),
            Ok(Viewer::Anonymous)
        );
    }

    #[test]
    fn with_a_token_only_its_bearer_or_basic_password_is_let_in() {
        let token = SecretString::from(TOKEN);
        let basic = |creds: &str| format!("Basic {}", STANDARD.encode(creds));
        let cases = [
            (None, false),
            (Some(format!("Bearer {TOKEN}")), true),
            (Some(format!("bearer  {TOKEN} ")), true),
            (Some(basic(&format!("alex:{TOKEN}"))), true),
            (Some(basic(&format!(":{TOKEN}"))), true),
            (Some("Bearer 3f9c2a7e1b5d4c8a9e0f6b2".to_owned()), false),
            (Some(basic(TOKEN)), false),
            (Some(basic("alex:wrong")), false),
            (Some("Basic not-base64!".to_owned()), false),
            (Some(format!("Token {TOKEN}")), false),
        ];
        for (auth, let_in) in cases {
            let got = viewer(&headers(auth.as_deref()), Some(&token));
            assert_eq!(got.is_ok(), let_in, "{auth:?}");
            if let_in {
                assert_eq!(got, Ok(Viewer::Authenticated));
            }
        }
    }
}
