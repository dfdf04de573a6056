#include "edge/view_routes.h"

#include <charconv>
#include <limits>

#include "base/rfc3339.h"

namespace delta::edge {
namespace {

constexpr std::string_view kPrefix = "/v1/views";
constexpr size_t kDefaultLimit = 1000;
constexpr size_t kMaxLimit = 100'000;

// RFC 3339 or epoch milliseconds.
bool parse_time(std::string_view s, int64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ec == std::errc() && p == s.data() + s.size()) return true;
  return parse_rfc3339_ms(s, out);
}

class ViewRoutes final : public RouteExtension {
 public:
  ViewRoutes(const ViewService& views, Gateway* gateway) : views_(views), gateway_(gateway) {}

  bool handles(std::string_view path) const override {
    if (path != kPrefix && !path.starts_with("/v1/views/")) return false;
    return !path.ends_with("/subscribe");
  }

  void handle(const HttpRequest& request, Respond respond) override {
    std::string_view rest = std::string_view(request.path).substr(kPrefix.size());
    std::string_view name, tail;
    if (!rest.empty()) {
      rest.remove_prefix(1);
      size_t slash = rest.find('/');
      name = rest.substr(0, slash);
      tail = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
    Access access =
        Access::need(auth::Permission::kConsume, name.empty() ? "*" : name, auth::ResourceKind::kView);
    if (gateway_ != nullptr) {
      Caller caller;
      if (std::optional<HttpResponse> refused = gateway_->admit(request, access, &caller)) {
        return respond(std::move(*refused));
      }
    }
    if (request.method != Method::kGet && request.method != Method::kHead) {
      return respond(error_response(405, "method_not_allowed", "use GET"));
    }
    if (name.empty()) return respond(json_response(200, views_.list_json()));
    if (!views_.exists(name)) {
      return respond(error_response(404, "unknown_view", "no view named \"" + std::string(name) + "\""));
    }
    if (tail.empty()) return respond(json_response(200, views_.describe_json(name)));
    if (tail == "/results") return respond(results(name, request));
    return respond(error_response(404, "not_found", "no such route"));
  }

 private:
  HttpResponse results(std::string_view name, const HttpRequest& request) const {
    std::string v, key;
    int64_t from = std::numeric_limits<int64_t>::min(), to = std::numeric_limits<int64_t>::max();
    int64_t limit = kDefaultLimit;
    if (query_param(request.query, "from", &v) && !parse_time(v, &from)) {
      return error_response(400, "bad_parameter", "from must be an RFC 3339 time or epoch milliseconds");
    }
    if (query_param(request.query, "to", &v) && !parse_time(v, &to)) {
      return error_response(400, "bad_parameter", "to must be an RFC 3339 time or epoch milliseconds");
    }
    if (query_param(request.query, "limit", &v)) {
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
      if (ec != std::errc() || p != v.data() + v.size() || limit < 1 ||
          limit > static_cast<int64_t>(kMaxLimit)) {
        return error_response(400, "bad_parameter", "limit must be an integer from 1 to 100000");
      }
    }
    query_param(request.query, "key", &key);
    Result<std::string> rows = views_.results(name, key, from, to, static_cast<size_t>(limit));
    if (!rows) {
      if (rows.status().code() == StatusCode::kNotFound) {
        return error_response(404, "no_results_store", rows.status().message());
      }
      return error_response(500, "results_error", rows.status().message());
    }
    std::string out = "{\"view\":\"" + std::string(name) + "\",\"results\":" + *rows + "}";
    return json_response(200, std::move(out));
  }

  const ViewService& views_;
  Gateway* gateway_;
};

}  // namespace

std::unique_ptr<RouteExtension> make_view_routes(const ViewService& views, Gateway* gateway) {
  return std::make_unique<ViewRoutes>(views, gateway);
}

}  // namespace delta::edge
