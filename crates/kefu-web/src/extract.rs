//! Extractors whose refusals speak our language: a form or JSON body that
//! cannot be parsed becomes a 422 with the parser's reason (413 when it is
//! over its size limit), a query string a 422 naming the parameter, rendered
//! like every other error.

use crate::error::AppError;
use axum::extract::{FromRequest, Request};
use kefu_core::{Invalid, Rule};
use serde::de::DeserializeOwned;

/// A urlencoded form (repeated fields become lists).
pub struct FormBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for FormBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum_extra::extract::Form::<T>::from_request(req, state)
            .await
            .map(|f| FormBody(f.0))
            .map_err(|e| AppError::body(e.status(), e.body_text()))
    }
}

/// A JSON body.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| JsonBody(j.0))
            .map_err(|e| AppError::body(e.status(), e.body_text()))
    }
}

/// Path parameters; a path whose ids do not parse names no record, so it is
/// answered like any unknown record (404) rather than with the parser's text.
pub struct PathParams<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for PathParams<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PathParams(p.0))
            .map_err(|_| AppError::NotFound)
    }
}

/// The query string, for every handler that reads one. A parameter sent
/// empty counts as not sent: a filter left at "all" (全部门店) submits
/// `branch=`, which means every store, not a store numbered "". A value
/// that does not parse is refused naming the parameter, in the user's
/// language — never with the parser's own text.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for QueryParams<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(QueryParams).map_err(AppError::Invalid)
    }
}

/// Parses a query string into `T`, leaving out the parameters whose value
/// is blank.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Invalid> {
    let given = form_urlencoded::parse(query.as_bytes()).filter(|(_, value)| !value.trim().is_empty());
    let kept = form_urlencoded::Serializer::new(String::new()).extend_pairs(given).finish();
    let parser = serde_urlencoded::Deserializer::new(form_urlencoded::parse(kept.as_bytes()));
    serde_path_to_error::deserialize(parser).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde names a missing field only in its message ("missing field `q`").
        match inner.strip_prefix("missing field `").and_then(|rest| rest.strip_suffix('`')) {
            Some(missing) => Invalid::required(missing),
            None if field == "." => Invalid::new("query", unreadable()),
            None => Invalid::new(field, unreadable()),
        }
    })
}

fn unreadable() -> Rule {
    Rule::new("unreadable", "无法识别该值", "has a value that cannot be read")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Filter {
        branch: Option<i64>,
        #[serde(default)]
        q: String,
    }

    #[test]
    fn a_blank_parameter_is_an_absent_one() {
        let f: Filter = parse_query("branch=&q=").unwrap();
        assert_eq!(f, Filter { branch: None, q: String::new() });
        let f: Filter = parse_query("branch=%20&q=%E6%9D%8E").unwrap();
        assert_eq!(f, Filter { branch: None, q: "李".into() });
        let f: Filter = parse_query("branch=7").unwrap();
        assert_eq!(f.branch, Some(7));
    }

    #[test]
    fn a_value_that_does_not_parse_names_its_parameter() {
        let e = parse_query::<Filter>("branch=abc").unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("branch", "unreadable"));
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)] // only its parsing is tested
        struct Needs {
            q: String,
        }
        let e = parse_query::<Needs>("q=").unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.code), ("q", "required"));
    }
}
