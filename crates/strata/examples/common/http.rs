//! What the HTTP signalling examples (`echo`, `throughput_peer`) share: the accept loop,
//! replies, reading a bounded request body, and completing a non-trickle answer.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use strata::peer::PeerConnection;
use tokio::net::TcpListener;

/// Serves HTTP/1 on `listener` forever, each request answered by `handle(state, request)`.
pub(crate) async fn serve<S, F, Fut>(
    listener: TcpListener,
    state: Arc<S>,
    handle: F,
) -> std::io::Result<()>
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, Request<Incoming>) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send + 'static,
{
    loop {
        let (stream, _) = listener.accept().await?;
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(state.clone(), req));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// A response with a status, a content type and a body.
pub(crate) fn reply(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

/// The request body as bytes, at most `limit` of them; a `400` naming `what` otherwise.
pub(crate) async fn read_body(
    req: Request<Incoming>,
    limit: usize,
    what: &str,
) -> Result<Bytes, Response<Full<Bytes>>> {
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(e) => Err(reply(
            StatusCode::BAD_REQUEST,
            "text/plain",
            format!("cannot read the {what}: {e}\n"),
        )),
    }
}

/// After the remote offer is set: creates and applies the answer, waits for gathering to
/// complete and returns the answer's SDP with every candidate (non-trickle).
pub(crate) async fn complete_answer(pc: &PeerConnection) -> Result<String, String> {
    let answer = pc.create_answer().await.map_err(|e| e.to_string())?;
    pc.set_local_description(answer)
        .await
        .map_err(|e| e.to_string())?;
    pc.gathering_complete().await;
    Ok(pc
        .local_description()
        .await
        .ok_or("no local description")?
        .sdp)
}
