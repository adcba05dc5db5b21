#include "storage/import/sigma_rule.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <sstream>
#include <thread>

#include "storage/strings.h"

namespace ttpgraph {
namespace {

int LineOf(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.line < 0 ? 0 : m.line + 1;
}

absl::Status Bad(std::string_view path, int line, std::string_view what) {
  return absl::InvalidArgumentError(line > 0 ? Cat(path, ":", line, ": ", what) : Cat(path, ": ", what));
}

// Builds the documents' node trees from the parser's events, as YAML::LoadAll
// does (same trees: compared on the 3,982 SigmaHQ rules and the fuzz corpus,
// same speed), for one reason: LoadAll loops for ever on a flow indicator
// where a document may start (",", or `"x" ,`: yaml-cpp issue 1040, fixed
// after 0.8), allocating a null document per turn until memory runs out; a
// 4-byte rule took a server down. Here a document that starts where the last
// one did stops the parse.
class DocumentBuilder : public YAML::EventHandler {
 public:
  const YAML::Node& root() const { return root_; }
  const YAML::Mark& start() const { return start_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    start_ = mark;
    root_.reset();
    stack_.clear();
    anchors_.clear();
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { Add(YAML::Node(YAML::NodeType::Null), anchor); }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    Add(anchor < anchors_.size() ? anchors_[anchor] : YAML::Node(YAML::NodeType::Null), 0);
  }
  void OnScalar(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor, const std::string& value) override {
    YAML::Node n(value);
    if (!tag.empty()) n.SetTag(tag);
    Add(n, anchor);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    Open(YAML::NodeType::Sequence, tag, anchor, style);
  }
  void OnSequenceEnd() override { stack_.pop_back(); }
  void OnMapStart(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    Open(YAML::NodeType::Map, tag, anchor, style);
  }
  void OnMapEnd() override { stack_.pop_back(); }

 private:
  // YAML::Node's operator= writes through to the node it refers to; reset() rebinds.
  struct Frame {
    YAML::Node node;
    YAML::Node key;
    bool has_key = false;
  };
  void Open(YAML::NodeType::value type, const std::string& tag, YAML::anchor_t anchor,
            YAML::EmitterStyle::value style) {
    YAML::Node n(type);
    n.SetStyle(style);
    if (!tag.empty()) n.SetTag(tag);
    Add(n, anchor);
    stack_.push_back(Frame{n, YAML::Node(), false});
  }
  // Children are added when they start: a collection fills in through the shared node.
  void Add(const YAML::Node& n, YAML::anchor_t anchor) {
    if (anchor != 0) {
      if (anchors_.size() <= anchor) anchors_.resize(anchor + 1);
      anchors_[anchor].reset(n);
    }
    if (stack_.empty()) {
      root_.reset(n);
      return;
    }
    Frame& top = stack_.back();
    if (top.node.IsSequence()) {
      top.node.push_back(n);
    } else if (!top.has_key) {
      top.key.reset(n);
      top.has_key = true;
    } else {
      top.node.force_insert(top.key, n);  // duplicate keys kept, as LoadAll keeps them
      top.has_key = false;
    }
  }

