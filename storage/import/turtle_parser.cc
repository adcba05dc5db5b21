#include "storage/import/turtle_parser.h"

#include <serd/serd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <string>

#include "storage/strings.h"

namespace ttpgraph {
namespace {

struct ReaderState {
  SerdEnv* env = nullptr;
  const TripleSink* sink = nullptr;
  std::string source_name;
  absl::Status status;          // first error (syntax or sink)
  bool syntax_error = false;
  // Expanded IRIs of the current triple (serd nodes may be CURIEs).
  std::string buf[3];
};

// Fills `out` with the term's text: CURIEs expanded through the prefixes read so far.
bool ToTerm(ReaderState* st, const SerdNode* node, std::string* buf, RdfTerm* out) {
  switch (node->type) {
    case SERD_URI:
      out->kind = RdfTerm::kIri;
      out->value = std::string_view(reinterpret_cast<const char*>(node->buf), node->n_bytes);
      return true;
    case SERD_CURIE: {
      SerdChunk prefix{nullptr, 0}, suffix{nullptr, 0};
      if (serd_env_expand(st->env, node, &prefix, &suffix) != SERD_SUCCESS) return false;
      buf->assign(reinterpret_cast<const char*>(prefix.buf), prefix.len);
      buf->append(reinterpret_cast<const char*>(suffix.buf), suffix.len);
      out->kind = RdfTerm::kIri;
      out->value = *buf;
      return true;
    }
    case SERD_BLANK:
      out->kind = RdfTerm::kBlank;
      out->value = std::string_view(reinterpret_cast<const char*>(node->buf), node->n_bytes);
      return true;
    case SERD_LITERAL:
      out->kind = RdfTerm::kLiteral;
      out->value = std::string_view(reinterpret_cast<const char*>(node->buf), node->n_bytes);
      return true;
    default:
      return false;
  }
}

SerdStatus OnBase(void* handle, const SerdNode* uri) {
  auto* st = static_cast<ReaderState*>(handle);
  return serd_env_set_base_uri(st->env, uri);
}

SerdStatus OnPrefix(void* handle, const SerdNode* name, const SerdNode* uri) {
  auto* st = static_cast<ReaderState*>(handle);
  return serd_env_set_prefix(st->env, name, uri);
}

SerdStatus OnStatement(void* handle, SerdStatementFlags, const SerdNode*, const SerdNode* subject,
                       const SerdNode* predicate, const SerdNode* object, const SerdNode*, const SerdNode*) {
  auto* st = static_cast<ReaderState*>(handle);
  if (!st->status.ok()) return SERD_FAILURE;
  RdfTriple t;
  const SerdNode* nodes[3] = {subject, predicate, object};
  RdfTerm* terms[3] = {&t.subject, &t.predicate, &t.object};
  for (int i = 0; i < 3; ++i) {
    if (!ToTerm(st, nodes[i], &st->buf[i], terms[i])) {
      st->status = absl::InvalidArgumentError(
          Cat(st->source_name, ": cannot expand '",
              std::string_view(reinterpret_cast<const char*>(nodes[i]->buf), nodes[i]->n_bytes),
              "' (undeclared prefix?)"));
      return SERD_FAILURE;
    }
  }
  absl::Status s = (*st->sink)(t);
  if (!s.ok()) {
    st->status = std::move(s);
    return SERD_FAILURE;
  }
  return SERD_SUCCESS;
}

SerdStatus OnError(void* handle, const SerdError* error) {
  auto* st = static_cast<ReaderState*>(handle);
  if (st->syntax_error || (!st->status.ok())) return SERD_SUCCESS;  // keep the first one
  char msg[512];
  va_list args;
  va_copy(args, *error->args);
  int n = vsnprintf(msg, sizeof msg, error->fmt, args);
  va_end(args);
  std::string text(msg, n < 0 ? 0 : std::min<size_t>(static_cast<size_t>(n), sizeof msg - 1));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  st->syntax_error = true;
  st->status = absl::InvalidArgumentError(
      Cat(st->source_name, ":", error->line, ":", error->col, ": malformed Turtle: ", text));
  return SERD_SUCCESS;
}

// One pass over the text before serd sees it, tracking only string, IRI,
// comment and escape boundaries (never Turtle syntax), and adding no line, so
// serd's error lines stay true:
// - Nesting. serd reads blank nodes `[ ... ]` and collections `( ... )` by
//   recursion, one set of stack frames per level: an upload nesting 20,000
//   blank nodes (~140 KB) overflowed the server thread's stack (SIGSEGV).
//   Brackets outside strings, IRIs and comments are counted and the input
//   refused past limits.max_nesting, naming the line.
// - serd 0.30 drops the backslash of an escape that directly follows a quote
//   inside a long string: a long literal holding `"\\* a \\*"` fails with
//   "invalid escape `\*'" (the real D3FEND 1.2.0 file has one, line 34598).
//   Escaping such a quote (\" is a valid ECHAR with the same value) sidesteps it.
absl::Status PrepareForSerd(std::string_view in, std::string_view source_name, const TurtleLimits& limits,
                            std::string* out) {
  out->clear();
  out->reserve(in.size() + 64);
  size_t i = 0, depth = 0;
  const size_t n = in.size();
  while (i < n) {
    char c = in[i];
    if (c == '#') {  // comment to end of line
      while (i < n && in[i] != '\n') out->push_back(in[i++]);
    } else if (c == '<') {  // IRI
      while (i < n && in[i] != '>' && in[i] != '\n') out->push_back(in[i++]);
      if (i < n && in[i] == '>') out->push_back(in[i++]);
    } else if (c == '"' || c == '\'') {
      const char q = c;
      if (i + 2 < n && in[i + 1] == q && in[i + 2] == q) {  // long string
        out->append(3, q);
        i += 3;
        while (i < n) {
          if (in[i] == '\\') {
            out->push_back(in[i++]);
            if (i < n) out->push_back(in[i++]);
          } else if (in[i] == q) {
            if (i + 2 < n && in[i + 1] == q && in[i + 2] == q) {
              out->append(3, q);
              i += 3;
              break;
            }
            if (i + 1 < n && in[i + 1] == '\\') out->push_back('\\');
            out->push_back(in[i++]);
          } else {
            out->push_back(in[i++]);
          }
        }
      } else {  // short string: to the closing quote or the end of the line
        out->push_back(in[i++]);
        while (i < n && in[i] != q && in[i] != '\n') {
          if (in[i] == '\\' && i + 1 < n) out->push_back(in[i++]);
          out->push_back(in[i++]);
        }
        if (i < n && in[i] == q) out->push_back(in[i++]);
      }
    } else if (c == '\\') {  // an escaped character of a prefixed name (`:a\'b`, `:a\(b`)
      out->push_back(in[i++]);
      if (i < n) out->push_back(in[i++]);
    } else {
      if (c == '[' || c == '(') {
        if (++depth > limits.max_nesting) {
          const size_t line = 1 + std::count(in.begin(), in.begin() + i, '\n');
          return absl::InvalidArgumentError(
              Cat(source_name, ":", line, ": blank nodes `[ ]` and collections `( )` nest deeper than ",
                  limits.max_nesting, " levels (the Turtle nesting limit, max_nesting); refused"));
        }
      } else if ((c == ']' || c == ')') && depth > 0) {
        --depth;
      }
      out->push_back(in[i++]);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseTurtle(std::string_view text, std::string_view source_name, const TripleSink& sink,
                         const TurtleLimits& limits) {
  // serd reads NUL-terminated strings; an embedded NUL would end the input early.
  if (text.find('\0') != std::string_view::npos) {
    size_t at = text.find('\0');
    size_t line = 1 + std::count(text.begin(), text.begin() + at, '\n');
    return absl::InvalidArgumentError(
        Cat(source_name, ":", line, ": malformed Turtle: NUL byte at offset ", at, " (binary data?)"));
  }
  std::string input;
  if (auto s = PrepareForSerd(text, source_name, limits, &input); !s.ok()) return s;
  ReaderState st;
  st.sink = &sink;
  st.source_name = std::string(source_name);
  st.env = serd_env_new(nullptr);
  SerdReader* reader = serd_reader_new(SERD_TURTLE, &st, nullptr, OnBase, OnPrefix, OnStatement, nullptr);
  serd_reader_set_strict(reader, true);
  serd_reader_set_error_sink(reader, OnError, &st);
  SerdStatus rc = serd_reader_read_string(reader, reinterpret_cast<const uint8_t*>(input.c_str()));
  serd_reader_free(reader);
  serd_env_free(st.env);
  if (!st.status.ok()) return st.status;
  if (rc != SERD_SUCCESS && rc != SERD_FAILURE)
    return absl::InvalidArgumentError(Cat(source_name, ": malformed Turtle (serd status ", static_cast<int>(rc), ")"));
  return absl::OkStatus();
}

}  // namespace ttpgraph
