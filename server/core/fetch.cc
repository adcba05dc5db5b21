#include "server/core/fetch.h"

#include <curl/curl.h>

#include <fstream>
#include <mutex>
#include <sys/stat.h>

#include "storage/strings.h"

namespace ttpgraph::core {
namespace {

struct Sink {
  std::string* out;
  size_t max_bytes;
  bool overflow = false;
};

size_t Write(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  if (sink->out->size() + size * n > sink->max_bytes) {
    sink->overflow = true;
    return 0;
  }
  sink->out->append(data, size * n);
  return size * n;
}

}  // namespace

absl::StatusOr<std::string> ReadLocalFile(const std::string& path, size_t max_bytes) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) return absl::NotFoundError(Cat("no such file on the server: ", path));
  if (!S_ISREG(st.st_mode)) return absl::InvalidArgumentError(Cat(path, " is not a regular file"));
  if (static_cast<size_t>(st.st_size) > max_bytes)
    return absl::ResourceExhaustedError(Cat(path, " is ", st.st_size, " bytes, over the limit of ", max_bytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(Cat("cannot read ", path));
  std::string data(static_cast<size_t>(st.st_size), '\0');
  in.read(data.data(), st.st_size);
  if (in.gcount() != st.st_size) return absl::InvalidArgumentError(Cat("short read of ", path));
  return data;
}

absl::StatusOr<std::string> FetchUrl(const std::string& url, size_t max_bytes, long timeout_seconds) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (!StartsWith(url, "https://") && !StartsWith(url, "http://") && !StartsWith(url, "file://"))
    return absl::InvalidArgumentError(Cat("unsupported URL scheme in '", url, "' (https, http or file)"));
  CURL* curl = curl_easy_init();
  if (!curl) return absl::InternalError("curl_easy_init failed");
  std::string body;
  Sink sink{&body, max_bytes};
  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "ttpgraphd/0.1");
  CURLcode rc = curl_easy_perform(curl);
  long http = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
  curl_easy_cleanup(curl);
  if (sink.overflow)
    return absl::ResourceExhaustedError(Cat(url, " is larger than the limit of ", max_bytes, " bytes"));
  if (rc == CURLE_FILE_COULDNT_READ_FILE) return absl::NotFoundError(Cat("cannot read ", url, ": ", err));
  if (rc != CURLE_OK)
    return absl::UnavailableError(Cat("fetching ", url, " failed: ", err[0] ? err : curl_easy_strerror(rc)));
  if (http == 404) return absl::NotFoundError(Cat(url, " answered HTTP 404"));
  if (http >= 400) return absl::UnavailableError(Cat(url, " answered HTTP ", http));
  return body;
}

absl::StatusOr<std::string> ReadSource(const std::string& path_or_url, size_t max_bytes) {
  if (Contains(path_or_url, "://")) return FetchUrl(path_or_url, max_bytes);
  return ReadLocalFile(path_or_url, max_bytes);
}

}  // namespace ttpgraph::core