  YAML::Node root_;
  YAML::Mark start_;
  std::vector<Frame> stack_;
  std::vector<YAML::Node> anchors_;
};

// Every document of `text`; throws what yaml-cpp throws.
absl::StatusOr<std::vector<YAML::Node>> LoadDocuments(std::string_view path, std::string_view text) {
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  DocumentBuilder builder;
  std::vector<YAML::Node> docs;
  size_t last_start = std::string_view::npos;
  while (parser.HandleNextDocument(builder)) {
    const YAML::Mark& m = builder.start();
    if (static_cast<size_t>(m.pos) == last_start) {
      const char c = m.pos >= 0 && static_cast<size_t>(m.pos) < text.size() ? text[m.pos] : '?';
      return Bad(path, m.line + 1, Cat("malformed YAML: unexpected '", c, "' at column ", m.column + 1,
                                       " (a flow indicator outside [ ] or { }?)"));
    }
    last_start = static_cast<size_t>(m.pos);
    docs.push_back(builder.root());
  }
  return docs;
}

// Visits every node once per path to it (so aliases count each time), bounded.
absl::Status CheckBounds(const YAML::Node& n, size_t depth, size_t* count, std::string_view path,
                         const SigmaParseLimits& limits) {
  if (++*count > limits.max_nodes)
    return Bad(path, LineOf(n), Cat("document expands to more than ", limits.max_nodes,
                                    " YAML nodes (alias bomb?); refused"));
  if (depth > limits.max_depth)
    return Bad(path, LineOf(n), Cat("YAML nesting deeper than ", limits.max_depth, " levels; refused"));
  if (n.IsSequence()) {
    for (const auto& child : n)
      if (auto s = CheckBounds(child, depth + 1, count, path, limits); !s.ok()) return s;
  } else if (n.IsMap()) {
    for (const auto& kv : n) {
      if (auto s = CheckBounds(kv.first, depth + 1, count, path, limits); !s.ok()) return s;
      if (auto s = CheckBounds(kv.second, depth + 1, count, path, limits); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

// A scalar field as text; empty when absent or null. INVALID_ARGUMENT when it is
// a list or mapping.
absl::Status Scalar(const YAML::Node& doc, const char* key, std::string_view path, std::string* out) {
  YAML::Node v = doc[key];
  if (!v || v.IsNull()) return absl::OkStatus();
  if (!v.IsScalar()) return Bad(path, LineOf(v), Cat("`", key, "` must be a single value, not a ",
                                                       v.IsSequence() ? "list" : "mapping"));
  *out = v.Scalar();
  return absl::OkStatus();
}

void AddUnique(std::vector<std::string>* v, std::string s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(std::move(s));
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Merges `doc` over a copy of the collection's global document.
YAML::Node MergeOver(const YAML::Node& global, const YAML::Node& doc) {
  YAML::Node out = YAML::Clone(global);
  for (const auto& kv : doc) {
    const std::string key = kv.first.Scalar();
    YAML::Node base = out[key];
    if (base && base.IsMap() && kv.second.IsMap()) {
      for (const auto& sub : kv.second) base[sub.first.Scalar()] = YAML::Clone(sub.second);
    } else {
      out[key] = YAML::Clone(kv.second);
    }
  }
  return out;
}

bool HasDuplicateKeys(const YAML::Node& map) {
  std::vector<std::string> keys;
  for (const auto& kv : map) keys.push_back(kv.first.Scalar());  // as MergeOver keys them
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
}

// 1-based line of `key:` at the start of a line of `doc`, or 0.
int KeyLine(std::string_view doc, std::string_view key) {
  int line = 1;
  size_t pos = 0;
  while (pos < doc.size()) {
    if (doc.compare(pos, key.size(), key) == 0 && pos + key.size() < doc.size() && doc[pos + key.size()] == ':')
      return line;
    size_t nl = doc.find('\n', pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
    ++line;
  }
  return 0;
}

// Splits a multi-document file's text at "---" lines; `starts` gets each
// document's first line.
std::vector<std::string> SplitDocuments(std::string_view text, std::vector<int>* starts) {
  std::vector<std::string> docs(1);
  int line_no = 1;
  starts->assign(1, 1);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos + 1);
    std::string_view bare = line;
    while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r' || bare.back() == ' ')) bare.remove_suffix(1);
    ++line_no;
    if (bare == "---") {
      if (!docs.back().empty()) {
        docs.emplace_back();
        starts->push_back(line_no);
      } else {
        starts->back() = line_no;
      }
    } else {
      docs.back().append(line.data(), line.size());
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return docs;
}

}  // namespace

std::string SigmaTechniqueTag(std::string_view tag) {
  std::string t = ToLower(tag);
  if (!StartsWith(t, "attack.t")) return {};
  std::string_view id = std::string_view(t).substr(8);
  std::string_view main = id.substr(0, id.find('.'));
  if (main.size() != 4 || !AllDigits(main)) return {};
  if (id.size() > 4) {
    std::string_view sub = id.substr(5);
    if (id[4] != '.' || sub.size() != 3 || !AllDigits(sub)) return {};
  }
  return ToUpper(t.substr(7));
}

absl::StatusOr<std::vector<SigmaRule>> ParseSigmaFile(std::string_view path, std::string_view text,
                                                      const SigmaParseLimits& limits) {
  if (text.size() > limits.max_file_bytes)
    return absl::ResourceExhaustedError(Cat(path, ": ", text.size(), " bytes; a rule file may hold at most ",
                                            limits.max_file_bytes));
  std::vector<YAML::Node> docs;
  try {
    auto loaded = LoadDocuments(path, text);
    if (!loaded.ok()) return loaded.status();
    docs = std::move(*loaded);
  } catch (const YAML::Exception& e) {
    return Bad(path, e.mark.line < 0 ? 0 : e.mark.line + 1, Cat("malformed YAML: ", e.msg));
  } catch (const std::exception& e) {
    return Bad(path, 0, Cat("malformed YAML: ", e.what()));
  }
  std::vector<int> starts;
  std::vector<std::string> doc_texts = SplitDocuments(text, &starts);
  if (doc_texts.size() != docs.size()) {
    doc_texts.assign(docs.size(), std::string(text));
    starts.assign(docs.size(), 1);
  }

  std::vector<SigmaRule> out;
  YAML::Node global;
  bool has_global = false;
  YAML::Node previous;
  std::string global_text;
  try {
    for (size_t i = 0; i < docs.size(); ++i) {
      const YAML::Node& raw = docs[i];
      if (!raw || raw.IsNull()) continue;  // empty document (e.g. a trailing ---)
      const int start = starts[i];
      auto line_of = [&](const char* key) {
        int rel = KeyLine(doc_texts[i], key);
        return rel > 0 ? start + rel - 1 : start;
      };
      size_t count = 0;
      if (auto s = CheckBounds(raw, 0, &count, path, limits); !s.ok())
        return Bad(path, start, std::string(s.message()).substr(s.message().find(": ") + 2));
      if (!raw.IsMap())
        return Bad(path, start, Cat("YAML document ", i + 1, " is not a mapping; a Sigma rule is a mapping"));
      std::string action;
      if (auto s = Scalar(raw, "action", path, &action); !s.ok()) return s;
      if (action == "global") {
        global = raw;
        has_global = true;
        global_text = doc_texts[i];
        continue;
      }
      if (action == "reset") {
        global = YAML::Node();
        has_global = false;
        global_text.clear();
        continue;
      }
      YAML::Node doc = raw;
      // A plain rule is read as it is, without the deep copy a merge makes;
      // only duplicate top-level keys need the merge's last-one-wins reading.
      if (action == "repeat") doc = MergeOver(previous, raw);
      else if (has_global || HasDuplicateKeys(raw)) doc = MergeOver(global, raw);
      previous = doc;

      SigmaRule r;
      r.path = std::string(path);
      r.line = start;
      r.text = global_text.empty() ? doc_texts[i] : Cat(global_text, "---\n", doc_texts[i]);
      for (auto [key, field] : {std::pair{"id", &r.id}, {"title", &r.title}, {"status", &r.status},
                                {"description", &r.description}, {"author", &r.author}, {"level", &r.level}})
        if (auto s = Scalar(doc, key, path, field); !s.ok()) return Bad(path, line_of(key), std::string(s.message()).substr(std::string(s.message()).find(": ") + 2));
      YAML::Node ls = doc["logsource"];
      if (ls && !ls.IsNull()) {
        if (!ls.IsMap()) return Bad(path, line_of("logsource"), "`logsource` must be a mapping (category, product, service)");
        for (auto [key, field] : {std::pair{"category", &r.category}, {"product", &r.product}, {"service", &r.service}})
          if (auto s = Scalar(ls, key, path, field); !s.ok()) return Bad(path, line_of("logsource"), std::string(s.message()).substr(std::string(s.message()).find(": ") + 2));
      }
      YAML::Node tags = doc["tags"];
      if (tags && !tags.IsNull()) {
        if (!tags.IsSequence()) return Bad(path, line_of("tags"), "`tags` must be a list");
        for (const auto& t : tags) {
          if (!t.IsScalar()) return Bad(path, line_of("tags"), "every entry of `tags` must be a single value");
          const std::string tag = t.Scalar();
          r.tags.push_back(tag);
          const std::string lower = ToLower(tag);
          if (!StartsWith(lower, "attack.")) continue;
          std::string tech = SigmaTechniqueTag(lower);
          std::string_view rest = std::string_view(lower).substr(7);
          if (!tech.empty()) {
            AddUnique(&r.techniques, std::move(tech));
          } else if (rest.size() == 5 && rest[0] == 'g' && AllDigits(rest.substr(1))) {
            AddUnique(&r.groups, ToUpper(rest));
          } else if (rest.size() == 5 && rest[0] == 's' && AllDigits(rest.substr(1))) {
            AddUnique(&r.software, ToUpper(rest));
          } else if (StartsWith(rest, "ds") && AllDigits(rest.substr(2))) {
            // data source tag: kept in tags only
          } else if (!rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || c == '-' || c == '_';
                     })) {
            std::string tactic(rest);
            std::replace(tactic.begin(), tactic.end(), '_', '-');
            AddUnique(&r.tactics, std::move(tactic));
          }
        }
      }
      out.push_back(std::move(r));
    }
  } catch (const YAML::Exception& e) {
    return Bad(path, e.mark.line < 0 ? 0 : e.mark.line + 1, Cat("unexpected YAML structure: ", e.msg));
  }
  if (out.empty()) return Bad(path, 0, "no Sigma rule in the file (empty, or only `action: global` documents)");
  return out;
}

std::vector<absl::StatusOr<std::vector<SigmaRule>>> ParseSigmaFiles(const std::vector<SigmaFileInput>& files,
                                                                    const SigmaParseLimits& limits, int workers) {
  std::vector<absl::StatusOr<std::vector<SigmaRule>>> out(files.size(), absl::UnknownError("not parsed"));
  // Files are handed out one at a time from a shared counter: rule files are
  // small and uneven, so this balances better than fixed halves. Each result
  // lands in its own slot; nothing else is shared.
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < files.size(); i = next++) out[i] = ParseSigmaFile(files[i].path, files[i].text, limits);
  };
  const size_t extra = std::min<size_t>(files.size(), static_cast<size_t>(std::max(1, workers))) - (files.empty() ? 0 : 1);
  std::vector<std::thread> threads;
  threads.reserve(extra);
  try {
    for (size_t t = 0; t < extra; ++t) threads.emplace_back(work);
  } catch (const std::system_error&) {
    // No thread to be had: the caller's thread does the rest alone.
  }
  work();
  for (std::thread& t : threads) t.join();
  return out;
}

}  // namespace ttpgraph
