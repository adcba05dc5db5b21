// Test files: data paths, reading and writing files, gzip, tar members,
// temporary directories. No server: storage and graph tests link only this
// (ttpgraph_test_files) and their module; tests/testing/test_env.h adds the
// in-process server.
//
//   std::string bundle = ReadFile(TestData("mini_attack/mini-v18.json"));
//   TempDir dir;  // removed with everything in it when it goes away
#pragma once

#include <cstdint>
#include <string>

namespace ttpgraph::testing {

// $TTPGRAPH_SHARED_DATA/<rel> (default: <source>/../shared/data/<rel>).
std::string SharedData(const std::string& rel);
// <source>/tests/testdata/<rel>.
std::string TestData(const std::string& rel);
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& data);
std::string Gzip(const std::string& data);
// A ustar header for a regular file `name` of `size` bytes (up to 8 GiB - 1:
// 11 octal digits), whatever follows it.
std::string TarHeader(const std::string& name, uint64_t size);
// The header, `body` and its padding to a 512-byte block.
std::string TarMember(const std::string& name, const std::string& body);

// A directory removed (recursively) when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ttpgraph::testing
