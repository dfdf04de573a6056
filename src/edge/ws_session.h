// WebSocket sessions: a connection that HttpSession upgraded after Routes::open_websocket admitted
// it. Internal to the edge (http_session.cc starts them); the protocol is in src/edge/README.md.
//
// Ingest: reads one message at a time into Routes::submit_events (the same path as HTTP) and
// writes one ack per message, in order, once its events are durable. Up to kMaxPendingMessages
// messages wait for the log at once; beyond that, or while the in-flight byte budget is full, or
// for retry_after after the log or the rate limiter refused, the session stops reading, so TCP
// pushes back on the producer and nothing is buffered. Each pending message counts as an
// in-flight request for the server's drain.
// Subscriptions: a stream subscriber tails the log (StreamTail), woken through the LiveHub topic
// "stream:<name>" after each durable append; a view subscriber drains its LiveHub queue through
// its filter (ViewRowFilter), if any. A frame is NDJSON of everything ready (up to about 256 KiB),
// so frames grow with the rate; each message goes out as one WebSocket frame. A subscriber
// that cannot keep up is closed with 1013 and counted; it never slows anything else.
// Beast enforces the protocol: fragments, control frames between them, the close handshake, 1007
// for invalid UTF-8 in a text message, 1002 for unmasked client frames, 1009 past
// server.ws_max_message_bytes; pings keep idle connections alive (server.idle_timeout).
//
// Threads: each session runs on its socket's strand; log and hub callbacks post back to it.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "edge/http_session.h"
#include "edge/routes.h"

namespace delta::edge {

using TlsSessionStream = boost::beast::ssl_stream<SessionSocket>;
using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

// `stream` is the connection after the HTTP upgrade request was read (TLS already established).
template <typename Stream>
void start_ws_session(Stream stream, UpgradeRequest request, WsPlan plan, SessionShared& shared);

extern template void start_ws_session<SessionSocket>(SessionSocket, UpgradeRequest, WsPlan, SessionShared&);
extern template void start_ws_session<TlsSessionStream>(TlsSessionStream, UpgradeRequest, WsPlan,
                                                        SessionShared&);

}  // namespace delta::edge
