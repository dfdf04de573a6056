#include "edge/oauth_routes.h"

#include <openssl/evp.h>

#include <string>

#include "auth/audit.h"

namespace delta::edge {
namespace {

constexpr std::string_view kCsrfCookie = "delta_oauth_csrf";

std::string param(std::string_view query, std::string_view key) {
  std::string out;
  query_param(query, key, &out);
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string cookie_value(std::string_view cookies, std::string_view name) {
  while (!cookies.empty()) {
    size_t semi = cookies.find(';');
    std::string_view part = cookies.substr(0, semi);
    cookies = semi == std::string_view::npos ? std::string_view() : cookies.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.starts_with(name) && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
  }
  return "";
}

HttpResponse html(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.headers = {
      {"Cache-Control", "no-store"},
      {"X-Frame-Options", "DENY"},
      {"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"}};
  return r;
}

HttpResponse error_page(const auth::OAuthError& e) {
  return html(400, "<!doctype html><title>Delta sign-in error</title><h1>Sign-in error</h1><p>" +
                       html_escape(e.error) + ": " + html_escape(e.description) + "</p>\n");
}

std::string login_form(const auth::AuthorizeResult& r) {
  std::string msg = r.message.empty() ? "" : "<p role=alert>" + html_escape(r.message) + "</p>";
  return "<!doctype html><meta charset=utf-8><title>Delta sign-in</title><h1>Sign in to Delta</h1>"
         "<p>Application <b>" +
         html_escape(r.client_id) + "</b> asks for access.</p>" + msg +
         "<form method=post action=\"/oauth2/authorize\">"
         "<input type=hidden name=request_id value=\"" +
         html_escape(r.request_id) +
         "\">"
         "<input type=hidden name=csrf value=\"" +
         html_escape(r.csrf) +
         "\">"
         "<label>User <input name=username autocomplete=username required></label> "
         "<label>Password <input type=password name=password autocomplete=current-password required></label> "
         "<button type=submit>Sign in</button></form>\n";
}

bool is_form(std::string_view content_type) {
  return content_type.substr(0, content_type.find(';')) == "application/x-www-form-urlencoded";
}

// "Basic base64(urlencode(id):urlencode(secret))" (RFC 6749 section 2.3.1).
bool parse_basic(std::string_view header, std::string* id, std::string* secret) {
  if (header.size() < 6 || (header.substr(0, 6) != "Basic " && header.substr(0, 6) != "basic ")) return false;
  std::string_view b64 = header.substr(6);
  if (b64.empty() || b64.size() % 4 != 0 || b64.size() > 4096) return false;
  std::string raw(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return false;
  size_t len = static_cast<size_t>(n) - (b64.ends_with("==") ? 2 : b64.ends_with("=") ? 1 : 0);
  raw.resize(len);
  size_t colon = raw.find(':');
  if (colon == std::string::npos) return false;
  query_param("v=" + raw.substr(0, colon), "v", id);
  query_param("v=" + raw.substr(colon + 1), "v", secret);
  return true;
}

HttpResponse token_json(const auth::TokenResult& t) {
  HttpResponse r = json_response(t.status, t.body);
  r.headers = {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
  if (t.basic_challenge) r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"delta\"");
  return r;
}

HttpResponse token_failure(int status, std::string_view error, std::string_view description) {
  return token_json(
      {status,
       R"({"error":")" + std::string(error) + R"(","error_description":")" + std::string(description) + "\"}",
       false});
}

}  // namespace

OAuthRoutes::OAuthRoutes(const config::AuthConfig& auth, const Clock& clock, auth::OAuthStore& store,
                         obs::Registry& registry, auth::OAuthServerOptions options)
    : server_(auth, clock, store, options),
      secure_cookie_(auth.issuer.starts_with("https://")),
      tokens_issued_(registry.counter("delta_oauth_tokens_issued_total", "Token responses with status 200")),
      token_errors_(registry.counter("delta_oauth_token_errors_total", "Token requests refused")),
      logins_failed_(registry.counter("delta_oauth_logins_failed_total", "Login form posts refused")) {}

bool OAuthRoutes::handles(std::string_view path) const {
  return path.starts_with("/oauth2/") || path.starts_with("/.well-known/");
}

void OAuthRoutes::handle(const HttpRequest& request, Respond respond) {
  std::string_view path = request.path;
  bool get = request.method == Method::kGet || request.method == Method::kHead;
  bool post = request.method == Method::kPost;
  if (path == "/.well-known/oauth-authorization-server" && get) {
    return respond(json_response(200, server_.metadata_json()));
  }
  if (path == "/.well-known/jwks.json" && get) return respond(json_response(200, server_.public_jwks_json()));
  if (path == "/oauth2/authorize" && get) return respond(authorize_get(request));
  if (path == "/oauth2/authorize" && post) return respond(authorize_post(request));
  if (path == "/oauth2/token" && post) return respond(token(request));
  bool known = path == "/.well-known/oauth-authorization-server" || path == "/.well-known/jwks.json" ||
               path == "/oauth2/authorize" || path == "/oauth2/token";
  if (known) return respond(error_response(405, "method_not_allowed", "method not allowed on this path"));
  respond(error_response(404, "not_found", "no such path"));
}

HttpResponse OAuthRoutes::authorize_answer(const auth::AuthorizeResult& r) {
  using Kind = auth::AuthorizeResult::Kind;
  if (r.kind == Kind::kErrorPage) return error_page(r.error);
  if (r.kind == Kind::kRedirect) {
    HttpResponse out;
    out.status = 302;
    out.content_type = "text/plain";
    out.headers = {{"Location", r.location}, {"Cache-Control", "no-store"}};
    return out;
  }
  HttpResponse out = html(200, login_form(r));
  std::string cookie = std::string(kCsrfCookie) + "=" + r.csrf + "; Path=/oauth2/; HttpOnly; SameSite=Strict";
  if (secure_cookie_) cookie += "; Secure";
  out.headers.emplace_back("Set-Cookie", cookie);
  return out;
}

HttpResponse OAuthRoutes::authorize_get(const HttpRequest& request) {
  std::string_view q = request.query;
  auth::AuthorizeParams p{param(q, "response_type"),
                          param(q, "client_id"),
                          param(q, "redirect_uri"),
                          param(q, "state"),
                          param(q, "scope"),
                          param(q, "code_challenge"),
                          param(q, "code_challenge_method")};
  return authorize_answer(server_.authorize(p));
}

HttpResponse OAuthRoutes::authorize_post(const HttpRequest& request) {
  if (!is_form(request.content_type) || request.body == nullptr) {
    return error_page(
        {"invalid_request", "the login form must be posted as application/x-www-form-urlencoded"});
  }
  std::string_view body = *request.body;
  auth::LoginParams p{param(body, "request_id"), param(body, "csrf"),
                      cookie_value(request.cookie, kCsrfCookie), param(body, "username"),
                      param(body, "password")};
  auth::AuthorizeResult r = server_.login(p);
  bool ok = r.kind == auth::AuthorizeResult::Kind::kRedirect;
  if (!ok) logins_failed_.inc();
  auth::audit("oauth.login", p.username, request.remote_address, ok ? "success" : "failure");
  return authorize_answer(r);
}

HttpResponse OAuthRoutes::token(const HttpRequest& request) {
  if (!is_form(request.content_type) || request.body == nullptr) {
    token_errors_.inc();
    return token_failure(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
  }
  std::string_view b = *request.body;
  auth::TokenParams p;
  p.grant_type = param(b, "grant_type");
  p.code = param(b, "code");
  p.redirect_uri = param(b, "redirect_uri");
  p.code_verifier = param(b, "code_verifier");
  p.refresh_token = param(b, "refresh_token");
  p.scope = param(b, "scope");
  p.client_id = param(b, "client_id");
  p.client_secret = param(b, "client_secret");
  if (!request.authorization.empty()) {
    p.has_basic = parse_basic(request.authorization, &p.basic_id, &p.basic_secret);
    if (!p.has_basic) {
      token_errors_.inc();
      return token_failure(401, "invalid_client", "Authorization must be Basic client credentials");
    }
  }
  auth::TokenResult t = server_.token(p);
  (t.status == 200 ? tokens_issued_ : token_errors_).inc();
  // Audited by client and grant; the codes, secrets and tokens themselves never are.
  auth::audit("token.issue", p.has_basic ? p.basic_id : p.client_id, request.remote_address,
              t.status == 200 ? "success" : "failure", p.grant_type);
  return token_json(t);
}

std::unique_ptr<OAuthRoutes> make_oauth_routes(const config::PipelineConfig& config, const Clock& clock,
                                               obs::Registry& registry, auth::OAuthStore& store) {
  return std::make_unique<OAuthRoutes>(config.auth, clock, store, registry);
}

}  // namespace delta::edge
