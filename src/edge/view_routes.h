// ViewRoutes: the read side of views over HTTP (issue 4, item 7), a RouteExtension:
//   GET /v1/views                      the views, with their stream, window and sinks
//   GET /v1/views/{view}               its state: watermark, open windows, keys, per-partition
//                                      offsets, watermark and lag
//   GET /v1/views/{view}/results?key=&from=&to=&limit=
//                                      window results from the view's cache or analytical store;
//                                      from/to: RFC 3339 or epoch ms, bounds on window_start
//                                      ([from, to)); key: the group key, group-by values joined by ','
// (`/v1/views/{view}/subscribe` is the WebSocket route, served by the session before this.)
// Every route needs permission `consume` on the view (RBAC, edge::Gateway).
// Threads: shared by every I/O thread; the ViewService is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "edge/guard.h"
#include "edge/routes.h"

namespace delta::edge {

// What the routes read; implemented by the app over the view workers and the sinks.
class ViewService {
 public:
  virtual ~ViewService() = default;
  virtual bool exists(std::string_view view) const = 0;
  virtual std::string list_json() const = 0;
  virtual std::string describe_json(std::string_view view) const = 0;
  // A JSON array of result rows; kNotFound when the view has no sink that serves results.
  virtual Result<std::string> results(std::string_view view, std::string_view key, int64_t from_ms,
                                      int64_t to_ms, size_t limit) const = 0;
};

// `gateway` may be null (no authentication); both outlive the routes.
std::unique_ptr<RouteExtension> make_view_routes(const ViewService& views, Gateway* gateway);

}  // namespace delta::edge
